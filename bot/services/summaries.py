"""Use case: the weekly summary, exactly once per server and week, and ``/summary post``.

One summary is one row of ``weekly_summaries`` and goes through::

    compute the numbers → claim the row (INSERT … ON CONFLICT DO NOTHING) → post the channel
    message → record its id → DM every active creator → status 'posted'

The claim is the only gate: a second process, a second trigger in this process (the cron job
and the sweep) or a restart finds the row and posts nothing. Each DM has its own dedupe key
``summary:{guild}:{week}:{creator}`` in the notification outbox, so a run that was cut off
is finished later by sending only the DMs that are missing.

Crash policy (PRODUCT: "sent once"): a row found still ``claimed`` without a message id after
a restart is ``abandoned`` — the channel message is *not* posted again, because the crash may
have come after Discord accepted it and before its id was stored; a missed post (which a
manager can make up with ``/summary post``) is preferred to a duplicate. Its DMs are still
sent, as they are deduplicated one by one.

After downtime only the latest full week is posted, and only if its scheduled time has passed
and the server was set up before that time: older weeks are never posted late.

A summary a manager posts by hand covers the last 7 days (today up to now and the six local
calendar days before). It has its own key (``manual:{interaction id}``), so it never takes
the week's row, and a second one within :data:`MANUAL_QUIET` is refused in the same
statement that claims it, so two managers clicking at once post once.

The service never imports discord: a :class:`SummaryPublisher` (the cog) posts and DMs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database
from bot.db.reports_repo import ReportRepository
from bot.db.summaries_repo import SummaryRepository, SummaryRow
from bot.domain.ledger import Balance
from bot.domain.performance import Performance
from bot.domain.settings import GuildSettings, parse_summary_cron
from bot.domain.tiers import Tier
from bot.domain.weeks import Period, last_days, last_full_week
from bot.errors import CreatorbotError, NotACreator
from bot.schedule import Schedule
from bot.services.notifications import NotificationService
from bot.services.reports import performance_by_creator
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)

TOP_CREATORS = 10
DUE_SHOWN = 10
# A run still 'claimed' after this long was cut off (a crash, a restart): finish it.
RESUME_AFTER = timedelta(minutes=15)
MANUAL_QUIET = timedelta(minutes=10)
DM_KIND = "weekly_summary"


class NoAnnouncementsChannel(CreatorbotError):
    """The server has no announcements channel to post the summary in."""

    key = "summaries.no_channel"


class SummaryCooldown(CreatorbotError):
    """A summary was posted by hand a moment ago; ``minutes`` until the next is allowed."""

    key = "summaries.cooldown"


@dataclass(frozen=True)
class CreatorWeek:
    """One creator in a summary: who, their numbers for the period, their balance."""

    creator_id: int
    user_id: int | None
    handle: str | None
    locale: str
    tier: Tier
    active: bool
    public_earnings: bool
    is_new: bool
    numbers: Performance
    balance: Balance


@dataclass(frozen=True)
class DayNumbers:
    day: date
    clicks: int
    unique_clicks: int
    orders: int


@dataclass(frozen=True)
class DueDeliverable:
    creator_id: int
    user_id: int | None
    handle: str | None
    platform: str
    kind: str
    due_at: datetime


@dataclass(frozen=True)
class SummaryData:
    """Everything a summary shows: the channel post and every creator's DM."""

    guild_id: int
    key: str  # the week's local Monday, or 'manual:…' / 'preview'
    kind: str  # 'weekly' or 'manual'
    period: Period
    currency: str
    timezone: str
    totals: Performance
    days: tuple[DayNumbers, ...]
    creators: tuple[CreatorWeek, ...]
    deliverables_due: tuple[DueDeliverable, ...]
    deliverables_due_total: int

    @property
    def top(self) -> tuple[CreatorWeek, ...]:
        """Active creators with orders, most orders first (then revenue, then clicks)."""
        ranked = sorted(
            (c for c in self.creators if c.active and c.user_id and c.numbers.orders),
            key=lambda c: (-c.numbers.orders, -c.numbers.revenue_minor, -c.numbers.clicks),
        )
        return tuple(ranked[:TOP_CREATORS])

    @property
    def new_creators(self) -> tuple[CreatorWeek, ...]:
        return tuple(c for c in self.creators if c.is_new and c.active and c.user_id)

    @property
    def recipients(self) -> tuple[CreatorWeek, ...]:
        """Who gets a DM: every active creator who has not erased their data."""
        return tuple(c for c in self.creators if c.active and c.user_id is not None)

    @property
    def dedupe_prefix(self) -> str:
        return f"summary:{self.guild_id}:{self.key}:"


