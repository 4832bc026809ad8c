"""The vocabulary of money: commission states, ledger buckets and entry kinds.

A commission is in one state; every amount of money is in one bucket of the append-only
ledger, and a balance is the sum of a bucket. States and buckets share their names: a pending
commission's money is in the pending bucket. Money moves between buckets as a pair of entries
(minus from one, plus to the other) of one kind, so every bucket's sum stays explainable.
"""

from __future__ import annotations

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
