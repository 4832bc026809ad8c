"""Rates, costs and returns in integers."""

from __future__ import annotations

from bot.domain.performance import Performance, engagement_vs_benchmark, ratio
from bot.domain.tiers import Tier


def test_ratio_rounds_half_away_from_zero() -> None:
    """2.5 → 3 and −2.5 → −3; nothing is lost to floats."""
    assert ratio(5, 2) == 3
    assert ratio(-5, 2) == -3
    assert ratio(1, 3, 10_000) == 3333


def test_ratio_of_nothing_is_none() -> None:
    """No clicks: the conversion rate is unknown, not zero."""
    assert Performance(orders=2).conversion_rate_bp is None
    assert Performance().roi_bp is None


def test_engagement_against_the_tier_benchmark() -> None:
    """5 % engagement for a nano creator (benchmark 2.71 %) is 185 % of the benchmark."""
    assert engagement_vs_benchmark(500, Tier.NANO) == 185
    assert engagement_vs_benchmark(None, Tier.NANO) is None
