"""Which level a creator holds: thresholds, the best level reached, demotion on or off."""

from __future__ import annotations

import pytest

from bot.domain.levels import (
    CreatorStanding,
    Direction,
    InvalidLevel,
    Level,
    LevelBasis,
    Standing,
    choose_level,
    decide_changes,
    parse_basis,
    parse_threshold,
)

BRONZE = Level(1, 7, "Bronze", LevelBasis.REVENUE_30, 10_000, 1000, None, None)
SILVER = Level(2, 7, "Silver", LevelBasis.REVENUE_30, 50_000, 1200, 200, None)
GOLD = Level(3, 7, "Gold", LevelBasis.ORDERS_30, 20, 1500, 300, None)
LEVELS = (BRONZE, SILVER, GOLD)


def test_no_level_below_the_lowest_threshold() -> None:
    """A creator under every threshold holds no level."""
    assert choose_level(LEVELS, Standing(revenue30=9_999), None, demote=False) is None


def test_threshold_is_reached_at_exactly_its_value() -> None:
    """Reaching the threshold exactly is enough."""
    assert choose_level(LEVELS, Standing(revenue30=10_000), None, demote=False) == BRONZE


def test_highest_level_reached_wins() -> None:
    """Of several levels reached, the one with the highest rate is held."""
    standing = Standing(revenue30=60_000, orders30=25)
    assert choose_level(LEVELS, standing, None, demote=False) == GOLD
    assert choose_level(LEVELS, Standing(revenue30=60_000), None, demote=False) == SILVER


def test_all_time_basis_counts_older_sales() -> None:
    """An all-time level looks at all-time figures, not the last 30 days."""
    lifetime = Level(4, 7, "Legend", LevelBasis.REVENUE_ALL, 100_000, 2000, None, None)
    standing = Standing(revenue30=0, revenue_all=100_000)
    assert choose_level((*LEVELS, lifetime), standing, None, demote=False) == lifetime


def test_without_demotion_a_creator_keeps_their_level() -> None:
    """Falling below the threshold keeps the level when the server does not demote."""
    assert choose_level(LEVELS, Standing(revenue30=0), SILVER, demote=False) == SILVER


def test_with_demotion_a_creator_drops_to_the_level_still_reached() -> None:
    """With demotion on, a creator drops to the best level still reached, or none."""
    assert choose_level(LEVELS, Standing(revenue30=20_000), SILVER, demote=True) == BRONZE
    assert choose_level(LEVELS, Standing(revenue30=0), SILVER, demote=True) is None


def test_decide_changes_only_for_creators_whose_level_changes() -> None:
    """Only creators whose level differs get a change, numbered with their next epoch."""
    creators = [
        CreatorStanding(10, 7, None, 0, Standing(revenue30=60_000)),  # promoted to Silver
        CreatorStanding(11, 7, 2, 1, Standing(revenue30=60_000)),  # stays Silver
        CreatorStanding(12, 7, None, 0, Standing()),  # nothing
        CreatorStanding(13, 7, 2, 3, Standing()),  # below, demote off
    ]
    changes = decide_changes(LEVELS, creators, {})
    assert [(c.creator_id, c.to_level, c.epoch) for c in changes] == [(10, SILVER, 1)]
    assert changes[0].direction is Direction.UP


def test_decide_changes_demotes_when_the_server_chose_so() -> None:
    """A server that demotes moves a creator below their level down."""
    creators = [CreatorStanding(13, 7, 2, 3, Standing(revenue30=10_000))]
    (change,) = decide_changes(LEVELS, creators, {7: True})
    assert (change.from_level, change.to_level, change.epoch) == (SILVER, BRONZE, 4)
    assert change.direction is Direction.DOWN


def test_a_deleted_level_is_left_for_the_best_live_one() -> None:
    """A creator on a deleted level moves to what they reach now, even without demotion."""
    deleted = Level(2, 7, "Silver", LevelBasis.REVENUE_30, 50_000, 1200, 200, None, deleted=True)
    creators = [CreatorStanding(13, 7, 2, 1, Standing(revenue30=60_000))]
    (change,) = decide_changes((BRONZE, deleted, GOLD), creators, {})
    assert change.from_level == deleted and change.to_level == BRONZE


def test_levels_of_another_server_do_not_count() -> None:
    """A creator is only measured against their own server's levels."""
    creators = [CreatorStanding(10, 8, None, 0, Standing(revenue30=60_000))]
    assert decide_changes(LEVELS, creators, {}) == []


def test_thresholds_parse_as_money_or_counts() -> None:
    """Revenue thresholds are amounts in minor units; order thresholds are whole numbers."""
    assert parse_threshold("500", LevelBasis.REVENUE_30, "EUR") == 50_000
    assert parse_threshold("12,50", LevelBasis.REVENUE_ALL, "EUR") == 1250
    assert parse_threshold("20", LevelBasis.ORDERS_30, "EUR") == 20
    with pytest.raises(InvalidLevel):
        parse_threshold("2.5", LevelBasis.ORDERS_30, "EUR")
    with pytest.raises(InvalidLevel):
        parse_basis("weekly")
