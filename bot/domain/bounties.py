"""Bounties: open challenges any creator of a segment can take, with a capped number of
winners.

Pure rules, no I/O: reading a reward (a fixed amount or a percentage bonus), checking a
bounty's options, and the bonus a winner earns on their sales. A *submission* bounty is won
by a handed-in post a manager approves; a *performance* bounty by reaching its goal (orders,
net revenue, or both) inside its period, first come first served.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from bot.domain.commission import InvalidPlan, parse_money
from bot.errors import CreatorbotError

MAX_TITLE = 100
MAX_BRIEF = 1000
MAX_WINNERS = 1000
MAX_URL = 300
# Orders of a performance bounty's last minutes can reach us a little late (a webhook retried,
# a CSV import): its winners are final, and percentage bonuses computed, this long after it ends.
SETTLE_AFTER = timedelta(hours=1)


class BountyKind(StrEnum):
    SUBMISSION = "submission"  # hand in a post; a manager approves the winners
    PERFORMANCE = "performance"  # reach the goal in the period; the sweep decides


class BountyState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # closed early by a manager


class EntryStatus(StrEnum):
    PENDING = "pending"  # a submission waiting for a manager
    WON = "won"
    REJECTED = "rejected"  # can be handed in again while the bounty is open


class InvalidBounty(CreatorbotError):
    """``/bounty create`` options that cannot make a bounty (``problem`` says which)."""

    key = "bounties.invalid"

    def __init__(self, problem: str, **params: object) -> None:
        super().__init__(problem=problem, **params)
        self.problem = problem


@dataclass(frozen=True)
class Reward:
    """A fixed amount (``minor``) or a bonus of ``bp`` basis points on attributed sales."""

    minor: int = 0
    bp: int = 0

    @property
    def is_bonus(self) -> bool:
        return self.bp > 0


@dataclass(frozen=True)
class Goal:
    """What a performance bounty asks: at least ``orders`` orders and/or ``minor`` net
    revenue in the period (both, when both are given)."""

    orders: int | None = None
    minor: int | None = None


@dataclass(frozen=True)
class Bounty:
    id: int
    guild_id: int
    title: str
    brief: str
    kind: BountyKind
    reward: Reward
    currency: str
    goal: Goal
    segment: str
    max_winners: int
    winners: int
    starts_at: datetime
    ends_at: datetime
    state: BountyState
    channel_id: int | None
    created_at: datetime
    job_id: int | None = None
    settled_at: datetime | None = None

    @property
    def left(self) -> int:
        """How many more creators can win."""
        return max(self.max_winners - self.winners, 0)

    def is_open(self, now: datetime) -> bool:
        """Taking entries: not closed, inside its period, and a winner's place left."""
        return (
            self.state is BountyState.OPEN
            and self.starts_at <= now < self.ends_at
            and self.left > 0
        )

    def settles_at(self) -> datetime:
        return self.ends_at + SETTLE_AFTER


@dataclass(frozen=True)
class BountyEntry:
    id: int
    bounty_id: int
    guild_id: int
    creator_id: int
    user_id: int | None
    locale: str | None
    handle: str
    status: EntryStatus
    url: str | None
    place: int | None
    reached_at: datetime | None
    reward_minor: int | None
    submitted_at: datetime
    decided_at: datetime | None
    decided_by: int | None
    review_channel_id: int | None
    review_message_id: int | None


def parse_reward(text: str, currency: str) -> Reward:
    """``"25"`` / ``"25.00"`` → a fixed amount; ``"10%"`` → a 10 % bonus on the winner's
    attributed sales in the period. Zero is not a reward."""
    value = " ".join(str(text).split())
    if value.endswith("%"):
        try:
            percent = Decimal(value[:-1].strip().replace(",", "."))
        except InvalidOperation:
            raise InvalidBounty("reward", value=value[:40]) from None
        bp = percent * 100
        if not percent.is_finite() or bp % 1 or not 0 < bp <= 10_000:
            raise InvalidBounty("reward", value=value[:40])
        return Reward(bp=int(bp))
    try:
        minor = parse_money(value, currency)
    except InvalidPlan:
        raise InvalidBounty("reward", value=value[:40]) from None
    if minor <= 0:
        raise InvalidBounty("reward", value=value[:40])
    return Reward(minor=minor)


def check_bounty(
    *,
    title: str,
    brief: str,
    kind: BountyKind,
    max_winners: int,
    goal: Goal,
) -> tuple[str, str]:
    """The cleaned title and brief, or :class:`InvalidBounty` with the reason."""
    clean_title = " ".join(str(title).split())
    clean_brief = str(brief).strip()
    if not clean_title or len(clean_title) > MAX_TITLE:
        raise InvalidBounty("title", limit=MAX_TITLE)
    if not clean_brief or len(clean_brief) > MAX_BRIEF:
        raise InvalidBounty("brief", limit=MAX_BRIEF)
    if not 1 <= max_winners <= MAX_WINNERS:
        raise InvalidBounty("winners", limit=MAX_WINNERS)
    has_goal = goal.orders is not None or goal.minor is not None
    if kind is BountyKind.PERFORMANCE and not has_goal:
        raise InvalidBounty("no_goal")
    if kind is BountyKind.SUBMISSION and has_goal:
        raise InvalidBounty("goal_on_submission")
    if goal.orders is not None and goal.orders <= 0:
        raise InvalidBounty("goal_orders")
    if goal.minor is not None and goal.minor <= 0:
        raise InvalidBounty("goal_revenue")
    return clean_title, clean_brief


def bonus(sales_minor: int, bp: int) -> int:
    """``bp`` basis points of ``sales_minor``, rounded half up to a minor unit."""
    amount = Decimal(max(sales_minor, 0)) * bp / 10_000
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
