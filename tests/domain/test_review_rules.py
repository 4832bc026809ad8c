"""Auto-review rules: which rule decides an application, and the /setup parsers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.applications import Platform
from bot.domain.review_rules import (
    ReviewRules,
    Rule,
    Verdict,
    decide,
    parse_follower_minimum,
    parse_follower_range,
    parse_platforms,
    parse_ratio,
    parse_switch,
    undo_deadline,
)
from bot.domain.tiers import Tier, check_engagement
from bot.errors import InvalidSetting

NANO_BENCHMARK_BP = 271


def _decide(rules: ReviewRules, followers: int = 8000, rate_bp: int | None = 400, **kw):  # type: ignore[no-untyped-def]
    platform = kw.get("platform", Platform.INSTAGRAM)
    return decide(
        rules,
        followers=followers,
        platform=platform,
        engagement=check_engagement(rate_bp, Tier.NANO),
    )


def test_no_rules_decide_nothing() -> None:
    """Without rules every application waits for a manager."""
    assert _decide(ReviewRules()) is None


def test_follower_range_approves_inside_only() -> None:
    """Inside the follower range: approved by the rule; outside: left to a manager."""
    rules = ReviewRules(approve_min_followers=1000, approve_max_followers=9000)
    decision = _decide(rules, followers=8000)
    assert decision is not None
    assert (decision.verdict, decision.rule) == (Verdict.APPROVE, Rule.APPROVE_MATCH)
    assert _decide(rules, followers=9001) is None
    assert _decide(rules, followers=999) is None


def test_engagement_ratio_must_reach_the_multiple() -> None:
    """Engagement at least X × the tier benchmark approves; below, or not given, does not."""
    rules = ReviewRules(approve_min_ratio=1.5)
    assert _decide(rules, rate_bp=round(NANO_BENCHMARK_BP * 1.5) + 1) is not None
    assert _decide(rules, rate_bp=NANO_BENCHMARK_BP) is None
    assert _decide(rules, rate_bp=None) is None


def test_platform_list_limits_approval() -> None:
    """Only a platform in the list is auto-approved."""
    rules = ReviewRules(approve_platforms=(Platform.TIKTOK,))
    assert _decide(rules, platform=Platform.TIKTOK) is not None
    assert _decide(rules, platform=Platform.INSTAGRAM) is None


def test_all_set_conditions_must_hold() -> None:
    """Range, ratio and platform together: one failing condition leaves it to a manager."""
    rules = ReviewRules(1000, 9000, 1.0, (Platform.INSTAGRAM,))
    assert _decide(rules) is not None
    assert _decide(rules, platform=Platform.YOUTUBE) is None


def test_follower_minimum_rejects() -> None:
    """Below the follower minimum: rejected by that rule, even if approval would match."""
    rules = ReviewRules(approve_min_followers=0, reject_below_followers=1000)
    decision = _decide(rules, followers=500)
    assert decision is not None
    assert (decision.verdict, decision.rule) == (Verdict.REJECT, Rule.REJECT_FEW_FOLLOWERS)
    at_minimum = _decide(rules, followers=1000)
    assert at_minimum is not None and at_minimum.verdict is Verdict.APPROVE


def test_implausible_engagement_rejects_and_never_approves() -> None:
    """The implausible-engagement flag rejects when that rule is on, and blocks approval."""
    implausible = 5000  # 50 %
    on = _decide(ReviewRules(reject_implausible=True), rate_bp=implausible)
    assert on is not None and on.rule is Rule.REJECT_IMPLAUSIBLE
    assert _decide(ReviewRules(approve_min_followers=0), rate_bp=implausible) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000-50000", (1000, 50000)),
        ("1 000 - ", (1000, None)),
        ("-500", (None, 500)),
        ("off", (None, None)),
    ],
)
def test_parse_follower_range(text: str, expected: tuple[int | None, int | None]) -> None:
    """A range with either end open, or off."""
    assert parse_follower_range(text) == expected


@pytest.mark.parametrize("text", ["500", "9-1", "a-b", "-"])
def test_parse_follower_range_refuses_nonsense(text: str) -> None:
    """No dash, a reversed range or words are refused with the option named."""
    with pytest.raises(InvalidSetting) as caught:
        parse_follower_range(text)
    assert caught.value.option == "auto_approve_followers"


def test_parse_ratio_and_platforms() -> None:
    """A ratio as 1,5 or 1.5x; platforms by name; bad values refused."""
    assert parse_ratio("1,5") == 1.5 and parse_ratio("2x") == 2.0 and parse_ratio("off") is None
    assert parse_platforms("TikTok, instagram, tiktok") == (Platform.TIKTOK, Platform.INSTAGRAM)
    with pytest.raises(InvalidSetting):
        parse_ratio("0")
    with pytest.raises(InvalidSetting):
        parse_platforms("myspace")


def test_parse_follower_minimum_and_switch() -> None:
    """A follower minimum as a whole number or off; a switch as true/false or on/off."""
    assert parse_follower_minimum("1 000") == 1000
    assert parse_follower_minimum("off") is None and parse_follower_minimum("0") is None
    with pytest.raises(InvalidSetting) as caught:
        parse_follower_minimum("many")
    assert caught.value.option == "auto_reject_below_followers"
    assert parse_switch(True, "x") is True and parse_switch("off", "x") is False
    with pytest.raises(InvalidSetting):
        parse_switch("maybe", "auto_reject_implausible")


def test_undo_window_is_a_day() -> None:
    """A rule's rejection may be re-opened for 24 hours after it was made."""
    decided = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert undo_deadline(decided) == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
