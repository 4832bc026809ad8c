"""Use case: pay creators their approved balance, in frozen batches, never twice.

``preview`` reads who would be paid. ``run`` freezes a batch in ONE ``BEGIN IMMEDIATE``
transaction: a payout item per payable creator and currency, their approved commissions
joined to the batch (``… WHERE state = 'approved' AND payout_batch_id IS NULL``, so no
commission can be in two batches) and the whole approved balance moved to paid in the
ledger, clawbacks included. The payout files are written from that frozen state.
``mark_paid`` records that the manager sent the money; telling the creators is the caller's
job (Discord glue), deduplicated per batch and creator. ``cancel`` undoes a batch nobody paid
yet with the opposite ledger moves (the ledger stays append-only).

Who is paid: a creator whose approved balance in the program currency is at or above the
payout threshold, and who has a payout method. Below the threshold the balance rolls over;
a balance that is zero or negative (only clawbacks) is carried into the next payout. A
positive balance in another currency (earned before the server changed its currency) has
no comparable threshold and is paid whenever it is positive.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database, Queries
from bot.db.creators_repo import CreatorRepository
from bot.db.ledger_repo import LedgerRepository
from bot.db.payouts_repo import BalanceRow, BatchRow, PayoutRepository
from bot.domain.ledger import BatchStatus, Bucket, EntryKind, transfer
from bot.domain.notices import NoticeKind, dedupe_key
from bot.domain.payout_files import PayoutFile, PayoutLine, payout_files
from bot.domain.payout_methods import PayoutMethod, Provider, parse_payout_details
from bot.errors import CreatorbotError, NotACreator
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)

Progress = Callable[[int], object]


class NothingToPay(CreatorbotError):
    """No creator is payable right now; the counts say why."""

    key = "payouts.nothing"


class BatchNotFound(CreatorbotError):
    key = "payouts.batch_not_found"


class BatchCancelled(CreatorbotError):
    """The batch was cancelled: it can no longer be paid or exported."""

    key = "payouts.batch_cancelled"


class BatchAlreadyPaid(CreatorbotError):
    """A paid batch cannot be cancelled: the money has left."""

    key = "payouts.cancel_paid"


@dataclass(frozen=True)
class Payee:
    """A creator's approved balance in one currency, and where it would go."""

    creator_id: int
    user_id: int | None
    handle: str | None
    locale: str
    erased: bool
    currency: str
    amount_minor: int
    method: PayoutMethod | None

    @property
    def display_name(self) -> str:
        return self.handle or f"creator-{self.creator_id}"

    def line(self) -> PayoutLine:
        assert self.method is not None
        return PayoutLine(
            self.creator_id, self.amount_minor, self.currency, self.method, self.display_name
        )


@dataclass(frozen=True)
class BatchSummary:
    id: int
    status: str
    item_count: int
    totals: dict[str, int]
    created_by: int | None
    created_at: datetime
    paid_by: int | None
    paid_at: datetime | None


@dataclass(frozen=True)
class PayoutPreview:
    """Who a payout run would pay now, and who it would skip and why."""

    threshold_minor: int
    currency: str
    payable: list[Payee] = field(default_factory=list)
    below_threshold: list[Payee] = field(default_factory=list)
    without_method: list[Payee] = field(default_factory=list)
    owing: list[Payee] = field(default_factory=list)  # zero or negative: clawbacks to carry
    unpaid_batches: list[BatchSummary] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return _totals(self.payable)


@dataclass(frozen=True)
class PayoutRun:
    """A frozen batch, the files that pay it, and who was skipped."""

    batch: BatchSummary
    paid: list[Payee]
    files: list[PayoutFile]
    preview: PayoutPreview


@dataclass(frozen=True)
class PaidNotice:
    """What to tell one creator when their batch is marked paid."""

    creator_id: int
    user_id: int
    locale: str
    provider: Provider
    amounts: tuple[tuple[int, str], ...]
    dedupe_key: str
    kind: NoticeKind = NoticeKind.PAYOUT


@dataclass(frozen=True)
class MarkPaid:
    guild_id: int
    batch: BatchSummary
    changed: bool  # False: the batch was marked paid before; nothing changed
    notices: list[PaidNotice]


def classify(rows: list[BalanceRow], threshold_minor: int, program_currency: str) -> PayoutPreview:
    """Sort balances into payable, below threshold, without a method, and owing."""
    preview = PayoutPreview(threshold_minor, program_currency)
    for row in rows:
        payee = Payee(
            creator_id=row.creator_id,
            user_id=row.user_id,
            handle=row.handle,
            locale=row.locale,
            erased=row.erased,
            currency=row.currency,
            amount_minor=row.amount_minor,
            method=(
                PayoutMethod.from_json(row.method, row.details)
                if row.method and row.details
                else None
            ),
        )
        threshold = threshold_minor if row.currency == program_currency else 1
        if payee.amount_minor <= 0:
            preview.owing.append(payee)
        elif payee.amount_minor < max(threshold, 1):
            preview.below_threshold.append(payee)
        elif payee.method is None:
            preview.without_method.append(payee)
        else:
            preview.payable.append(payee)
    return preview


