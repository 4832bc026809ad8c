"""The review queue: which waiting applications a filter matches, in which order, per page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.applications import PENDING, Application, Platform, Status
from bot.domain.tiers import Tier

PAGE_SIZE = 10
MAX_NICHE_FILTER = 30


@dataclass(frozen=True)
class QueueFilter:
    """The options of ``/applications``; ``None`` means "any".

    ``min_engagement`` is a multiple of the tier benchmark (1.0 = exactly average), as on
    the review card; an application without an engagement rate never meets a minimum.
    """

    status: Status | None = None
    tier: Tier | None = None
    platform: Platform | None = None
    min_engagement: float | None = None
    niche: str | None = None

    def matches(self, application: Application) -> bool:
        if application.status not in PENDING:
            return False
        if self.status is not None and application.status is not self.status:
            return False
        if self.tier is not None and application.tier is not self.tier:
            return False
        if self.platform is not None and application.platform is not self.platform:
            return False
        if self.min_engagement is not None:
            ratio = application.engagement.ratio
            if ratio is None or ratio < self.min_engagement:
                return False
        return not self.niche or self.niche.casefold() in application.niche.casefold()


def sort_key(application: Application) -> tuple[int, float, float, int]:
    """Best engagement ratio first; applications without a rate last; then oldest first."""
    ratio = application.engagement.ratio
    return (ratio is None, -(ratio or 0.0), application.created_at.timestamp(), application.id)


def queue(applications: Iterable[Application], chosen: QueueFilter) -> list[Application]:
    """The waiting applications the filter matches, best first."""
    return sorted((a for a in applications if chosen.matches(a)), key=sort_key)


@dataclass(frozen=True)
class QueuePage:
    rows: Sequence[Application]
    page: int  # 0-based, clamped to the last page
    pages: int
    total: int

    @property
    def first_number(self) -> int:
        return self.page * PAGE_SIZE + 1


def page_of(ordered: Sequence[Application], page: int) -> QueuePage:
    """One page of ten; a page past the end shows the last one."""
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    return QueuePage(ordered[start : start + PAGE_SIZE], page, pages, len(ordered))
