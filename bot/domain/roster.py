"""The roster and the leaderboard: which creators, ordered how, over which period.

Pure values: the cogs parse options into them, the repository turns them into SQL, the
pagination buttons carry them in their ``custom_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.creators import CreatorStatus
from bot.domain.tiers import Tier

PAGE_SIZE = 10
LEADERBOARD_SIZE = 10
PERIODS = ("week", "month", "all")


class RosterSort(StrEnum):
    """How ``/creators`` orders the roster: best (or most recent) first."""

    REVENUE = "revenue"
    ORDERS = "orders"
    EPC = "epc"
    JOINED = "joined"
    LAST_SALE = "last_sale"


class LeaderboardMetric(StrEnum):
    """What ``/leaderboard`` ranks creators by."""

    ORDERS = "orders"
    REVENUE = "revenue"
    CLICKS = "clicks"


@dataclass(frozen=True)
class RosterFilter:
    """Which creators ``/creators`` lists and how: one status, optionally one tier and one
    campaign (by id), a sort order and a period (``week``, ``month`` or ``all``)."""

    status: CreatorStatus = CreatorStatus.ACTIVE
    tier: Tier | None = None
    campaign_id: int | None = None
    sort: RosterSort = RosterSort.REVENUE
    period: str = "month"

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"unknown period {self.period!r}")


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """How many pages ``total`` rows fill (an empty list still has its one page)."""
    return max(1, -(-total // size))


def clamp_page(page: int, total: int, size: int = PAGE_SIZE) -> int:
    """``page`` (0-based) kept within the pages that exist now: the roster may have shrunk
    since the button was drawn."""
    return min(max(page, 0), page_count(total, size) - 1)
