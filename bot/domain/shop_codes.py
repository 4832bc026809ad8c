"""Creator codes in the connected shops: the sync states, the variants tried when a shop
already has a code that is not ours, and how long to wait before retrying a shop that could
not answer.

Pure: no shop, no SQL.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.shops.codes import ShopKind

# Retry a shop that could not answer after these waits (the last one repeats).
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
# Letters a variant adds, in order; I and O are left out (they read as 1 and 0 at a till).
VARIANT_LETTERS = "".join(c for c in string.ascii_uppercase[1:] if c not in "IO")


class SyncState(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    CONFLICT = "conflict"
    FAILED = "failed"


class SyncOutcome(StrEnum):
    """What one sync of one code in one shop did (the columns of ``sync-codes``' table)."""

    CREATED = "created"
    ALREADY_THERE = "already_there"
    CONFLICT = "conflict"
    FAILED = "failed"
    UPDATED = "updated"  # activated or deactivated to follow the creator's status


@dataclass(frozen=True)
class ShopCodeRow:
    id: int
    guild_id: int
    discount_code_id: int
    shop: ShopKind
    code: str
    shop_id: str | None
    state: SyncState
    active: bool
    want_active: bool
    attempts: int


@dataclass(frozen=True)
class ShopCodeTally:
    """How a program's codes stand in one shop (``/campaign codes``): ``live`` work at the
    checkout, ``inactive`` were deactivated (paused, removed or erased creators, codes given
    up for a variant), ``waiting`` are not in the shop yet (it could not answer; retried),
    ``conflict`` were taken by someone else's code (the creator moved to a variant), and
    ``other_percent`` of the live ones give another percentage than the program does now."""

    live: int = 0
    inactive: int = 0
    waiting: int = 0
    conflict: int = 0
    other_percent: int = 0


def backoff(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed calls (1 → the first wait)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def variants(code: str) -> Iterator[str]:
    """The codes to try after ``code`` is taken in a shop: ``ANNABAKES15B``, ``…C``, …, then
    two letters."""
    for letter in VARIANT_LETTERS:
        yield code + letter
    for first in VARIANT_LETTERS:
        for second in VARIANT_LETTERS:
            yield code + first + second


def idempotency_key(guild_id: int, discount_code_id: int, shop: ShopKind) -> str:
    """Stable for one code in one shop: a retried create never makes two."""
    return f"creatorbot-{guild_id}-{discount_code_id}-{shop.value}"
