"""Tiers, engagement flags, application input, codes and slugs."""

from __future__ import annotations

import random

import pytest

from bot.domain.applications import (
    InvalidApplication,
    Status,
    can_decide,
    parse_engagement,
    validate_application,
)
from bot.domain.codes import (
    CODE_ALPHABET,
    SLUG_ALPHABET,
    code_candidates,
    is_blocked,
    new_slug,
    normalise_code,
    source_slug,
    vanity_base,
)
from bot.domain.tiers import Tier, check_engagement, tier_for


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (0, Tier.NANO),
        (9_999, Tier.NANO),
        (10_000, Tier.MICRO),
        (99_999, Tier.MICRO),
        (100_000, Tier.MACRO),
        (999_999, Tier.MACRO),
        (1_000_000, Tier.MEGA),
    ],
)
def test_tier_boundaries(followers: int, tier: Tier) -> None:
    """Tiers change exactly at 10k, 100k and 1M followers."""
    assert tier_for(followers) is tier


def test_tier_thresholds_configurable() -> None:
    """A server can move the boundaries."""
    assert tier_for(6_000, (5_000, 50_000, 500_000)) is Tier.MICRO


def test_engagement_flags() -> None:
    """Far below the benchmark or implausibly high is flagged; normal is not."""
    assert check_engagement(300, Tier.NANO).flags == ()
    assert check_engagement(50, Tier.NANO).flags == ("low_engagement",)
    assert check_engagement(4000, Tier.MICRO).flags == ("implausible_engagement",)
    assert check_engagement(None, Tier.MEGA).flags == ()
    assert check_engagement(181, Tier.MICRO).ratio == pytest.approx(1.0)


def test_engagement_parsing() -> None:
    """Percent text in either decimal style becomes basis points."""
    assert parse_engagement("3.2") == 320
    assert parse_engagement("3,2%") == 320
    assert parse_engagement(None) is None
    with pytest.raises(InvalidApplication):
        parse_engagement("lots")


def _valid(**overrides: object) -> dict:
    base = {
        "platform": "instagram",
        "handle": "@anna.bakes",
        "followers": 8200,
        "niche": "vegan baking",
    }
    base.update(overrides)
    return base


def test_valid_application_is_normalised() -> None:
    """The @ is dropped and whitespace folded."""
    data = validate_application(**_valid(niche="  vegan   baking "))
    assert (data.handle, data.niche) == ("anna.bakes", "vegan baking")


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("handle", {"handle": "@everyone here"}),
        ("handle", {"handle": "**bold**"}),
        ("handle", {"platform": "x", "handle": "a_very_long_handle_for_x"}),
        ("followers", {"followers": -1}),
        ("niche", {"niche": "<@&123>"}),
        ("profile_url", {"profile_url": "http://instagram.com/anna"}),
        ("profile_url", {"profile_url": "https://evil.example/anna"}),
        ("email", {"email": "not-an-email"}),
        ("platform", {"platform": "myspace"}),
    ],
)
def test_invalid_application_names_the_field(field: str, overrides: dict) -> None:
    """Each bad option is refused with its name."""
    with pytest.raises(InvalidApplication) as caught:
        validate_application(**_valid(**overrides))
    assert caught.value.field == field


def test_profile_url_on_platform_subdomain() -> None:
    """www. and other subdomains of the platform are fine."""
    data = validate_application(**_valid(profile_url="https://www.instagram.com/anna.bakes"))
    assert data.profile_url == "https://www.instagram.com/anna.bakes"


def test_state_machine() -> None:
    """Only pending applications can be decided."""
    assert can_decide(Status.OPEN) and can_decide(Status.INFO_REQUESTED)
    assert not can_decide(Status.APPROVED) and not can_decide(Status.REJECTED)


def test_vanity_code_from_handle() -> None:
    """The first candidate is the handle plus the discount, upper case A–Z0–9."""
    assert next(code_candidates("@anna.bakes", 15, random.Random(1))) == "ANNABAKES15"
    assert vanity_base("Zoë_Bäcker") == "ZOEBACKER"


def test_blocklist_catches_digit_spellings() -> None:
    """Offensive words are refused, also written with digits; innocent names pass."""
    assert is_blocked("SHIT15") and is_blocked("5H1T15")
    assert not is_blocked("CASSIE15") and not is_blocked("ANNA15")


def test_blocked_handle_gets_a_random_code() -> None:
    """A handle that is a blocked word never becomes a code."""
    first = next(code_candidates("fuck", 10, random.Random(2)))
    assert "FUCK" not in first and first.endswith("10")


def test_ten_thousand_codes_are_unique() -> None:
    """Drawing until free gives 10 000 distinct codes even when everyone is called Anna."""
    rng = random.Random(7)
    taken: set[str] = set()
    for _ in range(10_000):
        for candidate in code_candidates("anna", 15, rng):
            key = normalise_code(candidate)
            if key not in taken:
                taken.add(key)
                break
    assert len(taken) == 10_000
    assert all(not is_blocked(code) for code in taken)


def test_random_parts_avoid_lookalikes() -> None:
    """No 0/O, 1/I/L, 5/S, 2/Z or 8/B in random parts and slugs."""
    for confusable in "0O1IL5S2Z8B":
        assert confusable not in CODE_ALPHABET
        assert confusable.lower() not in SLUG_ALPHABET
    slug = new_slug(random.Random(3))
    assert len(slug) == 7 and set(slug) <= set(SLUG_ALPHABET)


def test_source_slug() -> None:
    """utm_source is a lower-case dashed form of the handle."""
    assert source_slug("Anna.Bakes_NL") == "anna-bakes-nl"
    assert source_slug("___") == "creator"
