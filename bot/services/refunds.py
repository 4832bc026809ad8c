"""Use case: refunds and cancellations take back the right share of a commission.

A refund is applied as the shop sent it, estimated (the shop gave no line detail: a
proportional share, which a manager may correct) or held (the shop gave the amount only in
another currency than the sale's: nothing is taken until a manager enters the amount). A
manager's correction may lower a refund, which gives reversed commission back. Each refund is
recorded once per refund key (``UNIQUE (conversion_id, refund_key)``), inside the caller's
transaction or its own ``BEGIN IMMEDIATE`` one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.clock import Clock, to_epoch
from bot.db.adjustments_repo import AdjustmentRepository, AdjustmentRow, ParkedRow
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database, Transaction
from bot.db.ledger_repo import LedgerRepository
from bot.db.money_repo import CommissionRow, ConversionRow, MoneyRepository
from bot.domain.commission import reversed_target
from bot.domain.derivation import Derivation, Label, Note, add, given
from bot.domain.ledger import Bucket, CommissionState, EntryKind, bucket_of, transfer
from bot.domain.orders import EventKind, IngestOutcome, OrderEvent
from bot.errors import CreatorbotError
from bot.services.ledger import post

log = logging.getLogger(__name__)

# A refund or cancellation that arrives before its sale is kept this long for the sale.
PARKED_DAYS = 30


class NothingToCorrect(CreatorbotError):
    """The order has no refund by that id (or several open ones and none was named)."""

    key = "conversions.no_refund"


class RefundTooLarge(CreatorbotError):
    key = "conversions.refund_too_large"


@dataclass(frozen=True)
class Refund:
    """A refund or cancellation of one order, as received (or kept for its sale)."""

    key: str
    cancel: bool
    minor: int = 0
    gross_basis: bool = False  # the amount includes what is not revenue (tax, …)
    gross_minor: int | None = None  # what it was refunded from, in its own currency
    currency: str | None = None  # None: the sale's
    derivation: Derivation | None = None

    @classmethod
    def of(cls, event: OrderEvent) -> Refund:
        cancel = event.kind is EventKind.CANCEL
        gross = event.extra.get("gross_minor")
        return cls(
            key="cancel" if cancel else (event.refund_id or f"refund:{event.refund_minor}"),
            cancel=cancel,
            minor=event.refund_minor or 0,
            gross_basis=event.extra.get("refund_basis") == "gross",
            gross_minor=int(gross) if gross and gross.isdigit() else None,
            currency=event.currency,
            derivation=event.derivation,
        )

    @classmethod
    def parked(cls, row: ParkedRow) -> Refund:
        return cls(
            key=row.refund_key,
            cancel=row.kind == "cancel",
            minor=row.refund_minor,
            gross_basis=row.gross_basis,
            gross_minor=row.gross_minor,
            currency=row.currency,
            derivation=row.derivation,
        )


@dataclass(frozen=True)
class _Taken:
    """What a refund takes off the sale's net, and why."""

    amount: int
    state: str
    derivation: Derivation | None
    sent: tuple[int, str] | None = None


