"""The vocabulary of money: commission states, ledger buckets and entry kinds.

A commission is in one state; every amount of money is in one bucket of the append-only
ledger, and a balance is the sum of a bucket. States and buckets share their names: a pending
commission's money is in the pending bucket. Money moves between buckets as a pair of entries
(minus from one, plus to the other) of one kind, so every bucket's sum stays explainable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class CommissionState(StrEnum):
    PENDING = "pending"  # in the hold period
    ON_HOLD = "on_hold"  # held for a check (a fraud flag)
    APPROVED = "approved"  # payable
    PAID = "paid"  # in a payout batch that was paid
    REVERSED = "reversed"  # refunded or cancelled in full


class Bucket(StrEnum):
    """Where money sits in the ledger; one per commission state."""

    PENDING = "pending"
    ON_HOLD = "on_hold"
    APPROVED = "approved"
    PAID = "paid"
    REVERSED = "reversed"


class EntryKind(StrEnum):
    ACCRUAL = "accrual"  # a new commission
    MATURE = "mature"  # its hold period ended
    RELEASE = "release"  # a manager cleared a hold
    REVERSE = "reverse"  # a refund before payout
    CLAWBACK = "clawback"  # a refund after payout: deducted from the next one
    RESTORE = "restore"  # a refund lowered by a manager gives commission back
    PAYOUT = "payout"
    PAYOUT_CANCEL = "payout_cancel"


class BatchStatus(StrEnum):
    """A payout batch: frozen when run, then paid or cancelled."""

    FROZEN = "frozen"
    PAID = "paid"
    CANCELLED = "cancelled"


class Entry(NamedTuple):
    bucket: Bucket
    kind: EntryKind
    amount: int  # signed minor units


def bucket_of(state: CommissionState) -> Bucket:
    """The bucket that holds a commission's money while it is in ``state``."""
    return Bucket(state.value)


def transfer(source: Bucket, target: Bucket, kind: EntryKind, amount: int) -> tuple[Entry, Entry]:
    """``amount`` moved from one bucket to another, as its two entries."""
    return Entry(source, kind, -amount), Entry(target, kind, amount)


@dataclass(frozen=True)
class Balance:
    """A creator's money by ledger bucket (all time), in minor units of ``currency``; the
    payout figures are filled in where a creator is shown their earnings."""

    pending: int = 0
    on_hold: int = 0
    approved: int = 0
    paid: int = 0
    reversed: int = 0
    currency: str = ""
    clawed_back: int = 0  # refunds after a payout, deducted from the approved balance
    threshold: int = 0  # the program's payout threshold
    next_maturity: datetime | None = None  # when the next pending commission is approved

    @classmethod
    def of(cls, buckets: Mapping[str, int], **payout: object) -> Balance:
        """The balance from per-bucket sums (buckets without entries are 0)."""
        return cls(
            pending=buckets.get(Bucket.PENDING, 0),
            on_hold=buckets.get(Bucket.ON_HOLD, 0),
            approved=buckets.get(Bucket.APPROVED, 0),
            paid=buckets.get(Bucket.PAID, 0),
            reversed=buckets.get(Bucket.REVERSED, 0),
            **payout,  # type: ignore[arg-type]
        )

    @property
    def payable(self) -> bool:
        return self.approved >= self.threshold and self.approved > 0
