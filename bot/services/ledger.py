"""Moving a commission's money: its row and its ledger entries, together.

Used inside the caller's transaction by every path that creates or moves money: sales and
leads (conversions), refunds, deliverable fees, bounty rewards, manual corrections, payouts.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.db.connection import Transaction
from bot.db.ledger_repo import LedgerRepository
from bot.db.money_repo import CommissionRow, MoneyRepository
from bot.domain.ledger import CommissionState, Entry, EntryKind, bucket_of, transfer


async def accrue(
    tx: Transaction,
    money: MoneyRepository,
    ledger: LedgerRepository,
    *,
    guild_id: int,
    creator_id: int,
    kind: str,
    currency: str,
    amount: int,
    approve_after: int,
    now: int,
    hold_reason: str | None = None,
    conversion_id: int | None = None,
    deliverable_id: int | None = None,
    bounty_entry_id: int | None = None,
    plan_id: int | None = None,
    actor_id: int | None = None,
) -> CommissionRow:
    """Create a commission: on hold if a reason is given, approved if its hold period is
    already over, else pending; the ledger gets the matching accrual."""
    if hold_reason:
        state = CommissionState.ON_HOLD
    elif approve_after <= now:
        state = CommissionState.APPROVED
    else:
        state = CommissionState.PENDING
    commission_id = await money.insert_commission(
        tx,
        guild_id=guild_id,
        creator_id=creator_id,
        conversion_id=conversion_id,
        deliverable_id=deliverable_id,
        bounty_entry_id=bounty_entry_id,
        plan_id=plan_id,
        kind=kind,
        currency=currency,
        amount_minor=amount,
        state=state.value,
        hold_reason=hold_reason,
        approve_after=approve_after,
        created_at=now,
        updated_at=now,
    )
    commission = CommissionRow(
        id=commission_id,
        guild_id=guild_id,
        creator_id=creator_id,
        conversion_id=conversion_id,
        currency=currency,
        amount_minor=amount,
        reversed_minor=0,
        state=state,
        hold_reason=hold_reason,
        approve_after=approve_after,
        plan_id=plan_id,
    )
    entries = [Entry(bucket_of(state), EntryKind.ACCRUAL, amount)]
    await post(tx, ledger, commission, entries, actor_id, now)
    return commission


async def move(
    tx: Transaction,
    money: MoneyRepository,
    ledger: LedgerRepository,
    commission: CommissionRow,
    source: CommissionState,
    target: CommissionState,
    kind: EntryKind,
    actor_id: int | None,
    now: int,
) -> bool:
    """Move a commission from one state to another with what is left of its money; False
    (and nothing written) if it was no longer in ``source``."""
    if not await money.move_state(tx, commission.id, source, target, now):
        return False
    entries = transfer(bucket_of(source), bucket_of(target), kind, commission.remaining)
    await post(tx, ledger, commission, entries, actor_id, now)
    return True


async def post(
    tx: Transaction,
    ledger: LedgerRepository,
    commission: CommissionRow,
    entries: Sequence[Entry],
    actor_id: int | None,
    now: int,
) -> None:
    """The ledger entries of one movement of a commission's money."""
    await ledger.post(
        tx,
        entries,
        guild_id=commission.guild_id,
        creator_id=commission.creator_id,
        currency=commission.currency,
        actor_id=actor_id,
        now=now,
        commission_id=commission.id,
    )
