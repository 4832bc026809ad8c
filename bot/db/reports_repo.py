"""SQL for program-wide numbers over a time range: the weekly summary and ``/report``.

Every query reads index ranges (see ``bench/summary.py`` for the query plans on a program of
10 000 creators and a million clicks). Clicks are summed per creator from the server's time
range of the covering ``clicks_guild_time`` index (the click log has no per-creator index, see
migration 0008). The ledger walks the creators in id order and reads each one's range of
``ledger_creator_balance``: ``CROSS JOIN`` fixes that order and ``+c.guild_id`` keeps SQLite
from walking the creators in ``creators_status`` order, so rows arrive grouped and no
temporary B-tree sorts them. All ranges are ``since <= t < until`` in epoch seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.connection import Queries
from bot.domain.ledger import Balance
from bot.domain.tiers import Tier


@dataclass(frozen=True)
class ReportCreator:
    """A creator of the server as the summary and ``/report`` list them."""

    id: int
    user_id: int | None
    handle: str | None
    locale: str
    tier: Tier
    status: str
    public_earnings: bool
    approved_at: int


@dataclass(frozen=True)
class CreatorClicks:
    creator_id: int
    clicks: int
    unique_clicks: int


@dataclass(frozen=True)
class CreatorOrders:
    creator_id: int
    orders: int
    revenue_minor: int


@dataclass(frozen=True)
class MethodOrders:
    """Attributed sales of one attribution method (click, code, directlink, …)."""

    method: str
    orders: int
    revenue_minor: int


@dataclass(frozen=True)
class CreatorCommissions:
    creator_id: int
    commission_minor: int
    fee_minor: int
    recurring_minor: int = 0  # the part of commission_minor earned on returning customers
    bounty_minor: int = 0  # bounty rewards (not part of commission_minor)


@dataclass(frozen=True)
class CreatorGifts:
    creator_id: int
    gift_minor: int


@dataclass(frozen=True)
class CreatorEngagement:
    creator_id: int
    reach: int
    interactions: int


@dataclass(frozen=True)
class CreatorBalance:
    creator_id: int
    balance: Balance


@dataclass(frozen=True)
class DayClicks:
    clicks: int = 0
    unique_clicks: int = 0


@dataclass(frozen=True)
class DayOrders:
    orders: int = 0
    revenue_minor: int = 0


@dataclass(frozen=True)
class DueRow:
    """A deliverable still owed, with its creator."""

    id: int
    creator_id: int
    user_id: int | None
    handle: str | None
    platform: str
    kind: str
    due_at: int


def _day_expression(column: str, days: int) -> str:
    # The day bucket of a row is how many inner boundaries it has passed: 0 … days - 1.
    return " + ".join(f"({column} >= ?)" for _ in range(days - 1)) or "0"


class ReportRepository:
    async def creators(self, q: Queries, guild_id: int) -> list[ReportCreator]:
        """Every creator of the server (any status), oldest first."""
        query = """
            SELECT id, user_id, handle, locale, tier, status, public_earnings, approved_at
            FROM creators WHERE guild_id = ? ORDER BY id
        """
        return [
            ReportCreator(
                id=r["id"],
                user_id=r["user_id"],
                handle=r["handle"],
                locale=r["locale"],
                tier=Tier(r["tier"]),
                status=r["status"],
                public_earnings=bool(r["public_earnings"]),
                approved_at=r["approved_at"],
            )
            for r in await q.fetch_all(query, guild_id)
        ]

    async def clicks_by_creator(
        self, q: Queries, guild_id: int, since: int, until: int
    ) -> list[CreatorClicks]:
        """Clicks and unique clicks of each creator with clicks in the range."""
        query = """
            SELECT creator_id, count(*) AS clicks, sum(is_unique) AS unique_clicks
            FROM clicks
            WHERE guild_id = ? AND clicked_at >= ? AND clicked_at < ?
            GROUP BY creator_id
        """
        rows = await q.fetch_all(query, guild_id, since, until)
        return [CreatorClicks(r[0], int(r[1]), int(r[2])) for r in rows]

    async def clicks_by_day(
        self, q: Queries, guild_id: int, boundaries: Sequence[int]
    ) -> list[DayClicks]:
        """Clicks and unique clicks per day between consecutive ``boundaries``."""
        days = len(boundaries) - 1
        query = f"""
            SELECT {_day_expression("clicked_at", days)} AS day,
                   count(*) AS clicks, sum(is_unique) AS unique_clicks
            FROM clicks
            WHERE guild_id = ? AND clicked_at >= ? AND clicked_at < ?
            GROUP BY day
        """
        args = [*boundaries[1:-1], guild_id, boundaries[0], boundaries[-1]]
        result = [DayClicks()] * days
        for row in await q.fetch_all(query, *args):
            result[row[0]] = DayClicks(int(row[1]), int(row[2]))
        return result

    async def orders_by_creator(
        self, q: Queries, guild_id: int, since: int, until: int, currency: str
    ) -> list[CreatorOrders]:
        """Orders and net revenue of each creator: active sales in the program currency."""
        query = """
            SELECT creator_id, count(*) AS orders, sum(net_minor - refunded_minor) AS revenue
            FROM conversions
            WHERE guild_id = ? AND occurred_at >= ? AND occurred_at < ?
              AND kind = 'sale' AND status = 'active' AND currency = ?
              AND creator_id IS NOT NULL
            GROUP BY creator_id
        """
        rows = await q.fetch_all(query, guild_id, since, until, currency)
        return [CreatorOrders(r[0], int(r[1]), int(r[2])) for r in rows]

    async def orders_by_method(
        self, q: Queries, guild_id: int, since: int, until: int, currency: str
    ) -> list[MethodOrders]:
        """Orders and net revenue by the attribution method that won them: the same sales
        as :meth:`orders_by_creator` (active, attributed, in the program currency)."""
        query = """
            SELECT attribution, count(*) AS orders, sum(net_minor - refunded_minor) AS revenue
            FROM conversions
            WHERE guild_id = ? AND occurred_at >= ? AND occurred_at < ?
              AND kind = 'sale' AND status = 'active' AND currency = ?
              AND creator_id IS NOT NULL
            GROUP BY attribution
        """
        rows = await q.fetch_all(query, guild_id, since, until, currency)
        return [MethodOrders(r[0], int(r[1]), int(r[2])) for r in rows]

    async def orders_by_day(
        self, q: Queries, guild_id: int, boundaries: Sequence[int], currency: str
    ) -> list[DayOrders]:
        """Orders and net revenue per day between consecutive ``boundaries``."""
        days = len(boundaries) - 1
        query = f"""
            SELECT {_day_expression("occurred_at", days)} AS day,
                   count(*) AS orders, sum(net_minor - refunded_minor) AS revenue
            FROM conversions
            WHERE guild_id = ? AND occurred_at >= ? AND occurred_at < ?
              AND kind = 'sale' AND status = 'active' AND currency = ?
              AND creator_id IS NOT NULL
            GROUP BY day
        """
        args = [*boundaries[1:-1], guild_id, boundaries[0], boundaries[-1], currency]
        result = [DayOrders()] * days
        for row in await q.fetch_all(query, *args):
            result[row[0]] = DayOrders(int(row[1]), int(row[2]))
        return result

    async def commissions_by_creator(
        self, q: Queries, guild_id: int, since: int, until: int
    ) -> list[CreatorCommissions]:
        """Commission, deliverable fees and bounty rewards of each creator, created in the
        range, net of reversals (a fully reversed commission counts 0)."""
        query = """
            SELECT m.creator_id,
                   sum(CASE WHEN m.kind NOT IN ('fee', 'bounty')
                       THEN m.amount_minor - m.reversed_minor ELSE 0 END),
                   sum(CASE WHEN m.kind = 'fee' THEN m.amount_minor - m.reversed_minor ELSE 0 END),
                   sum(CASE WHEN v.attribution = 'recurring'
                       THEN m.amount_minor - m.reversed_minor ELSE 0 END),
                   sum(CASE WHEN m.kind = 'bounty'
                       THEN m.amount_minor - m.reversed_minor ELSE 0 END)
            FROM commissions m LEFT JOIN conversions v ON v.id = m.conversion_id
            WHERE m.guild_id = ? AND m.created_at >= ? AND m.created_at < ?
            GROUP BY m.creator_id
        """
        rows = await q.fetch_all(query, guild_id, since, until)
        return [CreatorCommissions(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]

    async def gifts_by_creator(
        self, q: Queries, guild_id: int, since: int, until: int, currency: str
    ) -> list[CreatorGifts]:
        """The cost of the products gifted to each creator, recorded in the range."""
        query = """
            SELECT creator_id, sum(cost_minor) FROM gifts
            WHERE guild_id = ? AND created_at >= ? AND created_at < ? AND currency = ?
            GROUP BY creator_id
        """
        rows = await q.fetch_all(query, guild_id, since, until, currency)
        return [CreatorGifts(r[0], int(r[1])) for r in rows]

    async def engagement_by_creator(
        self, q: Queries, guild_id: int, since: int, until: int
    ) -> list[CreatorEngagement]:
        """Reach and likes + comments + shares of each creator's posts handed in during the
        range that have metrics (a reach above zero)."""
        # A server has thousands of deliverables, not millions: its range of the due index
        # is read whole and filtered on the submission time.
        query = """
            SELECT creator_id, sum(reach),
                   sum(coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0))
            FROM deliverables
            WHERE guild_id = ? AND submitted_at >= ? AND submitted_at < ? AND reach > 0
              AND status IN ('submitted', 'approved')
            GROUP BY creator_id
        """
        rows = await q.fetch_all(query, guild_id, since, until)
        return [CreatorEngagement(r[0], int(r[1]), int(r[2])) for r in rows]

    async def balances_by_creator(self, q: Queries, guild_id: int) -> list[CreatorBalance]:
        """The ledger balance of every creator with entries."""
        query = """
            SELECT c.id, l.bucket, sum(l.amount_minor)
            FROM creators AS c
            CROSS JOIN ledger_entries AS l ON l.creator_id = c.id
            WHERE +c.guild_id = ?
            GROUP BY c.id, l.bucket
        """
        buckets: dict[int, dict[str, int]] = {}
        for row in await q.fetch_all(query, guild_id):
            buckets.setdefault(row[0], {})[row[1]] = int(row[2])
        return [CreatorBalance(c, Balance.of(sums)) for c, sums in buckets.items()]

    async def deliverables_due(
        self, q: Queries, guild_id: int, since: int, until: int, limit: int
    ) -> tuple[list[DueRow], int]:
        """Deliverables still owed (planned, or rejected and to be redone) that fall due in
        the range, soonest first (at most ``limit``), and how many there are in all."""
        query = """
            SELECT d.id, d.creator_id, c.user_id, c.handle, d.platform, d.kind, d.due_at,
                   count(*) OVER () AS total
            FROM deliverables AS d JOIN creators AS c ON c.id = d.creator_id
            WHERE d.guild_id = ? AND d.due_at >= ? AND d.due_at < ?
              AND d.status IN ('planned', 'rejected')
            ORDER BY d.due_at, d.id
            LIMIT ?
        """
        rows = await q.fetch_all(query, guild_id, since, until, limit)
        due = [
            DueRow(
                id=r["id"],
                creator_id=r["creator_id"],
                user_id=r["user_id"],
                handle=r["handle"],
                platform=r["platform"],
                kind=r["kind"],
                due_at=r["due_at"],
            )
            for r in rows
        ]
        return due, int(rows[0]["total"]) if rows else 0
