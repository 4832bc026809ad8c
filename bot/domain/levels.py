"""Levels: program-wide steps such as Bronze, Silver and Gold, and which one a creator holds.

A level is reached by a creator's attributed net revenue (minor units) or number of orders,
over the rolling last 30 days or all time. Of the levels a creator reaches, they hold the
highest: the one with the highest rate (then the highest threshold, then the newest). A
creator who falls below their level keeps it unless the server chose demotion; a deleted
level is no longer held by anyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.commission import InvalidPlan, parse_money
from bot.errors import CreatorbotError

WINDOW_DAYS = 30
MAX_LEVELS = 20


class LevelBasis(StrEnum):
    REVENUE_30 = "revenue30"  # attributed net revenue, rolling 30 days
    ORDERS_30 = "orders30"  # attributed orders, rolling 30 days
    REVENUE_ALL = "revenue_all"
    ORDERS_ALL = "orders_all"

    @property
    def by_revenue(self) -> bool:
        return self in (LevelBasis.REVENUE_30, LevelBasis.REVENUE_ALL)


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


class InvalidLevel(CreatorbotError):
    """A ``/level create`` option is malformed; ``problem`` says which."""

    key = "levels.invalid"


@dataclass(frozen=True)
class Level:
    id: int
    guild_id: int
    name: str
    basis: LevelBasis
    threshold: int  # minor units for revenue, a count for orders
    rate_bp: int
    role_id: int | None
    plan_id: int | None
    deleted: bool = False

    @property
    def rank(self) -> tuple[int, int, int]:
        """Higher is better: the rate, then the threshold, then the newer level."""
        return (self.rate_bp, self.threshold, self.id)


@dataclass(frozen=True)
class Standing:
    """What a creator has achieved, by every basis."""

    revenue30: int = 0
    orders30: int = 0
    revenue_all: int = 0
    orders_all: int = 0

    def value(self, basis: LevelBasis) -> int:
        return {
            LevelBasis.REVENUE_30: self.revenue30,
            LevelBasis.ORDERS_30: self.orders30,
            LevelBasis.REVENUE_ALL: self.revenue_all,
            LevelBasis.ORDERS_ALL: self.orders_all,
        }[basis]


@dataclass(frozen=True)
class CreatorStanding:
    """One creator as the sweep sees them: their level now and what they achieved."""

    creator_id: int
    guild_id: int
    level_id: int | None
    epoch: int  # level changes so far
    standing: Standing


@dataclass(frozen=True)
class LevelChange:
    """A promotion or demotion the sweep decided; ``epoch`` is the creator's next one."""

    creator_id: int
    guild_id: int
    from_level: Level | None
    to_level: Level | None
    epoch: int

    @property
    def direction(self) -> Direction:
        before = self.from_level.rank if self.from_level else (-1, -1, -1)
        after = self.to_level.rank if self.to_level else (-1, -1, -1)
        return Direction.UP if after > before else Direction.DOWN


def reaches(level: Level, standing: Standing) -> bool:
    return standing.value(level.basis) >= level.threshold


def choose_level(
    levels: Iterable[Level], standing: Standing, current: Level | None, *, demote: bool
) -> Level | None:
    """The level a creator should hold now.

    ``current`` is the level held (``None`` if none, or if it was deleted). Without
    ``demote`` a creator never goes down; with it they drop to the best level still reached
    (or none).
    """
    reached = [level for level in levels if reaches(level, standing)]
    best = max(reached, key=lambda level: level.rank, default=None)
    if current is None:
        return best
    if best is not None and best.rank >= current.rank:
        return best
    return best if demote else current


def decide_changes(
    levels: Sequence[Level],
    creators: Iterable[CreatorStanding],
    demote: Mapping[int, bool],
) -> list[LevelChange]:
    """Every creator whose level must change, over all servers at once.

    ``levels`` are the levels of all servers (deleted ones too, so a change away from one
    still names it), ``demote`` each server's choice.
    """
    by_guild: dict[int, list[Level]] = {}
    by_id: dict[int, Level] = {}
    for level in levels:
        by_id[level.id] = level
        if not level.deleted:
            by_guild.setdefault(level.guild_id, []).append(level)
    changes = []
    for c in creators:
        held = by_id.get(c.level_id) if c.level_id is not None else None
        current = held if held is not None and not held.deleted else None
        target = choose_level(
            by_guild.get(c.guild_id, ()),
            c.standing,
            current,
            demote=demote.get(c.guild_id, False),
        )
        if (target.id if target else None) != c.level_id:
            changes.append(LevelChange(c.creator_id, c.guild_id, held, target, c.epoch + 1))
    return changes


def parse_basis(text: str) -> LevelBasis:
    try:
        return LevelBasis(str(text).strip().lower())
    except ValueError:
        raise InvalidLevel(problem="basis", value=str(text)[:40]) from None


def parse_threshold(text: str, basis: LevelBasis, currency: str) -> int:
    """``"500"`` → 50000 minor units for revenue (in ``currency``), or 500 orders."""
    if basis.by_revenue:
        try:
            return parse_money(text, currency)
        except InvalidPlan:
            raise InvalidLevel(problem="threshold", value=str(text)[:40]) from None
    try:
        value = int(str(text).strip())
    except ValueError:
        raise InvalidLevel(problem="threshold", value=str(text)[:40]) from None
    if value < 0 or value > 10**9:
        raise InvalidLevel(problem="threshold", value=str(text)[:40])
    return value
