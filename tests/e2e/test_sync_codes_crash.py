"""`creatorbot sync-codes` survives a SIGKILL half-way: `python -m bot sync-codes` as a real
process against the local Shopify, slowed by its cost throttle, killed after ~15 codes and
run again on the same database: every code exists once in the shop."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_services
from bot.clock import SystemClock
from bot.config import load_settings
from emulators._base import LoopbackServer
from emulators.shopify import ShopifyStore, create_app

pytestmark = pytest.mark.timeout(90)

GUILD, MANAGER = 7001, 900
CREATORS = 60
KILL_AT = 15
TOKEN = "shpat_crash0123456789abcdef0123456789a"
CREATE, FIND = "discountCodeBasicCreate", "codeDiscountNodeByCode"
SYNCED = "SELECT count(*) FROM shop_codes WHERE state = 'synced'"


async def _until(condition: Callable[[], bool], what: str, within: float) -> None:
    """Poll ``condition`` (every 10 ms) until it holds; fail naming ``what`` after ``within``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def _seed(database: Path) -> list[str]:
    """The program's settings and 60 approved creators, through the services (no shop is
    connected here, so nothing reaches the store yet); their codes."""
    config = load_settings(CREATORBOT_DATABASE_URL=f"sqlite:///{database}", CREATORBOT_HTTP_PORT=0)
    services = await open_services(config)
    try:
        await services.settings.update(
            GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
        )
        for i in range(CREATORS):
            applied = await services.onboarding.apply(
                GUILD,
                5000 + i,
                platform="instagram",
                handle=f"baker{i:02d}",
                followers=8200,
                niche="baking",
            )
            await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
    finally:
        await services.db.close()
    return [row[0] for row in _query(database, "SELECT code FROM discount_codes ORDER BY id")]


def _query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


async def _sync_codes(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sync-codes",
        "--shop",
        "shopify",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def _table(stdout: str) -> dict[str, int]:
    """The outcome table `sync-codes` ends with: ``  created     45`` → {"created": 45}."""
    return {
        m["outcome"]: int(m["count"])
        for m in re.finditer(r"^  (?P<outcome>[a-z ]+?)\s+(?P<count>\d+)$", stdout, re.M)
    }


async def test_sigkill_half_way_then_a_rerun_creates_nothing_twice(tmp_path: Path) -> None:
    """SIGKILL after ~15 of 60 codes, run again: each code is in Shopify exactly once, 60
    rows synced, and the re-run says the rest were created and the first ones already there."""
    database = tmp_path / "sync.db"
    codes = await _seed(database)
    assert len(set(codes)) == CREATORS
    # A small bucket: 10 creates at once, then 4 a second (restored 40 points/s, cost 10).
    store = ShopifyStore(SystemClock(), token=TOKEN, maximum_available=100, restore_rate=40)
    async with LoopbackServer(create_app(store)) as shop:
        env = {
            **os.environ,
            "CREATORBOT_DATABASE_URL": f"sqlite:///{database}",
            "CREATORBOT_SHOPIFY_STORE": shop.base_url,
            "CREATORBOT_SHOPIFY_ADMIN_TOKEN": TOKEN,
            "CREATORBOT_CONFIG": str(tmp_path / "none.toml"),
        }
        process = await _sync_codes(env)
        try:
            await _until(lambda: len(store.discounts) >= KILL_AT, f"{KILL_AT} codes", 30)
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert process.returncode == -signal.SIGKILL
        in_store_at_kill = len(store.discounts)
        assert in_store_at_kill < CREATORS, "the sync finished before the kill"
        [(synced_at_kill,)] = _query(database, SYNCED)
        assert synced_at_kill <= in_store_at_kill

        process = await _sync_codes(env)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()[-2000:]

    held = Counter(d.code for d in store.discounts.values())
    assert held == Counter(codes), "each creator's code exactly once in Shopify"
    assert _query(
        database, "SELECT count(*), count(DISTINCT shop_id) FROM shop_codes WHERE state = 'synced'"
    ) == [(CREATORS, CREATORS)]
    table = _table(stdout.decode())
    assert table == {
        "created": CREATORS - synced_at_kill,
        "already there": synced_at_kill,
    }, stdout.decode()
    assert f"{CREATORS} creators, shops: shopify" in stdout.decode()
    # A create the kill cut off after the shop ran it was adopted by the re-run (found by
    # its code), never made twice; otherwise every code took exactly one create.
    adopted = store.calls[CREATE] - CREATORS
    assert adopted in (0, 1)
    assert store.calls[FIND] == adopted
