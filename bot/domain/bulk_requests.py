"""Bulk deliverables and contracts: one request giving every creator of a segment the same
deliverables (or the same contract), and which creators it skips.

Pure: the request, its states, the rule that skips a creator who already has such a
deliverable around the same due time, and the summary of a job. (A creator who already has
an active contract of the same title is skipped too; the repository finds that one.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.creators import Creator, CreatorStatus
from bot.domain.deliverables import OPEN, ContractTerms, Deliverable, Kind, Status
from bot.domain.jobs import Job

MAX_COUNT = 10
# Two deliverables of the same platform and kind due this close together are "the same
# one": a second request for the segment must not give such a creator a duplicate.
SAME_DUE_WINDOW = timedelta(hours=24)

# Outcomes of one creator's item, counted on the job.
DM_SENT = "dm_sent"
DM_CLOSED = "dm_closed"
DM_FAILED = "dm_failed"
ALREADY_HAS_ONE = "already_has_one"
PAUSED = "paused"  # the creator was paused after the segment was resolved
REMOVED = "removed"  # … or removed
INACTIVE = "inactive"  # … or is gone altogether (erased on request)


class BulkWhat(StrEnum):
    DELIVERABLES = "deliverables"  # count × one platform and kind, all due at one time
    CONTRACT = "contract"  # one contract (with its template's deliverables) each


class BulkState(StrEnum):
    DRAFT = "draft"  # asked, waiting for the manager's confirmation
    STARTED = "started"  # confirmed: its job creates the deliverables
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class BulkRequest:
    """What every creator of ``segment`` gets.

    Deliverables: ``count`` × platform/kind due at ``due_at``, each with ``fee_minor``. A
    contract: ``terms``, the contract as ``/contract create`` gave it.
    """

    id: int
    guild_id: int
    what: BulkWhat
    segment: str
    platform: str | None
    kind: Kind | None
    count: int | None
    due_at: datetime | None
    fee_minor: int
    currency: str
    terms: ContractTerms | None
    recipients: int
    state: BulkState
    job_id: int | None
    created_by: int
    created_at: datetime

    @property
    def per_creator(self) -> int:
        """Deliverables each creator gets."""
        if self.terms is not None:
            return self.terms.posts.count if self.terms.posts else 0
        return self.count or 0


def already_has_one(
    existing: Iterable[Deliverable], platform: str, kind: Kind, due_at: datetime
) -> Deliverable | None:
    """The creator's open deliverable of this platform and kind due within a day of
    ``due_at`` (or one already handed in for review), if there is one."""
    for item in existing:
        if item.platform != platform or item.kind is not kind:
            continue
        if item.status not in OPEN and item.status is not Status.SUBMITTED:
            continue
        if abs(item.due_at - due_at) < SAME_DUE_WINDOW:
            return item
    return None


def not_reachable(creator: Creator | None) -> str | None:
    """Why a creator of the job gets nothing although the segment held them when it was
    confirmed (paused, removed, or erased since); ``None`` for an active creator."""
    if creator is None or creator.user_id is None:
        return INACTIVE
    if creator.status is CreatorStatus.PAUSED:
        return PAUSED
    if creator.status is CreatorStatus.REMOVED:
        return REMOVED
    return None


@dataclass(frozen=True)
class BulkSummary:
    """Where a bulk request's job stands, from the job's counts."""

    creators: int  # creators who got their deliverables (or contract)
    deliverables: int
    already: int
    paused: int
    removed: int
    inactive: int  # gone altogether (erased)
    failed: int
    closed: int  # creators told by DM who have their DMs closed
    total: int
    finished: bool

    @property
    def skipped(self) -> int:
        return self.already + self.paused + self.removed + self.inactive

    @property
    def processed(self) -> int:
        return self.creators + self.skipped + self.failed


def summarise(count: int, total: int, counts: Mapping[str, int], finished: bool) -> BulkSummary:
    """The summary of a job whose items each planned ``count`` deliverables."""
    creators = int(counts.get("done", 0))
    return BulkSummary(
        creators=creators,
        deliverables=creators * count,
        already=int(counts.get(ALREADY_HAS_ONE, 0)),
        paused=int(counts.get(PAUSED, 0)),
        removed=int(counts.get(REMOVED, 0)),
        inactive=int(counts.get(INACTIVE, 0)),
        failed=int(counts.get("failed", 0)),
        closed=int(counts.get(DM_CLOSED, 0)),
        total=total,
        finished=finished,
    )


def summary_of(job: Job) -> BulkSummary:
    """The summary of a bulk request's job, from the job alone."""
    per_creator = int(job.params.get("per_creator", 0))
    return summarise(per_creator, job.total, job.counts, job.finished)