@dataclass(frozen=True)
class SummaryOutcome:
    summary_id: int
    status: str
    message_id: int | None
    dms: dict[str, int] = field(default_factory=dict)
    undeliverable: tuple[int, ...] = ()


@dataclass(frozen=True)
class SummaryRun:
    """A row of ``weekly_summaries``, for ``/summary status``."""

    key: str
    kind: str
    status: str
    period_start: datetime
    period_end: datetime
    claimed_at: datetime
    message_id: int | None
    dms_sent: int
    dms_undeliverable: int
    dms_failed: int


@dataclass(frozen=True)
class SummaryStatus:
    runs: tuple[SummaryRun, ...]
    undeliverable: tuple[int, ...]  # users whose DMs were closed, in the latest run


class SummaryPublisher(Protocol):
    """The Discord side, implemented by the cog."""

    def ready(self) -> bool:
        """False while the client is not connected: nothing is claimed then."""
        ...

    async def post(self, settings: GuildSettings, summary: SummaryData) -> tuple[int, int]:
        """Post in the announcements channel; return (channel id, message id)."""
        ...

    async def send_dm(
        self, settings: GuildSettings, summary: SummaryData, creator: CreatorWeek
    ) -> None:
        """DM one creator; raise ``RecipientUnreachable`` if their DMs are closed."""
        ...


