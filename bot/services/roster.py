"""Use case: ``/creators`` (the roster for managers, a page at a time or as CSV) and
``/leaderboard`` (the top creators, for everyone).

A period is ``week`` (since Monday), ``month`` (since the 1st) or ``all``, in the server's
timezone, up to now. Revenue is net of refunds in the program currency; earnings are
commissions and deliverable fees created in the period, net of reversals (as ``/report``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.campaigns_repo import CampaignCatalog, CampaignRepository
from bot.db.connection import Database
from bot.db.roster_repo import RosterRepository, RosterRow
from bot.domain.creators import Campaign
from bot.domain.roster import (
    LEADERBOARD_SIZE,
    PAGE_SIZE,
    LeaderboardMetric,
    RosterFilter,
    clamp_page,
    page_count,
)
from bot.domain.weeks import period_start
from bot.errors import CreatorbotError
from bot.services.settings import SettingsService


class UnknownRosterCampaign(CreatorbotError):
    """A roster filter names a campaign the server does not have.

    Attributes:
        name: the campaign as the manager typed it.
    """

    key = "roster.unknown_campaign"

    def __init__(self, name: str) -> None:
        super().__init__(name=name)
        self.name = name


@dataclass(frozen=True)
class Span:
    """The period asked for, as shown: its start (``None`` for ``all``) and now."""

    period: str
    since: datetime | None
    until: datetime
    currency: str
    timezone: str


@dataclass(frozen=True)
class RosterPage:
    """One page of the roster, with how many creators the whole filtered list has."""

    wanted: RosterFilter
    campaign: Campaign | None
    span: Span
    rows: tuple[RosterRow, ...]
    total: int
    page: int  # 0-based

    @property
    def pages(self) -> int:
        return page_count(self.total)

    @property
    def first_rank(self) -> int:
        return self.page * PAGE_SIZE + 1


@dataclass(frozen=True)
class Leaderboard:
    metric: LeaderboardMetric
    span: Span
    rows: tuple[RosterRow, ...]


class RosterService:
    def __init__(
        self,
        db: Database,
        repo: RosterRepository,
        campaigns: CampaignRepository,
        catalog: CampaignCatalog,
        settings: SettingsService,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._campaigns = campaigns
        self._catalog = catalog
        self._settings = settings
        self._clock = clock

    async def campaign_named(self, guild_id: int, name: str) -> Campaign:
        """The server's campaign called ``name`` (name or slug); :class:`UnknownRosterCampaign`
        naming it if there is none."""
        campaign = await self._catalog.by_name_or_slug(self._db, guild_id, name.strip())
        if campaign is None:
            raise UnknownRosterCampaign(name[:80])
        return campaign

    async def page(self, guild_id: int, wanted: RosterFilter, page: int = 0) -> RosterPage:
        """Page ``page`` (0-based, kept within the pages there are now) of the roster."""
        campaign = await self._campaign(guild_id, wanted.campaign_id)
        span, since, until = await self._span(guild_id, wanted.period)
        found = await self._repo.roster(
            self._db,
            guild_id,
            wanted,
            since=since,
            until=until,
            currency=span.currency,
            limit=PAGE_SIZE,
            offset=page * PAGE_SIZE,
        )
        if not found.rows and page > 0:
            # The list shrank since the button was drawn: show its last page instead.
            return await self.page(
                guild_id, wanted, clamp_page(page, await self.count(guild_id, wanted))
            )
        return RosterPage(wanted, campaign, span, found.rows, found.total, page)

    async def count(self, guild_id: int, wanted: RosterFilter) -> int:
        """How many creators match ``wanted``."""
        span, since, until = await self._span(guild_id, wanted.period)
        found = await self._repo.roster(
            self._db, guild_id, wanted, since=since, until=until, currency=span.currency, limit=1
        )
        return found.total

    async def csv(self, guild_id: int, wanted: RosterFilter) -> bytes:
        """The whole filtered roster as CSV, in the roster's order.

        Only the handle and the Discord user id identify a creator: no e-mail, no payout
        details. Amounts are decimals in the program currency, times in the server's zone.
        """
        await self._campaign(guild_id, wanted.campaign_id)
        span, since, until = await self._span(guild_id, wanted.period)
        found = await self._repo.roster(
            self._db, guild_id, wanted, since=since, until=until, currency=span.currency
        )
        return roster_csv(found.rows, span)

    async def leaderboard(
        self,
        guild_id: int,
        period: str = "week",
        metric: LeaderboardMetric = LeaderboardMetric.ORDERS,
    ) -> Leaderboard:
        """The top active creators by ``metric`` in ``period`` (only those with some)."""
        span, since, until = await self._span(guild_id, period)
        found = await self._repo.leaderboard(
            self._db,
            guild_id,
            metric,
            since=since,
            until=until,
            currency=span.currency,
            limit=LEADERBOARD_SIZE,
        )
        return Leaderboard(metric, span, found.rows)

    async def _campaign(self, guild_id: int, campaign_id: int | None) -> Campaign | None:
        if campaign_id is None:
            return None
        campaign = await self._campaigns.get(self._db, campaign_id)
        if campaign is None or campaign.guild_id != guild_id:
            raise UnknownRosterCampaign(f"#{campaign_id}")
        return campaign

    async def _span(self, guild_id: int, period: str) -> tuple[Span, int, int]:
        settings = await self._settings.get(guild_id)
        now = self._clock.now()
        start = period_start(period, now, settings.zone)
        until = now + timedelta(seconds=1)  # up to and including the current second
        span = Span(period, start, now, settings.currency, settings.timezone)
        return span, to_epoch(start) if start else 0, to_epoch(until)


# --- the CSV export ----------------------------------------------------------------------

CSV_COLUMNS = (
    "rank",
    "creator_id",
    "discord_user_id",
    "handle",
    "tier",
    "status",
    "joined",
    "clicks",
    "unique_clicks",
    "orders",
    "net_revenue",
    "earnings",
    "epc",
    "last_sale",
    "currency",
    "period",
)


def _text(value: str | None) -> str:
    # A handle such as "=HYPERLINK(…)" must stay text when the file is opened in a spreadsheet.
    text = value or ""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _amount(minor: int | None, digits: int) -> str:
    return "" if minor is None else f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def _local(epoch: int | None, zone: ZoneInfo) -> str:
    moment = from_epoch(epoch)
    return "" if moment is None else moment.astimezone(zone).isoformat(timespec="minutes")


def roster_csv(rows: tuple[RosterRow, ...], span: Span) -> bytes:
    """The roster rows as CSV (UTF-8, with header)."""
    digits = get_currency_precision(span.currency)
    zone = ZoneInfo(span.timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rank, row in enumerate(rows, start=1):
        p = row.performance
        writer.writerow(
            [
                rank,
                row.creator_id,
                row.user_id or "",
                _text(row.handle),
                row.tier.value,
                row.status.value,
                _local(row.approved_at, zone),
                p.clicks,
                p.unique_clicks,
                p.orders,
                _amount(p.revenue_minor, digits),
                _amount(p.earned_minor, digits),
                _amount(p.epc_minor, digits),
                _local(row.last_sale_at, zone),
                span.currency,
                span.period,
            ]
        )
    return buffer.getvalue().encode("utf-8")
