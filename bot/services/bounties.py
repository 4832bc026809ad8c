"""Use case: bounties (``/bounty create|list|close|submit``).

``create`` checks the options and stores the bounty with the job that DMs its segment, in one
transaction; the cog posts it once in its channel. A submission is one entry per creator and
bounty, reviewed on a card with Approve and Reject; a performance bounty's winners are
written by :meth:`BountyService.sweep` from the attributed sales, earliest to reach the goal
first.

Every win takes a place with one conditional ``UPDATE`` (``winners < max_winners``) in the
transaction that records it, so winners beyond the maximum are refused atomically, and a
fixed reward becomes a commission (kind ``bounty``, held and paid like the rest) in that same
transaction. A percentage bonus is computed once the period is over and late orders had
:data:`~bot.domain.bounties.SETTLE_AFTER` to arrive; the commission is unique per entry, so
a restart in between never pays twice. Winners are told (DM and channel) once each, by
whoever gets there first: the Approve press or the sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.bounties_repo import BountyRepository, EntryCounts
from bot.db.connection import Database, Transaction
from bot.db.creators_repo import CreatorRepository
from bot.db.jobs_repo import JobRepository
from bot.db.ledger_repo import LedgerRepository
from bot.db.money_repo import MoneyRepository
from bot.domain import notices
from bot.domain.bounties import (
    MAX_URL,
    Bounty,
    BountyEntry,
    BountyKind,
    EntryStatus,
    Goal,
    InvalidBounty,
    bonus,
    check_bounty,
    parse_reward,
)
from bot.domain.broadcasts import INACTIVE
from bot.domain.commission import InvalidPlan, parse_money
from bot.domain.creators import Creator
from bot.domain.deliverables import check_submission_url, parse_due
from bot.domain.jobs import Job, JobItem, JobKind
from bot.errors import CreatorbotError, NotACreator
from bot.services.jobs import JobService
from bot.services.ledger import accrue
from bot.services.notifications import Delivery, NotificationService, Sender
from bot.services.segments import SegmentService
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)


class BountyNotFound(CreatorbotError):
    key = "bounties.not_found"


class EmptySegment(CreatorbotError):
    """Nobody can take the bounty: it is not stored or announced."""

    key = "bounties.empty"


class BountyClosed(CreatorbotError):
    """The bounty ended, was closed, or has all its winners."""

    key = "bounties.closed"


class NotInSegment(CreatorbotError):
    key = "bounties.not_in_segment"


class NotASubmissionBounty(CreatorbotError):
    """``/bounty submit`` on a performance bounty: sales decide it, not a post."""

    key = "bounties.not_submission"


class AlreadyEntered(CreatorbotError):
    """A second submission while the first waits, or after winning."""

    key = "bounties.already_entered"

    def __init__(self, status: EntryStatus) -> None:
        super().__init__(status=status.value)


class EntryDecided(CreatorbotError):
    """Approve or Reject on a submission that was decided already."""

    key = "bounties.already_decided"

    def __init__(self, status: EntryStatus, by: int | None) -> None:
        super().__init__(status=status.value, by=by)


class WinnersFull(CreatorbotError):
    """Every winner's place is taken: the approval is refused and nothing changes."""

    key = "bounties.full"

    def __init__(self, max_winners: int) -> None:
        super().__init__(max_winners=max_winners)


@dataclass(frozen=True)
class Recipient:
    """One creator's item of an announcement job: the notice to send, or why not."""

    bounty: Bounty
    creator: Creator | None = None
    notice: notices.Notice | None = None
    skipped: str | None = None
    earlier: Delivery | None = None


@dataclass(frozen=True)
class Decision:
    """A manager's decision on a submission, and the rejection notice to send (a win is
    told through :meth:`BountyService.win_notice`)."""

    bounty: Bounty
    entry: BountyEntry
    notice: notices.Notice | None = None


@dataclass(frozen=True)
class Standing:
    """A bounty as ``/bounty list`` shows it: its entries, and the caller's own entry."""

    bounty: Bounty
    counts: EntryCounts
    mine: BountyEntry | None = None
    can_take: bool = True


