"""A gift offer to 50 survives a SIGKILL half-way: `python -m bot run` as a real process,
killed after ~20 offer DMs and started again on the same database."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_services
from bot.config import load_settings
from emulators.discord import DiscordEmulator
from tests.e2e.test_bulk_crash import MANAGE_GUILD, _query, _start, _until, bot_env

pytestmark = pytest.mark.timeout(90)

CREATORS = 50


async def _seed(database: Path, guild: Any, review: Any, users: list[Any]) -> None:
    """The program's settings and 50 approved creators, written through the services."""
    config = load_settings(CREATORBOT_DATABASE_URL=f"sqlite:///{database}", CREATORBOT_HTTP_PORT=0)
    services = await open_services(config)
    try:
        await services.settings.update(
            guild.id,
            guild.owner_id,
            {"review_channel": review.id, "shop_url": "https://shop.example.com"},
        )
        for i, user in enumerate(users):
            applied = await services.onboarding.apply(
                guild.id,
                user.id,
                platform="instagram",
                handle=f"maker{i}",
                followers=8200,
                niche="baking",
            )
            await services.onboarding.approve(guild.id, applied.application.id, guild.owner_id)
    finally:
        await services.db.close()


async def test_sigkill_half_way_offers_each_creator_once(tmp_path: Path) -> None:
    """SIGKILL after ~20 offer DMs, restart: every creator has exactly one offer DM with its
    buttons, and the job counts 50 done."""
    async with DiscordEmulator() as emu:
        owner = emu.create_user("brand-owner")
        guild = emu.create_guild("Brand HQ", owner)
        review = guild.create_text_channel("creator-review")
        manager = emu.create_user("mia-manager")
        guild.add_member(manager, roles=[], permissions=MANAGE_GUILD)
        users = [emu.create_user(f"maker{i}") for i in range(CREATORS)]
        for user in users:
            guild.add_member(user)
        database = tmp_path / "gifts.db"
        await _seed(database, guild, review, users)
        env = bot_env(emu, database, tmp_path)

        def offered() -> list[int]:
            return [sum(1 for m in emu.dms(u.id) if m.components) for u in users]

        deadline = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
        process = await _start(env)
        try:
            await emu.wait_until_connected(timeout=20)
            await _until(
                lambda: "gift" in {c["name"] for c in emu.commands()},
                "the commands to be registered",
                20,
            )
            it = await emu.invoke(
                manager.id,
                "gift create",
                {
                    "product": "Winter hoodie",
                    "variants": "S, M, L",
                    "cost": "24.95",
                    "quantity": 100,
                    "deadline": deadline,
                    "segment": "all",
                },
                guild_id=guild.id,
            )
            await it.wait_response()
            await _until(lambda: sum(offered()) >= 20, "20 offer DMs", 20)
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert process.returncode == -signal.SIGKILL
        assert sum(offered()) < CREATORS, "the job finished before the kill"

        process = await _start(env)
        try:
            await _until(
                lambda: _query(database, "SELECT state FROM jobs") == [("finished",)],
                "the resumed job to finish",
                30,
            )
        finally:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        assert offered() == [1] * CREATORS
        done = _query(database, "SELECT json_extract(counts, '$.done'), total FROM jobs")
        assert done == [(CREATORS, CREATORS)]
        assert _query(database, "SELECT count(*) FROM gift_claims") == [(CREATORS,)]
        assert emu.rate_limited["global"] == 0
