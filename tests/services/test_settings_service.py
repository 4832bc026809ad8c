"""SettingsService: stored, audited, cached, all-or-nothing."""

from __future__ import annotations

import pytest

from bot.errors import InvalidSetting
from bot.registry import Services


async def test_defaults_without_setup(services: Services) -> None:
    """A server that never ran /setup gets the product defaults."""
    settings = await services.settings.get(42)
    assert (settings.timezone, settings.currency, settings.commission_rate_bp) == (
        "UTC",
        "EUR",
        1000,
    )
    assert settings.payout_threshold_minor == 5000
    assert settings.summary_cron == "0 9 * * mon"


async def test_update_persists_and_audits(services: Services) -> None:
    """A change is stored, survives a cache reset, and is written to the audit log."""
    _, changed = await services.settings.update(
        42, 7, {"timezone": "Europe/Amsterdam", "hold_days": 0}
    )
    assert changed == {"timezone": "Europe/Amsterdam", "hold_days": 0}
    services.settings._cache.clear()
    stored = await services.settings.get(42)
    assert (stored.timezone, stored.hold_days) == ("Europe/Amsterdam", 0)
    entries = await services.audit.recent(services.db, 42)
    assert [(e.actor_id, e.action, e.detail) for e in entries] == [
        (7, "settings.update", {"hold_days": 0, "timezone": "Europe/Amsterdam"})
    ]


async def test_invalid_update_changes_nothing(services: Services) -> None:
    """A bad value leaves the stored settings and the audit log untouched."""
    await services.settings.update(42, 7, {"currency": "usd"})
    with pytest.raises(InvalidSetting):
        await services.settings.update(42, 7, {"currency": "EUR", "summary_cron": "every monday"})
    services.settings._cache.clear()
    assert (await services.settings.get(42)).currency == "USD"
    assert len(await services.audit.recent(services.db, 42)) == 1


async def test_listeners_hear_changes(services: Services) -> None:
    """Listeners are told about committed changes only."""
    heard: list[str] = []

    async def listener(settings):  # type: ignore[no-untyped-def]
        heard.append(settings.timezone)

    services.settings.on_change(listener)
    await services.settings.update(1, 7, {"timezone": "Asia/Tokyo"})
    await services.settings.update(1, 7, {"timezone": "Asia/Tokyo"})
    assert heard == ["Asia/Tokyo"]