class BountyService:
    def __init__(
        self,
        db: Database,
        repo: BountyRepository,
        job_repo: JobRepository,
        jobs: JobService,
        segments: SegmentService,
        creators: CreatorRepository,
        money: MoneyRepository,
        ledger: LedgerRepository,
        notifications: NotificationService,
        settings: SettingsService,
        audit: AuditRepository,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._job_repo = job_repo
        self._jobs = jobs
        self._segments = segments
        self._creators = creators
        self._money = money
        self._ledger = ledger
        self._notifications = notifications
        self._settings = settings
        self._audit = audit
        self._clock = clock

    # --- the bounty -----------------------------------------------------------------------

    async def create(
        self,
        guild_id: int,
        actor_id: int,
        *,
        title: str,
        brief: str,
        kind: str,
        reward: str,
        ends: str,
        segment: str,
        max_winners: int,
        goal_orders: int | None = None,
        goal_revenue: str | None = None,
        channel_id: int | None = None,
    ) -> tuple[Bounty, Job]:
        """Check the options, then store the bounty and the job announcing it to every
        creator of the segment. Any bad option raises with the reason and stores nothing."""
        settings = await self._settings.get(guild_id)
        now = self._clock.now()
        bounty_kind = BountyKind(kind)
        goal_minor = None
        if goal_revenue is not None:
            try:
                goal_minor = parse_money(goal_revenue, settings.currency)
            except InvalidPlan:
                raise InvalidBounty("goal_revenue") from None
        goal = Goal(orders=goal_orders, minor=goal_minor)
        clean_title, clean_brief = check_bounty(
            title=title, brief=brief, kind=bounty_kind, max_winners=max_winners, goal=goal
        )
        prize = parse_reward(reward, settings.currency)
        ends_at = parse_due(ends, settings.timezone, now)
        segment = " ".join(segment.split()) or "all"
        recipients = await self._segments.resolve(guild_id, segment)
        if not recipients:
            raise EmptySegment(segment=segment)
        channel = channel_id or settings.announcements_channel_id
        stamp = to_epoch(now)
        async with self._db.transaction() as tx:
            job_id = await self._job_repo.insert(
                tx,
                guild_id=guild_id,
                kind=JobKind.BOUNTY_ANNOUNCE,
                created_by=actor_id,
                params={"title": clean_title},
                subject_ids=recipients,
                now=stamp,
            )
            bounty_id = await self._repo.insert_bounty(
                tx,
                guild_id=guild_id,
                title=clean_title,
                brief=clean_brief,
                kind=bounty_kind,
                reward=prize,
                currency=settings.currency,
                goal=goal,
                segment=segment,
                max_winners=max_winners,
                starts_at=stamp,
                ends_at=to_epoch(ends_at),
                channel_id=channel,
                job_id=job_id,
                actor_id=actor_id,
                now=stamp,
            )
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="bounty.create",
                subject=f"bounty:{bounty_id}",
                detail={
                    "kind": bounty_kind.value,
                    "segment": segment,
                    "recipients": len(recipients),
                    "max_winners": max_winners,
                    "reward_minor": prize.minor,
                    "reward_bp": prize.bp,
                    "job_id": job_id,
                },
                now=stamp,
            )
            bounty = await self._repo.bounty(tx, bounty_id)
        assert bounty is not None
        log.info("bounty %s: announcing to %s creators", bounty.id, len(recipients))
        return bounty, await self._jobs.get(job_id)

    async def get(self, guild_id: int, bounty_id: int) -> Bounty:
        bounty = await self._repo.bounty(self._db, bounty_id)
        if bounty is None or bounty.guild_id != guild_id:
            raise BountyNotFound()
        return bounty

    async def bounties(self, guild_id: int) -> list[Bounty]:
        """The server's bounties, newest first."""
        return await self._repo.bounties(self._db, guild_id)

    async def find(self, guild_id: int, text: str) -> Bounty:
        """The bounty an option names: its id (what autocomplete fills in), ``#id`` or its
        title (the newest of that title)."""
        value = text.strip().lstrip("#").split(" ", 1)[0]
        if value.isdigit():
            return await self.get(guild_id, int(value))
        for bounty in await self.bounties(guild_id):
            if bounty.title.lower() == text.strip().lower():
                return bounty
        raise BountyNotFound()

    async def standings(self, guild_id: int, user_id: int | None = None) -> list[Standing]:
        """``/bounty list``: for a manager (``user_id`` None) every bounty with its counts;
        for a creator the bounties open to them now, and the ones they entered."""
        now = self._clock.now()
        bounties = await self.bounties(guild_id)
        if user_id is None:
            return [Standing(b, await self._repo.counts(self._db, b.id)) for b in bounties]
        creator = await self._active_creator(guild_id, user_id)
        mine = {e.bounty_id: e for e in await self._repo.entries_of_creator(self._db, creator.id)}
        in_segment: dict[str, bool] = {}  # bounties share segments: each resolved once
        result = []
        for bounty in bounties:
            can_take = bounty.is_open(now)
            if can_take and bounty.segment not in in_segment:
                in_segment[bounty.segment] = await self._in_segment(bounty, creator.id)
            can_take = can_take and in_segment[bounty.segment]
            entry = mine.get(bounty.id)
            if can_take or entry is not None:
                counts = await self._repo.counts(self._db, bounty.id)
                result.append(Standing(bounty, counts, entry, can_take))
        return result

    async def close(self, guild_id: int, bounty_id: int, actor_id: int) -> Bounty:
        """End the bounty now: no more entries or winners after the sweep that follows
        (submissions already handed in can still be decided)."""
        bounty = await self.get(guild_id, bounty_id)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if not await self._repo.close(tx, bounty.id, now):
                raise BountyClosed()
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="bounty.close",
                subject=f"bounty:{bounty.id}",
                detail={"winners": bounty.winners},
                now=now,
            )
            closed = await self._repo.bounty(tx, bounty.id)
        assert closed is not None
        return closed

    async def _in_segment(self, bounty: Bounty, creator_id: int) -> bool:
        try:
            return creator_id in await self._segments.resolve(bounty.guild_id, bounty.segment)
        except CreatorbotError:
            return False  # the segment was deleted since: nobody more can take it

    async def _active_creator(self, guild_id: int, user_id: int) -> Creator:
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None or not creator.is_active:
            raise NotACreator(own=True, status=creator.status.value if creator else None)
        return creator

    # --- the announcement (a channel post and the DM job) ---------------------------------

    async def of_job(self, job: Job) -> Bounty:
        bounty = await self._repo.bounty_of_job(self._db, job.id)
        if bounty is None:
            raise BountyNotFound()
        return bounty

    async def recipient(self, job: Job, item: JobItem) -> Recipient:
        bounty = await self.of_job(job)
        creator = await self._creators.get(self._db, item.subject_id)
        if (
            creator is None
            or not creator.is_active
            or creator.user_id is None
            or not bounty.is_open(self._clock.now())
        ):
            return Recipient(bounty, skipped=INACTIVE)
        notice = notices.bounty(bounty.guild_id, creator.user_id, bounty.id, creator.id)
        earlier = await self._notifications.status(notice) if item.interrupted else None
        return Recipient(bounty, creator, notice, earlier=earlier)

    async def post_once(self, bounty: Bounty, sender: Sender) -> Delivery:
        """Announce the bounty in its channel, at most once."""
        return await self._notifications.post_once(
            bounty.guild_id,
            notices.NoticeKind.BOUNTY_POST,
            notices.bounty_post_key(bounty.id),
            sender,
        )

    # --- submissions and their review -----------------------------------------------------

    async def submit(self, guild_id: int, user_id: int, bounty_text: str, url: str) -> Bounty:
        """Hand in a post for a submission bounty: a waiting entry (a rejected one again).
        Returns the bounty; :meth:`entry_of` has the entry for its card."""
        creator = await self._active_creator(guild_id, user_id)
        bounty = await self.find(guild_id, bounty_text)
        if bounty.kind is not BountyKind.SUBMISSION:
            raise NotASubmissionBounty()
        if not bounty.is_open(self._clock.now()):
            raise BountyClosed()
        if not await self._in_segment(bounty, creator.id):
            raise NotInSegment(segment=bounty.segment)
        clean = check_submission_url(url[: MAX_URL + 1], "other")
        if len(clean) > MAX_URL:
            raise CreatorbotError("bounties.bad_url", limit=MAX_URL)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            earlier = await self._repo.entry_of(tx, bounty.id, creator.id)
            if earlier is None:
                entry_id = await self._repo.insert_submission(tx, bounty.id, creator.id, clean, now)
            elif await self._repo.resubmit(tx, earlier.id, clean, now):
                entry_id = earlier.id
            else:
                raise AlreadyEntered(earlier.status)
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=user_id,
                action="bounty.submit",
                subject=f"bounty_entry:{entry_id}",
                detail={"bounty_id": bounty.id},
                now=now,
            )
        return bounty

    async def entry_of(self, bounty_id: int, user_id: int, guild_id: int) -> BountyEntry:
        creator = await self._active_creator(guild_id, user_id)
        entry = await self._repo.entry_of(self._db, bounty_id, creator.id)
        if entry is None:
            raise BountyNotFound()
        return entry

    async def entry(self, guild_id: int, entry_id: int) -> tuple[Bounty, BountyEntry]:
        entry = await self._repo.entry(self._db, entry_id)
        if entry is None or entry.guild_id != guild_id:
            raise BountyNotFound()
        return await self.get(guild_id, entry.bounty_id), entry

    async def attach_card(self, entry_id: int, channel_id: int, message_id: int) -> None:
        async with self._db.transaction() as tx:
            await self._repo.set_card(tx, entry_id, channel_id, message_id)

    async def decide(
        self, guild_id: int, entry_id: int, actor_id: int, *, approve: bool
    ) -> Decision:
        """A manager's Approve (a win, within the cap, with its reward) or Reject."""
        bounty, entry = await self.entry(guild_id, entry_id)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if approve:
                place = await self._repo.take_place(tx, bounty.id)
                if place is None:
                    raise WinnersFull(bounty.max_winners)
                if not await self._repo.win(tx, entry.id, place, actor_id, now):
                    raise self._decided(await self._repo.entry(tx, entry.id))
                won = await self._repo.entry(tx, entry.id)
                assert won is not None
                fresh = await self._repo.bounty(tx, bounty.id)
                assert fresh is not None
                await self._reward(tx, fresh, won, now)
            elif not await self._repo.reject(tx, entry.id, actor_id, now):
                raise self._decided(await self._repo.entry(tx, entry.id))
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="bounty.approve" if approve else "bounty.reject",
                subject=f"bounty_entry:{entry.id}",
                detail={"bounty_id": bounty.id},
                now=now,
            )
            decided = await self._repo.entry(tx, entry.id)
            current = await self._repo.bounty(tx, bounty.id)
        assert decided is not None and current is not None
        notice = None
        if not approve and decided.user_id is not None:
            notice = notices.bounty_rejected(guild_id, decided.user_id, decided.id, now)
        return Decision(current, decided, notice)

    @staticmethod
    def _decided(entry: BountyEntry | None) -> EntryDecided:
        if entry is None:
            return EntryDecided(EntryStatus.REJECTED, None)
        return EntryDecided(entry.status, entry.decided_by)

    # --- rewards --------------------------------------------------------------------------

    async def _reward(self, tx: Transaction, bounty: Bounty, entry: BountyEntry, now: int) -> None:
        """A win's commission: a fixed reward at once; a bonus once the period is settled
        (before that the entry waits with no reward). At most once per entry."""
        if bounty.reward.is_bonus:
            if now < to_epoch(bounty.settles_at()):
                return
            sales = await self._repo.sales(
                tx,
                entry.creator_id,
                to_epoch(bounty.starts_at),
                to_epoch(bounty.ends_at),
                bounty.currency,
            )
            amount = bonus(sales, bounty.reward.bp)
        else:
            amount = bounty.reward.minor
        if not await self._repo.set_reward(tx, entry.id, amount):
            return
        if amount <= 0:
            return
        settings = await self._settings.get(bounty.guild_id)
        await accrue(
            tx,
            self._money,
            self._ledger,
            guild_id=bounty.guild_id,
            creator_id=entry.creator_id,
            kind="bounty",
            currency=bounty.currency,
            amount=amount,
            approve_after=now + settings.hold_days * 86_400,
            now=now,
            bounty_entry_id=entry.id,
            actor_id=entry.decided_by,
        )

    # --- the sweep ------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Decide every started, unsettled bounty: performance winners from the attributed
        sales (earliest to reach the goal first, within the cap), then, once the period is
        settled, the bonuses of its winners. Exactly once across restarts. Returns how many
        winners it wrote."""
        now = self._clock.now()
        stamp = to_epoch(now)
        written = 0
        for bounty in await self._repo.unsettled(self._db, stamp):
            try:
                if bounty.kind is BountyKind.PERFORMANCE:
                    written += await self._decide_performance(bounty, stamp)
                if now >= bounty.settles_at():
                    await self._settle(bounty, stamp)
            except Exception:
                log.exception("bounty %s: the sweep failed", bounty.id)
        return written

    async def _decide_performance(self, bounty: Bounty, now: int) -> int:
        if bounty.left <= 0:
            return 0
        until = min(now + 1, to_epoch(bounty.ends_at))
        reached = await self._repo.reached(
            self._db,
            bounty.guild_id,
            to_epoch(bounty.starts_at),
            until,
            bounty.currency,
            bounty.goal,
        )
        entered = set(await self._repo.entrants(self._db, bounty.id))
        candidates = [(c, at) for c, at in reached if c not in entered]
        if not candidates:
            return 0
        allowed = set(await self._allowed(bounty))
        written = 0
        for creator_id, reached_at in candidates:
            if creator_id not in allowed:
                continue
            async with self._db.transaction() as tx:
                if await self._repo.entry_of(tx, bounty.id, creator_id) is not None:
                    continue
                place = await self._repo.take_place(tx, bounty.id)
                if place is None:
                    break
                entry_id = await self._repo.insert_win(
                    tx, bounty.id, creator_id, place, reached_at, now
                )
                fresh = await self._repo.bounty(tx, bounty.id)
                entry = await self._repo.entry(tx, entry_id)
                assert fresh is not None and entry is not None
                await self._reward(tx, fresh, entry, now)
                await self._audit.record(
                    tx,
                    guild_id=bounty.guild_id,
                    actor_id=None,
                    action="bounty.win",
                    subject=f"bounty_entry:{entry_id}",
                    detail={"bounty_id": bounty.id, "place": place},
                    now=now,
                )
            written += 1
        return written

    async def _allowed(self, bounty: Bounty) -> list[int]:
        try:
            return await self._segments.resolve(bounty.guild_id, bounty.segment)
        except CreatorbotError:
            return []

    async def _settle(self, bounty: Bounty, now: int) -> None:
        async with self._db.transaction() as tx:
            fresh = await self._repo.bounty(tx, bounty.id)
            assert fresh is not None
            for entry in await self._repo.unrewarded(tx, bounty.id):
                await self._reward(tx, fresh, entry, now)
            await self._repo.settle(tx, bounty.id, now)

    # --- telling the winners --------------------------------------------------------------

    async def untold(self) -> list[tuple[Bounty, BountyEntry]]:
        """Winners not told yet (a win the sweep decided, or a DM a crash cut off)."""
        result = []
        for entry in await self._repo.untold(self._db):
            bounty = await self._repo.bounty(self._db, entry.bounty_id)
            assert bounty is not None
            result.append((bounty, entry))
        return result

    def win_notice(self, entry: BountyEntry) -> notices.Notice | None:
        if entry.user_id is None:
            return None
        return notices.bounty_won(entry.guild_id, entry.user_id, entry.id)

    async def post_win_once(self, entry: BountyEntry, sender: Sender) -> Delivery:
        return await self._notifications.post_once(
            entry.guild_id,
            notices.NoticeKind.BOUNTY_WIN_POST,
            notices.bounty_win_post_key(entry.id),
            sender,
        )

    async def mark_told(self, entry_id: int) -> None:
        async with self._db.transaction() as tx:
            await self._repo.mark_told(tx, entry_id, to_epoch(self._clock.now()))

    async def winners(self, bounty: Bounty) -> list[BountyEntry]:
        return await self._repo.winners(self._db, bounty.id)
