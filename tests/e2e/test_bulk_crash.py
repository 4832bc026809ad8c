"""A bulk approval of 50 survives a SIGKILL half-way: `python -m bot run` as a real process,
killed after ~20 welcome DMs and started again on the same database."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_services
from bot.config import load_settings
from emulators.discord import DiscordEmulator

pytestmark = pytest.mark.timeout(90)

MANAGE_GUILD = 1 << 5
APPLICANTS = 50


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until(condition: Callable[[], bool | Awaitable[bool]], what: str, within: float) -> None:
    """Poll ``condition`` (every 20 ms) until it holds; fail naming ``what`` after ``within``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def _seed(database: Path, guild: Any, review: Any, role: Any, users: list[Any]) -> None:
    """The program's settings and 50 waiting applications, written through the services."""
    config = load_settings(CREATORBOT_DATABASE_URL=f"sqlite:///{database}", CREATORBOT_HTTP_PORT=0)
    services = await open_services(config)
    try:
        await services.settings.update(
            guild.id,
            guild.owner_id,
            {
                "review_channel": review.id,
                "shop_url": "https://shop.example.com",
                "creator_role": role.id,
            },
        )
        for i, user in enumerate(users):
            await services.onboarding.apply(
                guild.id,
                user.id,
                platform="instagram",
                handle=f"maker{i}",
                followers=8200,
                niche="vegan baking",
                engagement_rate="3",
            )
    finally:
        await services.db.close()


def _query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


def bot_env(emu: DiscordEmulator, database: Path, folder: Path) -> dict[str, str]:
    """The environment of a `python -m bot run` against ``emu`` on ``database``."""
    return {
        **os.environ,
        "DISCORD_TOKEN": emu.token,
        "DISCORD_API_BASE": emu.api_base,
        "DISCORD_GATEWAY_URL": emu.gateway_url,
        "CREATORBOT_DATABASE_URL": f"sqlite:///{database}",
        "CREATORBOT_HTTP_PORT": str(_free_port()),
        "CREATORBOT_CONFIG": str(folder / "none.toml"),
        "CREATORBOT_SWEEP_SECONDS": "1",
    }


async def _start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_sigkill_half_way_approves_each_once_with_one_dm(tmp_path: Path) -> None:
    """SIGKILL after ~20 DMs, restart: 50 approved once each, one welcome DM each, job done."""
    async with DiscordEmulator() as emu:
        owner = emu.create_user("brand-owner")
        guild = emu.create_guild("Brand HQ", owner)
        role = guild.create_role("Creators")
        review = guild.create_text_channel("creator-review")
        manager = emu.create_user("mia-manager")
        guild.add_member(manager, roles=[], permissions=MANAGE_GUILD)
        users = [emu.create_user(f"maker{i}") for i in range(APPLICANTS)]
        for user in users:
            guild.add_member(user)
        database = tmp_path / "crash.db"
        await _seed(database, guild, review, role, users)
        env = bot_env(emu, database, tmp_path)
        welcomed = lambda: sum(len(emu.dms(u.id)) for u in users)  # noqa: E731

        process = await _start(env)
        try:
            await emu.wait_until_connected(timeout=20)
            await _until(
                lambda: "applications" in {c["name"] for c in emu.commands()},
                "the commands to be registered",
                20,
            )
            it = await emu.invoke(manager.id, "applications", guild_id=guild.id)
            await it.wait_response()
            ask = await emu.click(it.message, label="Approve all matching (50)", user_id=manager.id)
            await ask.wait_response()
            go = await emu.click(it.message, label="Yes, approve 50", user_id=manager.id)
            await go.wait_response()
            await _until(lambda: welcomed() >= 20, "20 welcome DMs", 20)
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert process.returncode == -signal.SIGKILL
        killed_at = welcomed()
        assert killed_at < APPLICANTS, "the job finished before the kill"

        process = await _start(env)
        try:
            await _until(
                lambda: _query(database, "SELECT state FROM jobs") == [("finished",)],
                "the resumed job to finish",
                30,
            )
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 0, stderr.decode()[-2000:]

        statuses = _query(database, "SELECT status, count(*) FROM applications GROUP BY status")
        assert statuses == [("approved", APPLICANTS)]
        approvals = _query(
            database,
            "SELECT count(*), count(DISTINCT subject) FROM audit_log"
            " WHERE action = 'application.approve'",
        )
        assert approvals == [(APPLICANTS, APPLICANTS)]
        assert _query(database, "SELECT count(*) FROM creators") == [(APPLICANTS,)]
        assert [len(emu.dms(u.id)) for u in users] == [1] * APPLICANTS
        done = _query(database, "SELECT json_extract(counts, '$.done'), total FROM jobs")
        assert done == [(APPLICANTS, APPLICANTS)]
        assert "reply" not in _query(database, "SELECT params FROM jobs")[0][0]
        assert emu.rate_limited["global"] == 0
