"""Bounty rules: rewards, options and the bonus on sales."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.bounties import (
    BountyKind,
    Goal,
    InvalidBounty,
    Reward,
    bonus,
    check_bounty,
    parse_reward,
)


@pytest.mark.parametrize(
    ("typed", "reward"),
    [
        ("50", Reward(minor=5_000)),
        ("12,50", Reward(minor=1_250)),
        ("10%", Reward(bp=1_000)),
        ("2.5 %", Reward(bp=250)),
        ("100%", Reward(bp=10_000)),
    ],
)
def test_a_reward_is_an_amount_or_a_bonus(typed: str, reward: Reward) -> None:
    assert parse_reward(typed, "EUR") == reward


@pytest.mark.parametrize("typed", ["0", "0%", "101%", "-5", "ten", "%", "1.234%", "5.001"])
def test_a_bad_reward_is_refused(typed: str) -> None:
    with pytest.raises(InvalidBounty) as raised:
        parse_reward(typed, "EUR")
    assert raised.value.problem == "reward"


@pytest.mark.parametrize(
    ("kind", "winners", "goal", "problem"),
    [
        (BountyKind.SUBMISSION, 0, Goal(), "winners"),
        (BountyKind.PERFORMANCE, 3, Goal(), "no_goal"),
        (BountyKind.SUBMISSION, 3, Goal(orders=5), "goal_on_submission"),
        (BountyKind.PERFORMANCE, 3, Goal(orders=0), "goal_orders"),
    ],
)
def test_bad_options_are_named(kind: BountyKind, winners: int, goal: Goal, problem: str) -> None:
    with pytest.raises(InvalidBounty) as raised:
        check_bounty(title="A title", brief="A brief", kind=kind, max_winners=winners, goal=goal)
    assert raised.value.problem == problem


def test_title_and_brief_are_cleaned() -> None:
    assert check_bounty(
        title="  Post   a TikTok ",
        brief=" with #brand \n",
        kind=BountyKind.SUBMISSION,
        max_winners=1,
        goal=Goal(),
    ) == ("Post a TikTok", "with #brand")


@given(sales=st.integers(min_value=0, max_value=10**12), bp=st.integers(1, 10_000))
def test_the_bonus_is_the_share_rounded_half_up(sales: int, bp: int) -> None:
    exact = Decimal(sales) * bp / 10_000
    paid = bonus(sales, bp)
    assert 0 <= paid <= sales
    assert Decimal(paid) - Decimal("0.5") <= exact < Decimal(paid) + Decimal("0.5")


@given(percent=st.decimals(min_value="0.01", max_value="100", places=2))
def test_any_percentage_with_two_decimals_reads_back(percent: Decimal) -> None:
    assert parse_reward(f"{percent}%", "EUR") == Reward(bp=int(percent * 100))