class SummaryService:
    def __init__(
        self,
        db: Database,
        repo: SummaryRepository,
        reports: ReportRepository,
        settings: SettingsService,
        notifications: NotificationService,
        audit: AuditRepository,
        schedule: Schedule,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._reports = reports
        self._settings = settings
        self._notifications = notifications
        self._audit = audit
        self._schedule = schedule
        self._clock = clock
        self._publisher: SummaryPublisher | None = None
        self._running: set[int] = set()
        self._sweeping = asyncio.Lock()
        self._scheduled: dict[int, tuple[str, str]] = {}

    # --- wiring -----------------------------------------------------------------------------

    async def attach(self, publisher: SummaryPublisher) -> None:
        """Start posting through ``publisher``: one cron job per configured server."""
        self._publisher = publisher
        for settings in await self._settings.all_configured():
            self._schedule_guild(settings)

    def detach(self) -> None:
        """Stop posting (the client is closing); the jobs find no publisher and do nothing."""
        self._publisher = None

    async def follow_settings(self, settings: GuildSettings) -> None:
        """Settings listener: a new timezone or crontab moves the server's job."""
        self._schedule_guild(settings)

    @staticmethod
    def job_id(guild_id: int) -> str:
        """The id of the server's cron job in the scheduler."""
        return f"weekly-summary:{guild_id}"

    def _schedule_guild(self, settings: GuildSettings) -> None:
        wanted = (settings.timezone, settings.summary_cron)
        if self._scheduled.get(settings.guild_id) == wanted:
            return
        _, trigger = parse_summary_cron(settings.summary_cron, settings.timezone)
        scheduler = self._schedule.scheduler
        job_id = self.job_id(settings.guild_id)
        # reschedule_job also reaches a job added before the scheduler started, which
        # add_job(replace_existing=True) would only replace once it starts.
        if scheduler.get_job(job_id) is None:
            scheduler.add_job(
                self.post_due,
                trigger,
                args=[settings.guild_id],
                id=job_id,
                name=f"weekly summary of guild {settings.guild_id}",
            )
        else:
            scheduler.reschedule_job(job_id, trigger=trigger)
        self._scheduled[settings.guild_id] = wanted
        log.info(
            "weekly summary of guild %s scheduled at '%s' (%s)",
            settings.guild_id,
            settings.summary_cron,
            settings.timezone,
        )

    # --- the numbers --------------------------------------------------------------------------

    async def compute(self, guild_id: int, period: Period, *, key: str, kind: str) -> SummaryData:
        """The numbers of ``period`` for the program and every creator."""
        settings = await self._settings.get(guild_id)
        bounds = [to_epoch(b) for b in period.boundaries()]
        since, until = bounds[0], bounds[-1]
        numbers = await performance_by_creator(
            self._db, self._reports, guild_id, since, until, settings.currency, costs=False
        )
        balances = {
            b.creator_id: b.balance
            for b in await self._reports.balances_by_creator(self._db, guild_id)
        }
        day_clicks = await self._reports.clicks_by_day(self._db, guild_id, bounds)
        day_orders = await self._reports.orders_by_day(
            self._db, guild_id, bounds, settings.currency
        )
        # "Due in the coming week" as the reader sees it: from when the summary is made.
        now = self._clock.now()
        due_rows, due_total = await self._reports.deliverables_due(
            self._db, guild_id, to_epoch(now), to_epoch(now + timedelta(days=7)), DUE_SHOWN
        )
        creators = []
        nothing = Performance()
        for creator in await self._reports.creators(self._db, guild_id):
            creator_numbers = numbers.get(creator.id)
            active = creator.status == "active"
            if creator_numbers is None:
                if not active:
                    continue  # a paused or removed creator with nothing this week
                creator_numbers = nothing
            creators.append(
                CreatorWeek(
                    creator_id=creator.id,
                    user_id=creator.user_id,
                    handle=creator.handle,
                    locale=creator.locale,
                    tier=creator.tier,
                    active=active,
                    public_earnings=creator.public_earnings,
                    is_new=since <= creator.approved_at < until,
                    numbers=creator_numbers,
                    balance=balances.get(creator.id) or Balance.of({}),
                )
            )
        earned = Performance.total(numbers.values())
        totals = Performance(
            clicks=sum(d.clicks for d in day_clicks),
            unique_clicks=sum(d.unique_clicks for d in day_clicks),
            orders=sum(d.orders for d in day_orders),
            revenue_minor=sum(d.revenue_minor for d in day_orders),
            commission_minor=earned.commission_minor,
            fee_minor=earned.fee_minor,
            bounty_minor=earned.bounty_minor,
        )
        days = tuple(
            DayNumbers(day, clicks.clicks, clicks.unique_clicks, orders.orders)
            for day, clicks, orders in zip(period.local_days(), day_clicks, day_orders, strict=True)
        )
        due = tuple(
            DueDeliverable(
                creator_id=r.creator_id,
                user_id=r.user_id,
                handle=r.handle,
                platform=r.platform,
                kind=r.kind,
                due_at=_at(r.due_at),
            )
            for r in due_rows
        )
        return SummaryData(
            guild_id=guild_id,
            key=key,
            kind=kind,
            period=period,
            currency=settings.currency,
            timezone=settings.timezone,
            totals=totals,
            days=days,
            creators=tuple(creators),
            deliverables_due=due,
            deliverables_due_total=due_total,
        )

    # --- the schedule -----------------------------------------------------------------------

    async def due_week(self, guild_id: int) -> Period | None:
        """The week to post now, or None.

        That is the latest full week, when its scheduled time has passed, the server was set
        up (and had an announcements channel) before then, and nobody has claimed it.
        """
        settings = await self._settings.get(guild_id)
        if settings.announcements_channel_id is None:
            return None
        now = self._clock.now()
        week = last_full_week(now, settings.timezone)
        _, trigger = parse_summary_cron(settings.summary_cron, settings.timezone)
        scheduled = trigger.get_next_fire_time(None, week.ends_at)
        if scheduled is None or scheduled > now:
            return None
        created = await self._repo.settings_created_at(self._db, guild_id)
        if created is None or created > to_epoch(scheduled):
            return None  # a server set up since then gets its first summary next week
        if await self._repo.exists(self._db, guild_id, week.key):
            return None
        return week

    async def post_due(self, guild_id: int) -> SummaryOutcome | None:
        """Post the server's due week, if there is one (the cron job and the sweep call this)."""
        publisher = self._publisher
        if publisher is None or not publisher.ready():
            return None
        week = await self.due_week(guild_id)
        if week is None:
            return None
        data = await self.compute(guild_id, week, key=week.key, kind="weekly")
        async with self._db.transaction() as tx:
            summary_id = await self._repo.claim_weekly(
                tx,
                guild_id=guild_id,
                week_start=week.key,
                period_start=to_epoch(week.starts_at),
                period_end=to_epoch(week.ends_at),
                now=to_epoch(self._clock.now()),
            )
        if summary_id is None:
            log.info("summary of guild %s for %s was claimed elsewhere", guild_id, week.key)
            return None
        log.info("posting the summary of guild %s for the week of %s", guild_id, week.key)
        return await self._deliver(summary_id, data, publisher, post=True)

    async def sweep(self) -> int:
        """Finish runs that were cut off, then post any server's due week; return how many."""
        publisher = self._publisher
        if publisher is None or not publisher.ready() or self._sweeping.locked():
            return 0  # not connected, or the previous sweep is still sending DMs
        async with self._sweeping:
            done = await self._resume(publisher)
            for settings in await self._settings.all_configured():
                try:
                    done += await self.post_due(settings.guild_id) is not None
                except Exception:
                    log.exception("weekly summary of guild %s failed", settings.guild_id)
            return done

    async def _resume(self, publisher: SummaryPublisher) -> int:
        cutoff = to_epoch(self._clock.now() - RESUME_AFTER)
        resumed = 0
        for row in await self._repo.unfinished(self._db, cutoff):
            if row.id in self._running:
                continue  # a long run of this process, still sending DMs
            self._running.add(row.id)
            try:
                await self._resume_one(row, publisher)
                resumed += 1
            except Exception:
                log.exception("resuming summary %s of guild %s failed", row.id, row.guild_id)
            finally:
                self._running.discard(row.id)
        return resumed

    async def _resume_one(self, row: SummaryRow, publisher: SummaryPublisher) -> None:
        settings = await self._settings.get(row.guild_id)
        period = Period(_at(row.period_start).astimezone(ZoneInfo(settings.timezone)))
        data = await self.compute(row.guild_id, period, key=row.week_start, kind=row.kind)
        posted = row.message_id is not None
        log.warning(
            "summary %s of guild %s was cut off %s its channel message; %s",
            row.week_start,
            row.guild_id,
            "after" if posted else "before recording",
            "sending the missing DMs" if posted else "not posting it again",
        )
        await self._deliver(
            row.id, data, publisher, post=False, status="posted" if posted else "abandoned"
        )

    async def _deliver(
        self,
        summary_id: int,
        data: SummaryData,
        publisher: SummaryPublisher,
        *,
        post: bool,
        status: str = "posted",
    ) -> SummaryOutcome:
        self._running.add(summary_id)
        try:
            settings = await self._settings.get(data.guild_id)
            error: str | None = None
            message_id: int | None = None
            if post:
                try:
                    channel_id, message_id = await publisher.post(settings, data)
                except Exception as exc:
                    log.exception("posting summary %s in guild %s failed", data.key, data.guild_id)
                    status, error = "failed", type(exc).__name__
                else:
                    async with self._db.transaction() as tx:
                        await self._repo.record_message(tx, summary_id, channel_id, message_id)
            await self._send_dms(settings, data, publisher)
            counts = {
                c.status: c.count
                for c in await self._repo.dm_outcomes(self._db, data.dedupe_prefix)
            }
            async with self._db.transaction() as tx:
                await self._repo.finish(
                    tx,
                    summary_id,
                    status=status,
                    counts=counts,
                    error=error,
                    now=to_epoch(self._clock.now()),
                )
            undeliverable = await self._repo.undeliverable_users(self._db, data.dedupe_prefix, 50)
            return SummaryOutcome(summary_id, status, message_id, counts, tuple(undeliverable))
        finally:
            self._running.discard(summary_id)

    async def _send_dms(
        self, settings: GuildSettings, data: SummaryData, publisher: SummaryPublisher
    ) -> None:
        # One at a time: discord.py waits out rate limits, and a server's 500 creators are
        # better served a little later than with a burst of 429s.
        for creator in data.recipients:
            assert creator.user_id is not None
            await self._notifications.deliver(
                guild_id=data.guild_id,
                user_id=creator.user_id,
                kind=DM_KIND,
                dedupe_key=f"{data.dedupe_prefix}{creator.creator_id}",
                send=functools.partial(publisher.send_dm, settings, data, creator),
            )

    # --- managers -----------------------------------------------------------------------------

    async def post_now(self, guild_id: int, actor_id: int, request_id: int) -> SummaryOutcome:
        """``/summary post``: the last 7 days, posted now, apart from the weekly schedule.

        Raises :class:`NoAnnouncementsChannel` or :class:`SummaryCooldown`.
        """
        publisher = self._publisher
        if publisher is None:
            raise RuntimeError("no summary publisher attached (the summaries cog is not loaded)")
        settings = await self._settings.get(guild_id)
        if settings.announcements_channel_id is None:
            raise NoAnnouncementsChannel()
        now = self._clock.now()
        period = last_days(now, settings.timezone)
        key = f"manual:{request_id}"
        data = await self.compute(guild_id, period, key=key, kind="manual")
        async with self._db.transaction() as tx:
            summary_id = await self._repo.claim_manual(
                tx,
                guild_id=guild_id,
                key=key,
                period_start=to_epoch(period.starts_at),
                period_end=to_epoch(period.ends_at),
                actor_id=actor_id,
                now=to_epoch(now),
                quiet_since=to_epoch(now - MANUAL_QUIET),
            )
            if summary_id is not None:
                await self._audit.record(
                    tx,
                    guild_id=guild_id,
                    actor_id=actor_id,
                    action="summary.post",
                    subject=f"summary:{summary_id}",
                    detail={"from": period.starts_at, "to": period.ends_at},
                    now=to_epoch(now),
                )
        if summary_id is None:
            last = await self._repo.last_manual_at(self._db, guild_id) or to_epoch(now)
            wait = last + int(MANUAL_QUIET.total_seconds()) - to_epoch(now)
            raise SummaryCooldown(minutes=max(1, -(-wait // 60)))
        return await self._deliver(summary_id, data, publisher, post=True)

    async def preview(self, guild_id: int) -> SummaryData:
        """What ``/summary post`` would post now."""
        settings = await self._settings.get(guild_id)
        period = last_days(self._clock.now(), settings.timezone)
        return await self.compute(guild_id, period, key="preview", kind="manual")

    async def status(self, guild_id: int, limit: int = 8) -> SummaryStatus:
        """The latest summaries and who could not get the latest one's DM."""
        rows = await self._repo.recent(self._db, guild_id, limit)
        runs = tuple(_run(r) for r in rows)
        undeliverable: list[int] = []
        if rows:
            prefix = f"summary:{guild_id}:{rows[0].week_start}:"
            undeliverable = await self._repo.undeliverable_users(self._db, prefix, 50)
        return SummaryStatus(runs, tuple(undeliverable))

    # --- creators -------------------------------------------------------------------------------

    async def set_public_earnings(self, guild_id: int, user_id: int, public: bool) -> bool:
        """A creator shows (or hides) their earnings in the summary; True if it changed."""
        creator = await self._repo.creator_of_member(self._db, guild_id, user_id)
        if creator is None or creator.status != "active":
            raise NotACreator(own=True, status=creator.status if creator else None)
        async with self._db.transaction() as tx:
            return await self._repo.set_public_earnings(tx, creator.id, public)


def _run(row: SummaryRow) -> SummaryRun:
    return SummaryRun(
        key=row.week_start,
        kind=row.kind,
        status=row.status,
        period_start=_at(row.period_start),
        period_end=_at(row.period_end),
        claimed_at=_at(row.claimed_at),
        message_id=row.message_id,
        dms_sent=row.dms_sent,
        dms_undeliverable=row.dms_undeliverable,
        dms_failed=row.dms_failed,
    )


def _at(epoch: int) -> datetime:
    moment = from_epoch(epoch)
    assert moment is not None
    return moment
