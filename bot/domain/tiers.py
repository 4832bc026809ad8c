"""Creator tiers by follower count, and engagement against the tier benchmark."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    NANO = "nano"
    MICRO = "micro"
    MACRO = "macro"
    MEGA = "mega"


DEFAULT_THRESHOLDS = (10_000, 100_000, 1_000_000)

# Instagram average engagement rates per tier, in basis points (2.71 % = 271).
BENCHMARK_BP: dict[Tier, int] = {Tier.NANO: 271, Tier.MICRO: 181, Tier.MACRO: 120, Tier.MEGA: 80}

# Below this share of the benchmark, followers may be bought; above the ceiling the figure is
# not believable. Both only flag the application for a human; nothing is rejected for it.
LOW_ENGAGEMENT_SHARE = 0.25
HIGH_ENGAGEMENT_FACTOR = 8
HIGH_ENGAGEMENT_CEILING_BP = 3000
MAX_FOLLOWERS = 3_000_000_000


def parse_thresholds(text: str) -> tuple[int, int, int]:
    """``"10000,100000,1000000"`` → the three ascending tier boundaries."""
    values = tuple(int(part) for part in text.split(","))
    if len(values) != 3 or not 0 < values[0] < values[1] < values[2]:
        raise ValueError(f"tier thresholds must be three ascending numbers: {text!r}")
    return values  # type: ignore[return-value]


def tier_for(followers: int, thresholds: tuple[int, int, int] = DEFAULT_THRESHOLDS) -> Tier:
    """nano below the first boundary, micro below the second, macro below the third."""
    nano, micro, macro = thresholds
    if followers < nano:
        return Tier.NANO
    if followers < micro:
        return Tier.MICRO
    if followers < macro:
        return Tier.MACRO
    return Tier.MEGA


@dataclass(frozen=True)
class EngagementCheck:
    """How an engagement rate compares with its tier's benchmark."""

    rate_bp: int | None
    benchmark_bp: int
    flags: tuple[str, ...]

    @property
    def ratio(self) -> float | None:
        """Rate divided by benchmark (1.0 = exactly average), or None without a rate."""
        return None if self.rate_bp is None else self.rate_bp / self.benchmark_bp


def check_engagement(rate_bp: int | None, tier: Tier) -> EngagementCheck:
    """Flag engagement far below the benchmark or implausibly high."""
    benchmark = BENCHMARK_BP[tier]
    flags: list[str] = []
    if rate_bp is not None:
        if rate_bp < benchmark * LOW_ENGAGEMENT_SHARE:
            flags.append("low_engagement")
        elif rate_bp > max(benchmark * HIGH_ENGAGEMENT_FACTOR, HIGH_ENGAGEMENT_CEILING_BP):
            flags.append("implausible_engagement")
    return EngagementCheck(rate_bp=rate_bp, benchmark_bp=benchmark, flags=tuple(flags))