class RefundService:
    def __init__(
        self,
        db: Database,
        money: MoneyRepository,
        adjustments: AdjustmentRepository,
        ledger: LedgerRepository,
        audit: AuditRepository,
        clock: Clock,
    ) -> None:
        self._db = db
        self._money = money
        self._adjustments = adjustments
        self._ledger = ledger
        self._audit = audit
        self._clock = clock

    async def adjust(self, event: OrderEvent, actor_id: int | None) -> IngestOutcome:
        """Apply a REFUND or CANCEL event; committed when this returns."""
        now = to_epoch(self._clock.now())
        refund = Refund.of(event)
        source = event.source.value
        async with self._db.transaction() as tx:
            conversion = await self._adjustments.conversion_named(
                tx, source, [event.order_id, *event.refs]
            )
            if conversion is None:
                # Webhooks are not ordered: keep it for the sale, applied when that arrives
                # (under this order id, or one of the ids the refund names it by too).
                await self._adjustments.forget_parked_before(tx, now - PARKED_DAYS * 86_400)
                for ref in event.refs:
                    if ref != event.order_id:
                        await self._adjustments.add_alias(tx, source, event.order_id, ref, now)
                parked = await self._adjustments.park_adjustment(
                    tx,
                    source=source,
                    order_id=event.order_id,
                    refund_key=refund.key,
                    kind="cancel" if refund.cancel else "refund",
                    refund_minor=refund.minor,
                    gross_basis=refund.gross_basis,
                    now=now,
                    currency=refund.currency,
                    gross_minor=refund.gross_minor,
                    derivation=refund.derivation,
                )
                log.info("refund for an order not seen yet from %s kept", source)
                return IngestOutcome.RECORDED if parked else IngestOutcome.DUPLICATE
            recorded = await self.apply(tx, conversion, refund, actor_id, now)
        return IngestOutcome.RECORDED if recorded else IngestOutcome.DUPLICATE

    async def apply_parked(
        self, tx: Transaction, source: str, parked_as: str, order_id: str, now: int
    ) -> None:
        """Apply to the conversion of ``order_id`` the refunds and cancellations kept under
        ``parked_as`` (its own id or an alias) because they arrived before its sale."""
        for row in await self._adjustments.take_parked(tx, source, parked_as):
            conversion = await self._money.conversion(tx, source, order_id)
            assert conversion is not None
            await self.apply(tx, conversion, Refund.parked(row), None, now)

    async def apply(
        self,
        tx: Transaction,
        conversion: ConversionRow,
        refund: Refund,
        actor_id: int | None,
        now: int,
    ) -> bool:
        """Record one refund or cancellation of ``conversion`` and reverse its share of the
        commission; False if this refund key was applied before."""
        outstanding = conversion.net_minor - conversion.refunded_minor
        taken = _taken(conversion, refund, outstanding)
        recorded = await self._adjustments.add_adjustment(
            tx,
            conversion_id=conversion.id,
            refund_key=refund.key,
            kind="cancel" if refund.cancel else "refund",
            amount=taken.amount,
            now=now,
            state=taken.state,
            derivation=taken.derivation,
            sent=taken.sent,
            actor_id=actor_id,
        )
        if not recorded:
            return False
        if taken.state != "applied" and conversion.guild_id is not None:
            detail = {"order": conversion.order_id, "refund": refund.key, "amount": taken.amount}
            if taken.sent:
                detail["sent"] = f"{taken.sent[0]} {taken.sent[1]}"
            await self._audit.record(
                tx,
                guild_id=conversion.guild_id,
                actor_id=actor_id,
                action=f"conversion.refund_{taken.state}",
                subject=f"order:{conversion.order_id}",
                detail=detail,
                now=now,
            )
        await self._money.add_refunded(tx, conversion.id, taken.amount, refund.cancel)
        refunded = conversion.refunded_minor + taken.amount
        await self._settle(tx, conversion, refunded, refund.cancel, actor_id, now)
        return True

    async def correct(
        self,
        conversion: ConversionRow,
        actor_id: int,
        amount: int,
        refund_key: str | None,
    ) -> AdjustmentRow:
        """Set the net amount of a refund of ``conversion`` by hand: the named refund, else
        its only estimated or held one, else a new manual refund. The commission follows,
        in either direction."""
        if conversion.status == "cancelled":
            raise CreatorbotError("conversions.already_reversed", order=conversion.order_id[:60])
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            current = await self._money.conversion_by_id(tx, conversion.id)
            assert current is not None
            rows = await self._adjustments.adjustments(tx, current.id)
            target = _pick(rows, refund_key)
            before = target.amount_minor if target else 0
            limit = current.net_minor - current.refunded_minor + before
            if amount > limit:
                raise RefundTooLarge(limit=limit, currency=current.currency or "")
            derivation = given(amount)
            if target is None:
                key = f"manual:{len(rows) + 1}"
                await self._adjustments.add_adjustment(
                    tx,
                    conversion_id=current.id,
                    refund_key=key,
                    kind="refund",
                    amount=amount,
                    now=now,
                    state="corrected",
                    derivation=derivation,
                    actor_id=actor_id,
                )
            else:
                key = target.refund_key
                await self._adjustments.correct_adjustment(
                    tx, target.id, amount=amount, derivation=derivation, actor_id=actor_id
                )
            await self._money.add_refunded(tx, current.id, amount - before, False)
            refunded = current.refunded_minor + amount - before
            await self._settle(tx, current, refunded, False, actor_id, now)
            if current.guild_id is not None:
                await self._audit.record(
                    tx,
                    guild_id=current.guild_id,
                    actor_id=actor_id,
                    action="conversion.refund_corrected",
                    subject=f"order:{current.order_id}",
                    detail={"refund": key, "before": before, "amount": amount},
                    now=now,
                )
            rows = await self._adjustments.adjustments(tx, current.id)
        return next(r for r in rows if r.refund_key == key)

    async def _settle(
        self,
        tx: Transaction,
        conversion: ConversionRow,
        refunded_total: int,
        cancel: bool,
        actor_id: int | None,
        now: int,
    ) -> None:
        """Bring the commission's reversed part in line with what is refunded now."""
        commission = await self._money.commission_for_conversion(tx, conversion.id)
        if commission is None:
            return
        net = conversion.net_minor
        refunded = net if cancel else max(0, min(net, refunded_total))
        target = reversed_target(commission.amount_minor, net, refunded)
        if target > commission.reversed_minor:
            await self._reverse(tx, commission, target - commission.reversed_minor, actor_id, now)
        elif target < commission.reversed_minor:
            await self._restore(tx, commission, commission.reversed_minor - target, actor_id, now)

    async def _reverse(
        self,
        tx: Transaction,
        commission: CommissionRow,
        due: int,
        actor_id: int | None,
        now: int,
    ) -> None:
        if commission.state is CommissionState.REVERSED:
            return
        if commission.state is CommissionState.PAID:
            # Already paid out: a negative adjustment carried into the next payout.
            entries = transfer(Bucket.APPROVED, Bucket.REVERSED, EntryKind.CLAWBACK, due)
        else:
            entries = transfer(bucket_of(commission.state), Bucket.REVERSED, EntryKind.REVERSE, due)
        await self._money.add_reversed(tx, commission.id, due, now)
        await post(tx, self._ledger, commission, entries, actor_id, now)

    async def _restore(
        self,
        tx: Transaction,
        commission: CommissionRow,
        amount: int,
        actor_id: int | None,
        now: int,
    ) -> None:
        """Give back reversed commission after a refund was lowered by a manager."""
        state = commission.state
        if state is CommissionState.PAID:
            bucket = Bucket.APPROVED  # undoes the clawback carried into the next payout
        else:
            if state is CommissionState.REVERSED:
                if commission.hold_reason:
                    state = CommissionState.ON_HOLD
                elif commission.approve_after <= now:
                    state = CommissionState.APPROVED
                else:
                    state = CommissionState.PENDING
            bucket = bucket_of(state)
        await self._money.restore_reversed(tx, commission.id, amount, state, now)
        entries = transfer(Bucket.REVERSED, bucket, EntryKind.RESTORE, amount)
        await post(tx, self._ledger, commission, entries, actor_id, now)


