"""The parsing of every /setup option."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.settings import (
    GuildSettings,
    apply_changes,
    parse_amount,
    parse_commission_rate,
    parse_reminder_offsets,
    parse_summary_cron,
)
from bot.errors import InvalidSetting


@pytest.mark.parametrize(
    ("text", "bp"), [("10", 1000), ("12.5", 1250), ("12,5", 1250), ("0", 0), ("100%", 10000)]
)
def test_commission_rate_becomes_basis_points(text: str, bp: int) -> None:
    """Percentages in either decimal style become exact basis points."""
    assert parse_commission_rate(text) == bp


@pytest.mark.parametrize("text", ["101", "-1", "abc", "12.345", "nan", "inf"])
def test_bad_commission_rate_refused(text: str) -> None:
    """Out-of-range, over-precise or non-numeric rates are refused."""
    with pytest.raises(InvalidSetting) as caught:
        parse_commission_rate(text)
    assert caught.value.option == "commission_rate"


def test_amount_uses_currency_minor_units() -> None:
    """50 EUR is 5000 cents; 50 JPY is 50 yen; a fraction of a yen is refused."""
    assert parse_amount("50", "EUR") == 5000
    assert parse_amount("50,5", "EUR") == 5050
    assert parse_amount("50", "JPY") == 50
    with pytest.raises(InvalidSetting):
        parse_amount("50.5", "JPY")


def test_cron_weekday_numbers_follow_crontab() -> None:
    """`0 9 * * 1` means Monday as in crontab, not Tuesday as in APScheduler's numbering."""
    _, trigger = parse_summary_cron("0 9 * * 1", "Europe/Amsterdam")
    sunday = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, sunday)
    assert fire.weekday() == 0 and fire.hour == 9
    assert fire.utcoffset() == timedelta(hours=1)


def test_cron_sunday_as_zero_and_seven() -> None:
    """Both 0 and 7 are Sunday."""
    for text in ("0 9 * * 0", "0 9 * * 7"):
        _, trigger = parse_summary_cron(text, "UTC")
        fire = trigger.get_next_fire_time(None, datetime(2026, 11, 23, tzinfo=UTC))
        assert fire.weekday() == 6


@pytest.mark.parametrize("text", ["0 9 * *", "61 9 * * mon", "0 25 * * *", "0 9 * * 8", "bogus"])
def test_bad_cron_refused(text: str) -> None:
    """A crontab must have five valid fields."""
    with pytest.raises(InvalidSetting):
        parse_summary_cron(text, "UTC")


def test_offsets_sorted_and_normalised() -> None:
    """Offsets come back longest first without duplicates."""
    text, offsets = parse_reminder_offsets(" 2h,7d, 1d,2d,48h")
    assert text == "7d,2d,1d,2h"
    assert offsets == [timedelta(days=7), timedelta(days=2), timedelta(days=1), timedelta(hours=2)]


@pytest.mark.parametrize("text", ["", "0d", "7x", "d", "9999d"])
def test_bad_offsets_refused(text: str) -> None:
    """Empty, zero, unknown units and absurd offsets are refused."""
    with pytest.raises(InvalidSetting):
        parse_reminder_offsets(text)


def test_apply_changes_is_all_or_nothing() -> None:
    """One bad option means the whole call is refused."""
    current = GuildSettings(guild_id=1)
    with pytest.raises(InvalidSetting) as caught:
        apply_changes(current, {"commission_rate": "15", "timezone": "Mars/Olympus"})
    assert caught.value.option == "timezone"
    assert current.commission_rate_bp == 1000


def test_new_timezone_rechecks_stored_cron() -> None:
    """Changing the timezone keeps the crontab and validates it in the new zone."""
    updated = apply_changes(GuildSettings(guild_id=1), {"timezone": "Europe/Amsterdam"})
    assert updated.timezone == "Europe/Amsterdam"
    assert updated.summary_cron == "0 9 * * mon"


def test_currency_change_rescales_threshold() -> None:
    """The threshold keeps its value in whole units when the currency's precision changes."""
    updated = apply_changes(GuildSettings(guild_id=1), {"currency": "jpy"})
    assert (updated.currency, updated.payout_threshold_minor) == ("JPY", 50)


def test_shop_domain_joins_destinations() -> None:
    """The shop's host is always an allowed destination."""
    updated = apply_changes(
        GuildSettings(guild_id=1),
        {"shop_url": "https://shop.example.com/collections", "allowed_domains": "Blog.Example.com"},
    )
    assert updated.destination_domains() == {"shop.example.com", "blog.example.com"}


@pytest.mark.parametrize(
    "url", ["http://shop.example.com", "https://", "ftp://x.com", "https://user:pw@x.com"]
)
def test_shop_url_must_be_https(url: str) -> None:
    """Only plain https URLs are accepted as the shop."""
    with pytest.raises(InvalidSetting):
        apply_changes(GuildSettings(guild_id=1), {"shop_url": url})


def test_bad_domain_refused() -> None:
    """A single-label or malformed host is not an allowed domain."""
    with pytest.raises(InvalidSetting) as caught:
        apply_changes(GuildSettings(guild_id=1), {"allowed_domains": "blog.example.com, localhost"})
    assert caught.value.reason == "domain"
