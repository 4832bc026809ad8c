"""Bulk jobs: one row per job, one item per subject, each claimed and finished once.

A job is ``running`` until every item is finished. An item goes ``pending`` → ``claimed`` →
``done`` | ``skipped`` | ``failed``; an item still ``claimed`` when a run starts was
interrupted (a crash, a restart) and is handed to the handler again with ``attempts > 1``,
so the handler can tell "do it" from "find out whether it was done".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobKind(StrEnum):
    APPROVE_APPLICATIONS = "approve_applications"
    REJECT_APPLICATIONS = "reject_applications"
    BROADCAST = "broadcast"
    BULK_DELIVERABLES = "bulk_deliverables"
    GIFT_OFFER = "gift_offer"
    GIFT_DELIVERED = "gift_delivered"
    BOUNTY_ANNOUNCE = "bounty_announce"


class JobState(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"


class ItemState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


FINISHED_ITEMS = frozenset({ItemState.DONE, ItemState.SKIPPED, ItemState.FAILED})

# An item claimed this often without finishing is given up on (it crashes the run).
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class ItemResult:
    """What a handler made of one item: its final state and a short outcome word."""

    state: ItemState
    outcome: str | None = None

    def __post_init__(self) -> None:
        if self.state not in FINISHED_ITEMS:
            raise ValueError(f"an item result must be final, not {self.state}")


@dataclass(frozen=True)
class JobItem:
    job_id: int
    subject_id: int
    state: ItemState
    outcome: str | None
    attempts: int

    @property
    def interrupted(self) -> bool:
        """Claimed before by a run that stopped before finishing it."""
        return self.attempts > 1


@dataclass(frozen=True)
class Job:
    id: int
    guild_id: int
    kind: JobKind
    state: JobState
    created_by: int
    created_at: datetime
    finished_at: datetime | None
    total: int
    # Not in repr: it may hold the manager's interaction token while the job runs.
    params: dict[str, Any] = field(default_factory=dict, repr=False)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, key: str) -> int:
        """How many items ended in this state or with this outcome."""
        return int(self.counts.get(key, 0))

    @property
    def processed(self) -> int:
        """Items finished so far, whatever their state."""
        return sum(self.count(state) for state in FINISHED_ITEMS)

    @property
    def finished(self) -> bool:
        return self.state is JobState.FINISHED
