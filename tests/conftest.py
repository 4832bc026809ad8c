"""Shared fixtures: a frozen clock, a migrated SQLite file, the service set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Services, open_services
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.db.connection import Database
from bot.db.migrate import migrate

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's environment or a creatorbot.toml by accident."""
    import os

    for name in list(os.environ):
        if name.startswith(("CREATORBOT_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CREATORBOT_CONFIG", str(tmp_path / "absent.toml"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def db(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Database]:
    database = await Database(str(tmp_path / "test.db")).connect()
    await migrate(database, clock)
    yield database
    await database.close()


@pytest.fixture
async def services(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Services]:
    config = load_settings(
        CREATORBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'services.db'}",
        CREATORBOT_HTTP_PORT=0,
    )
    built = await open_services(config, clock)
    yield built
    await built.db.close()
