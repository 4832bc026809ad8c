"""Benchmark: the level sweep over a large program.

    python bench/levels.py [--creators 5000] [--orders 20]

Seeds a temporary SQLite file (migrated by the real migration runner) with one server,
``--creators`` active creators and ``--orders`` orders each spread over 60 days, creates
Bronze, Silver and Gold by 30-day revenue through the real service, then times the first
sweep (most creators promoted, each with its audit entry) and a second one (nothing to do).
The sweep reads every creator's standing in one query; it does not loop per creator.
Bar: the first sweep within 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.app import open_services
from bot.clock import FrozenClock, to_epoch
from bot.config import load_settings

GUILD, MANAGER = 1, 9
BAR_SECONDS = 5.0


async def main(creators: int, orders: int) -> None:
    folder = Path(tempfile.mkdtemp())
    clock = FrozenClock(datetime(2026, 11, 23, 10, tzinfo=UTC))
    config = load_settings(
        CREATORBOT_DATABASE_URL=f"sqlite:///{folder / 'levels.db'}", CREATORBOT_HTTP_PORT=0
    )
    services = await open_services(config, clock)
    now = to_epoch(clock.now())
    creator_rows = [
        (GUILD, 10_000 + n, f"s{n}", "tiktok", 100, "nano", "active", now, now, now)
        for n in range(creators)
    ]
    async with services.db.transaction() as tx:
        await tx.execute_many(
            """INSERT INTO creators (guild_id, user_id, source_slug, platform, followers, tier,
                                     status, approved_at, status_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            creator_rows,
        )
        ids = [r["id"] for r in await tx.fetch_all("SELECT id FROM creators ORDER BY id")]
        await tx.execute_many(
            """INSERT INTO conversions (guild_id, source, order_id, kind, status, net_minor,
                   creator_id, attribution, attribution_reason, occurred_at, created_at)
               VALUES (?, 'csv', ?, 'sale', 'active', ?, ?, 'code', 'bench', ?, ?)""",
            [
                (GUILD, f"o{cid}-{k}", 1_000 * (cid % 10), cid, now - k * 3 * 86_400, now)
                for cid in ids
                for k in range(orders)
            ],
        )
    for name, threshold, rate in (
        ("Bronze", "100", "10"),
        ("Silver", "500", "12"),
        ("Gold", "1000", "15"),
    ):
        await services.levels.create(
            GUILD, MANAGER, name=name, basis="revenue30", threshold=threshold, rate=rate
        )
    started = time.perf_counter()
    made = await services.levels.sweep()
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = await services.levels.sweep()
    second = time.perf_counter() - started
    print(
        f"{creators} creators, {creators * orders} orders: first sweep {len(made)} changes "
        f"in {first:.2f} s; second sweep {len(again)} changes in {second:.2f} s"
    )
    await services.db.close()
    # Bars: a sweep fits well inside the default 60-second sweep interval, and a second sweep
    # over the same standings changes nothing (each promotion is recorded once).
    print(f"{'PASS' if first < 30 else 'FAIL'}  first sweep under 30 s ({first:.2f} s)")
    print(f"{'PASS' if not again else 'FAIL'}  second sweep changes nothing ({len(again)})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=5_000)
    parser.add_argument("--orders", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.creators, args.orders))
