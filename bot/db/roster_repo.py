"""SQL for ``/creators`` (the roster) and ``/leaderboard``: every creator of a server with
their numbers for a period, filtered, ordered and cut into a page in one query.

Each number is one aggregate over the server's range of its table (clicks from the covering
``clicks_guild_time`` index, as in :mod:`bot.db.reports_repo`), joined to the creators once,
so a page of a 5 000-creator roster costs the same few scans as a page of ten: no query per
creator. ``count(*) OVER ()`` gives the size of the whole filtered list with the page.

Under a campaign filter the numbers are the campaign's: clicks on its links, the sales those
links brought and the commissions on them. A sale attributed by discount code has no link and
so belongs to no campaign; deliverable fees belong to none either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_epoch
from bot.db.connection import Queries
from bot.domain.creators import CreatorStatus
from bot.domain.performance import Performance
from bot.domain.roster import LeaderboardMetric, RosterFilter, RosterSort
from bot.domain.tiers import Tier


@dataclass(frozen=True)
class RosterRow:
    """One creator of the roster with their numbers for the period."""

    creator_id: int
    user_id: int | None
    handle: str | None
    tier: Tier
    status: CreatorStatus
    public_earnings: bool
    approved_at: int
    last_sale_at: int | None  # the latest active sale up to now, of any period
    performance: Performance

    @property
    def last_sale(self) -> datetime | None:
        return from_epoch(self.last_sale_at)


@dataclass(frozen=True)
class RosterRows:
    rows: tuple[RosterRow, ...]
    total: int  # rows in the whole filtered list, not just this page


# A creator ``c`` is in a campaign when they have a link for it.
IN_CAMPAIGN = "EXISTS (SELECT 1 FROM links AS cl WHERE cl.creator_id = c.id AND cl.campaign_id = ?)"

# Ties are broken by the creator id so that pages never overlap or skip anyone.
_ORDER = {
    RosterSort.REVENUE: "revenue DESC, orders DESC, c.id",
    RosterSort.ORDERS: "orders DESC, revenue DESC, c.id",
    # Earnings per click: commission on sales and leads per click; no clicks sorts last.
    RosterSort.EPC: "CAST(commission AS REAL) / nullif(clicks, 0) DESC NULLS LAST, c.id",
    RosterSort.JOINED: "c.approved_at DESC, c.id DESC",
    RosterSort.LAST_SALE: "last_sale_at DESC NULLS LAST, c.id",
}
_LEADERBOARD = {
    LeaderboardMetric.ORDERS: ("orders", "orders DESC, revenue DESC, clicks DESC, c.id"),
    LeaderboardMetric.REVENUE: ("revenue", "revenue DESC, orders DESC, clicks DESC, c.id"),
    LeaderboardMetric.CLICKS: ("clicks", "clicks DESC, orders DESC, revenue DESC, c.id"),
}


def creator_numbers(
    guild_id: int, since: int, until: int, currency: str, campaign_id: int | None
) -> tuple[str, list[Any]]:
    """The ``WITH`` clause of the three per-creator aggregates, and its arguments: ``k``
    (clicks), ``o`` (orders, net revenue and the last sale) and ``m`` (earnings), each keyed
    by ``creator_id``. A query that joins only some of them pays only for those."""
    args: list[Any] = [guild_id, since, until]
    clicks_campaign = ""
    if campaign_id is not None:
        clicks_campaign = "AND campaign_id = ?"
        args.append(campaign_id)
    args += [since, currency, since, currency]
    sales_link = ""
    if campaign_id is not None:
        sales_link = "JOIN links AS l ON l.id = v.link_id AND l.campaign_id = ?"
        args.append(campaign_id)
    args += [guild_id, until]
    commission_link = ""
    if campaign_id is not None:
        commission_link = """
            JOIN conversions AS v ON v.id = m.conversion_id
            JOIN links AS l ON l.id = v.link_id AND l.campaign_id = ?
        """
        args.append(campaign_id)
    args += [guild_id, since, until]
    query = f"""
        WITH k AS (
            SELECT creator_id, count(*) AS clicks, sum(is_unique) AS unique_clicks
            FROM clicks
            WHERE guild_id = ? AND clicked_at >= ? AND clicked_at < ? {clicks_campaign}
            GROUP BY creator_id
        ),
        o AS (
            SELECT v.creator_id,
                   sum(v.occurred_at >= ? AND v.currency = ?) AS orders,
                   sum(CASE WHEN v.occurred_at >= ? AND v.currency = ?
                            THEN v.net_minor - v.refunded_minor ELSE 0 END) AS revenue,
                   max(v.occurred_at) AS last_sale_at
            FROM conversions AS v {sales_link}
            WHERE v.guild_id = ? AND v.occurred_at < ?
              AND v.kind = 'sale' AND v.status = 'active' AND v.creator_id IS NOT NULL
            GROUP BY v.creator_id
        ),
        m AS (
            SELECT m.creator_id,
                   sum(CASE WHEN m.kind <> 'fee'
                            THEN m.amount_minor - m.reversed_minor ELSE 0 END) AS commission,
                   sum(CASE WHEN m.kind = 'fee'
                            THEN m.amount_minor - m.reversed_minor ELSE 0 END) AS fee
            FROM commissions AS m {commission_link}
            WHERE m.guild_id = ? AND m.created_at >= ? AND m.created_at < ?
            GROUP BY m.creator_id
        )
    """
    return query, args


_SELECT = """
    SELECT c.id, c.user_id, c.handle, c.tier, c.status, c.public_earnings, c.approved_at,
           coalesce(k.clicks, 0) AS clicks, coalesce(k.unique_clicks, 0) AS unique_clicks,
           coalesce(o.orders, 0) AS orders, coalesce(o.revenue, 0) AS revenue,
           o.last_sale_at, coalesce(m.commission, 0) AS commission, coalesce(m.fee, 0) AS fee,
           count(*) OVER () AS total
    FROM creators AS c
    LEFT JOIN k ON k.creator_id = c.id
    LEFT JOIN o ON o.creator_id = c.id
    LEFT JOIN m ON m.creator_id = c.id
