"""Booking a new commission: the commission row and its first ledger entry, together.

Used inside the caller's transaction by every path that creates money: sales and leads
(conversions), deliverable fees, manual corrections.
"""

from __future__ import annotations

from bot.db.connection import Transaction
from bot.db.money_repo import CommissionRow, MoneyRepository


async def accrue(
    tx: Transaction,
    money: MoneyRepository,
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
    plan_id: int | None = None,
    actor_id: int | None = None,
) -> CommissionRow:
    """Create a commission: on hold if a reason is given, approved if its hold period is
    already over, else pending; the ledger gets the matching accrual."""
    if hold_reason:
        state = "on_hold"
    elif approve_after <= now:
        state = "approved"
    else:
        state = "pending"
    commission_id = await money.insert_commission(
        tx,
        guild_id=guild_id,
        creator_id=creator_id,
        conversion_id=conversion_id,
        deliverable_id=deliverable_id,
        plan_id=plan_id,
        kind=kind,
        currency=currency,
        amount_minor=amount,
        state=state,
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
    )
    await money.post(
        tx,
        commission,
        [(state, "accrual", amount)],
        guild_id=guild_id,
        creator_id=creator_id,
        currency=currency,
        actor_id=actor_id,
        now=now,
    )
    return commission