def _taken(conversion: ConversionRow, refund: Refund, outstanding: int) -> _Taken:
    """How much of the sale's net a refund takes: all that is left for a cancellation; the
    refund's share of net when it includes tax; nothing, held, when it is only in another
    currency and cannot be measured against the sale."""
    if refund.cancel:
        return _Taken(outstanding, "applied", None)
    derivation = refund.derivation or Derivation((add(Label.REFUND, refund.minor),))
    foreign = (
        refund.currency is not None
        and conversion.currency is not None
        and refund.currency != conversion.currency
    )
    if foreign:
        derivation = replace(derivation, currency=refund.currency)
    if refund.gross_basis and refund.gross_minor:
        # A share of the charge it came from is a share of the sale, in any currency.
        derivation = derivation.scaled(conversion.net_minor, refund.gross_minor)
    elif foreign:
        held = derivation.with_note(Note.FOREIGN)
        return _Taken(0, "held", held, (refund.minor, refund.currency or ""))
    elif refund.gross_basis and conversion.gross_minor:
        # The sender refunds what the customer paid; our amounts are net.
        derivation = derivation.scaled(conversion.net_minor, conversion.gross_minor)
    amount = min(derivation.result, outstanding)
    state = "estimated" if derivation.note is Note.ESTIMATED else "applied"
    return _Taken(amount, state, derivation)


def _pick(rows: list[AdjustmentRow], refund_key: str | None) -> AdjustmentRow | None:
    refunds = [r for r in rows if r.kind == "refund"]
    if refund_key:
        for row in refunds:
            if row.refund_key == refund_key.strip():
                return row
        raise NothingToCorrect(refund=refund_key[:60], keys="")
    open_ = [r for r in refunds if r.state in ("estimated", "held")]
    if len(open_) > 1:
        raise NothingToCorrect(refund="", keys=", ".join(r.refund_key for r in open_)[:300])
    return open_[0] if open_ else None