"""


def _rows(rows: list[Any]) -> RosterRows:
    return RosterRows(
        rows=tuple(
            RosterRow(
                creator_id=r["id"],
                user_id=r["user_id"],
                handle=r["handle"],
                tier=Tier(r["tier"]),
                status=CreatorStatus(r["status"]),
                public_earnings=bool(r["public_earnings"]),
                approved_at=r["approved_at"],
                last_sale_at=r["last_sale_at"],
                performance=Performance(
                    clicks=int(r["clicks"]),
                    unique_clicks=int(r["unique_clicks"]),
                    orders=int(r["orders"]),
                    revenue_minor=int(r["revenue"]),
                    commission_minor=int(r["commission"]),
                    fee_minor=int(r["fee"]),
                ),
            )
            for r in rows
        ),
        total=int(rows[0]["total"]) if rows else 0,
    )


class RosterRepository:
    async def roster(
        self,
        q: Queries,
        guild_id: int,
        wanted: RosterFilter,
        *,
        since: int,
        until: int,
        currency: str,
        limit: int | None = None,
        offset: int = 0,
    ) -> RosterRows:
        """The creators matching ``wanted`` with their numbers in ``[since, until)``, in its
        sort order: ``limit`` rows from ``offset`` (all of them without a limit)."""
        numbers, args = creator_numbers(guild_id, since, until, currency, wanted.campaign_id)
        where = ["c.guild_id = ?", "c.status = ?"]
        args += [guild_id, wanted.status.value]
        if wanted.tier is not None:
            where.append("c.tier = ?")
            args.append(wanted.tier.value)
        if wanted.campaign_id is not None:
            where.append(IN_CAMPAIGN)
            args.append(wanted.campaign_id)
        page = ""
        if limit is not None:
            page = "LIMIT ? OFFSET ?"
            args += [limit, offset]
        query = f"""
            {numbers}
            {_SELECT}
            WHERE {" AND ".join(where)}
            ORDER BY {_ORDER[wanted.sort]}
            {page}
        """
        return _rows(await q.fetch_all(query, *args))

    async def leaderboard(
        self,
        q: Queries,
        guild_id: int,
        metric: LeaderboardMetric,
        *,
        since: int,
        until: int,
        currency: str,
        limit: int,
    ) -> RosterRows:
        """The active creators (not erased) with the most ``metric`` in ``[since, until)``;
        only those with some."""
        numbers, args = creator_numbers(guild_id, since, until, currency, None)
        column, order = _LEADERBOARD[metric]
        query = f"""
            {numbers}
            SELECT * FROM ({_SELECT}
                WHERE c.guild_id = ? AND c.status = 'active' AND c.user_id IS NOT NULL
            ) AS c
            WHERE {column} > 0
            ORDER BY {order}
            LIMIT ?
        """
        return _rows(await q.fetch_all(query, *args, guild_id, limit))
