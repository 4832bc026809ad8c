"""Segments: saved filters over a server's active creators, resolved when they are used.

Pure values: the service validates what a manager typed into :class:`SegmentCriteria`,
stores it as JSON and the repository turns it into one SQL query.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from bot.domain.applications import Platform
from bot.domain.tiers import Tier
from bot.errors import CreatorbotError

ALL = "all"  # not a stored segment: every active creator of the server
NAME_MAX = 40
MAX_SEGMENTS = 50
PREVIEW_SIZE = 10
MAX_NICHE_WORDS = 5
MAX_DAYS = 3650
MAX_TOP = 5000
REVENUE_DAYS = 30  # ``top_revenue`` ranks by net revenue over the last 30 days


class InvalidSegment(CreatorbotError):
    """A ``/segment create`` option is malformed; ``problem`` says which, ``value`` what."""

    key = "segments.invalid"

    def __init__(self, problem: str, value: str = "") -> None:
        super().__init__(problem=problem, value=value)
        self.problem = problem
        self.value = value


@dataclass(frozen=True)
class SegmentCriteria:
    """Which active creators a segment holds; every criterion is optional and they combine
    with AND. ``niche_words`` match if any of them is in the creator's niche."""

    tier: Tier | None = None
    platform: Platform | None = None
    campaign_id: int | None = None
    level_id: int | None = None
    niche_words: tuple[str, ...] = ()
    joined_after: date | None = None  # on or after this day, in the server's timezone
    joined_before: date | None = None  # before this day
    no_sale_days: int | None = None
    top_revenue: int | None = None

    def to_json(self) -> str:
        """The criteria as stored: only those that are set."""
        data: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value is None or value == ():
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            data[key] = value
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SegmentCriteria:
        data = json.loads(text)

        def day(key: str) -> date | None:
            return date.fromisoformat(data[key]) if data.get(key) else None

        return cls(
            tier=Tier(data["tier"]) if data.get("tier") else None,
            platform=Platform(data["platform"]) if data.get("platform") else None,
            campaign_id=data.get("campaign_id"),
            level_id=data.get("level_id"),
            niche_words=tuple(data.get("niche_words", ())),
            joined_after=day("joined_after"),
            joined_before=day("joined_before"),
            no_sale_days=data.get("no_sale_days"),
            top_revenue=data.get("top_revenue"),
        )


@dataclass(frozen=True)
class Segment:
    id: int
    guild_id: int
    name: str
    criteria: SegmentCriteria
    created_by: int | None
    created_at: int


def parse_name(text: str) -> str:
    """A segment's name with its whitespace collapsed; ``all`` is reserved."""
    name = " ".join(text.split())[:NAME_MAX]
    if not name:
        raise InvalidSegment("name", "")
    if name.lower() == ALL:
        raise InvalidSegment("reserved", name)
    return name


def parse_niche(text: str) -> tuple[str, ...]:
    """Up to five lower-case words; commas and spaces both separate them."""
    words = tuple(dict.fromkeys(w for w in re.split(r"[\s,;]+", text.lower()) if w))
    if not words or len(words) > MAX_NICHE_WORDS or any(len(w) > 40 for w in words):
        raise InvalidSegment("niche", text[:80])
    return words


def parse_day(text: str, problem: str) -> date:
    """A day written as ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidSegment(problem, text[:40]) from None


def check_range(value: int, limit: int, problem: str) -> int:
    """``value`` if it is between 1 and ``limit``."""
    if not 1 <= value <= limit:
        raise InvalidSegment(problem, str(value))
    return value