class PayoutService:
    def __init__(
        self,
        db: Database,
        repo: PayoutRepository,
        creators: CreatorRepository,
        audit: AuditRepository,
        settings: SettingsService,
        clock: Clock,
        ledger: LedgerRepository,
    ) -> None:
        self._db = db
        self._repo = repo
        self._creators = creators
        self._ledger = ledger
        self._audit = audit
        self._settings = settings
        self._clock = clock

    # --- creators -------------------------------------------------------------------------

    async def set_method(
        self, guild_id: int, user_id: int, provider: str, details: str
    ) -> PayoutMethod:
        """Validate and store where a creator's payouts go; return it (show it masked)."""
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None:
            raise NotACreator(own=True)
        method = parse_payout_details(provider, details)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            await self._repo.save_method(
                tx, creator.id, method.provider.value, method.to_json(), now
            )
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=user_id,
                action="payout_method.set",
                subject=f"creator:{creator.id}",
                detail={"method": method.provider.value, "kind": method.kind},
                now=now,
            )
        return method

    async def method_of(self, creator_id: int) -> PayoutMethod | None:
        stored = await self._repo.method(self._db, creator_id)
        return None if stored is None else PayoutMethod.from_json(*stored)

    # --- managers -------------------------------------------------------------------------

    async def preview(self, guild_id: int) -> PayoutPreview:
        """Who would be paid now (nothing changes)."""
        settings = await self._settings.get(guild_id)
        rows = await self._repo.approved_balances(self._db, guild_id)
        preview = classify(rows, settings.payout_threshold_minor, settings.currency)
        unpaid = [
            await self._summary(self._db, b)
            for b in await self._repo.unpaid_batches(self._db, guild_id)
        ]
        return PayoutPreview(
            preview.threshold_minor,
            preview.currency,
            preview.payable,
            preview.below_threshold,
            preview.without_method,
            preview.owing,
            unpaid,
        )

    async def run(
        self, guild_id: int, actor_id: int | None, progress: Progress | None = None
    ) -> PayoutRun:
        """Freeze one batch of everyone payable; raise :class:`NothingToPay` if nobody is.

        ``actor_id`` ``None`` means the command line.
        """
        settings = await self._settings.get(guild_id)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            rows = await self._repo.approved_balances(tx, guild_id)
            preview = classify(rows, settings.payout_threshold_minor, settings.currency)
            if not preview.payable:
                raise NothingToPay(
                    without_method=len(preview.without_method),
                    below_threshold=len(preview.below_threshold),
                    threshold=settings.payout_threshold_minor,
                    currency=settings.currency,
                )
            batch_id = await self._repo.create_batch(tx, guild_id, actor_id, now)
            for payee in preview.payable:
                assert payee.method is not None
                await self._repo.add_item(
                    tx,
                    batch_id=batch_id,
                    creator_id=payee.creator_id,
                    amount_minor=payee.amount_minor,
                    currency=payee.currency,
                    method=payee.method.provider.value,
                )
                await self._repo.mark_commissions_paid(
                    tx,
                    batch_id=batch_id,
                    creator_id=payee.creator_id,
                    currency=payee.currency,
                    now=now,
                )
                await self._ledger.post(
                    tx,
                    transfer(Bucket.APPROVED, Bucket.PAID, EntryKind.PAYOUT, payee.amount_minor),
                    guild_id=guild_id,
                    creator_id=payee.creator_id,
                    currency=payee.currency,
                    actor_id=actor_id,
                    now=now,
                    payout_batch_id=batch_id,
                )
                if progress is not None:
                    progress(1)
            await self._repo.set_item_count(tx, batch_id, len(preview.payable))
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="payout.run",
                subject=f"payout_batch:{batch_id}",
                detail={
                    "items": len(preview.payable),
                    "totals": preview.totals,
                    "skipped_without_method": len(preview.without_method),
                    "via": "discord" if actor_id is not None else "cli",
                },
                now=now,
            )
            batch = await self._repo.batch(tx, batch_id)
            assert batch is not None
            summary = await self._summary(tx, batch)
        log.info(
            "payout batch %s frozen in guild %s: %d items", batch_id, guild_id, len(preview.payable)
        )
        files = payout_files(batch_id, [payee.line() for payee in preview.payable])
        return PayoutRun(summary, preview.payable, files, preview)

    async def mark_paid(self, guild_id: int, actor_id: int | None, batch_id: int) -> MarkPaid:
        """Record that a batch was paid; a second call changes nothing and says so."""
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            batch = await self._repo.batch(tx, batch_id)
            if batch is None or batch.guild_id != guild_id:
                raise BatchNotFound(batch=batch_id)
            if batch.status is BatchStatus.CANCELLED:
                raise BatchCancelled(batch=batch_id)
            changed = await self._repo.mark_batch_paid(tx, batch_id, actor_id, now)
            if changed:
                await self._audit.record(
                    tx,
                    guild_id=guild_id,
                    actor_id=actor_id,
                    action="payout.mark_paid",
                    subject=f"payout_batch:{batch_id}",
                    detail={"items": batch.item_count},
                    now=now,
                )
            items = await self._repo.items(tx, batch_id)
            updated = await self._repo.batch(tx, batch_id)
            assert updated is not None
            summary = await self._summary(tx, updated)
        amounts: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for item in items:
            amounts[item.creator_id].append((item.amount_minor, item.currency))
        notices: dict[int, PaidNotice] = {}
        for item in items:
            if item.user_id is None or item.creator_id in notices:
                continue  # erased creators are not told
            notices[item.creator_id] = PaidNotice(
                creator_id=item.creator_id,
                user_id=item.user_id,
                locale=item.locale,
                provider=Provider(item.method),
                amounts=tuple(amounts[item.creator_id]),
                dedupe_key=dedupe_key(NoticeKind.PAYOUT, batch_id, item.creator_id),
            )
        if changed:
            log.info("payout batch %s marked paid in guild %s", batch_id, guild_id)
        return MarkPaid(guild_id, summary, changed, list(notices.values()))

    async def cancel(self, guild_id: int, actor_id: int | None, batch_id: int) -> BatchSummary:
        """Undo a frozen batch nobody paid yet: its commissions and clawbacks go back to the
        approved balance (a later ``run`` takes them again); raise :class:`BatchCancelled`
        when it was cancelled before and :class:`BatchAlreadyPaid` when it was paid."""
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            batch = await self._repo.batch(tx, batch_id)
            if batch is None or batch.guild_id != guild_id:
                raise BatchNotFound(batch=batch_id)
            if batch.status is BatchStatus.PAID:
                raise BatchAlreadyPaid(batch=batch_id)
            if not await self._repo.cancel_batch(tx, batch_id, actor_id, now):
                raise BatchCancelled(batch=batch_id)
            await self._repo.release_commissions(tx, batch_id, now)
            for item in await self._repo.items(tx, batch_id):
                await self._ledger.post(
                    tx,
                    transfer(
                        Bucket.PAID, Bucket.APPROVED, EntryKind.PAYOUT_CANCEL, item.amount_minor
                    ),
                    guild_id=guild_id,
                    creator_id=item.creator_id,
                    currency=item.currency,
                    actor_id=actor_id,
                    now=now,
                    payout_batch_id=batch_id,
                )
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="payout.cancel",
                subject=f"payout_batch:{batch_id}",
                detail={"items": batch.item_count},
                now=now,
            )
            cancelled = await self._repo.batch(tx, batch_id)
            assert cancelled is not None
            summary = await self._summary(tx, cancelled)
        log.info("payout batch %s cancelled in guild %s", batch_id, guild_id)
        return summary

    async def batch_files(self, guild_id: int, batch_id: int) -> tuple[list[PayoutFile], int]:
        """The files of a frozen batch again, from the creators' current payout methods;
        and how many items had to be left out (method erased since)."""
        batch = await self._repo.batch(self._db, batch_id)
        if batch is None or batch.guild_id != guild_id:
            raise BatchNotFound(batch=batch_id)
        if batch.status is BatchStatus.CANCELLED:
            raise BatchCancelled(batch=batch_id)
        lines, missing = [], 0
        for item in await self._repo.items(self._db, batch_id):
            if item.current_method is None or item.details is None:
                missing += 1
                continue
            method = PayoutMethod.from_json(item.current_method, item.details)
            name = item.handle or f"creator-{item.creator_id}"
            lines.append(
                PayoutLine(item.creator_id, item.amount_minor, item.currency, method, name)
            )
        return payout_files(batch_id, lines), missing

    async def _summary(self, q: Queries, batch: BatchRow) -> BatchSummary:
        created = from_epoch(batch.created_at)
        assert created is not None
        return BatchSummary(
            id=batch.id,
            status=batch.status,
            item_count=batch.item_count,
            totals=await self._repo.totals(q, batch.id),
            created_by=batch.created_by,
            created_at=created,
            paid_by=batch.paid_by,
            paid_at=from_epoch(batch.paid_at),
        )


def _totals(payees: list[Payee]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for payee in payees:
        totals[payee.currency] += payee.amount_minor
    return dict(sorted(totals.items()))
