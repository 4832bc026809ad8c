"""End-to-end fixtures: the real bot against the local Discord emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord


@pytest.fixture
async def discord_world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    world = LocalDiscord(tmp_path / "e2e.db", clock=clock)
    await world.start()
    try:
        yield world
    finally:
        await world.stop()
