"""Benchmark: a performance bounty decided by the sweep over a large program.

    python bench/bounties.py            # 2 000 creators, 30 orders each, 500 winners
    python bench/bounties.py --short    # 200 creators, 30 orders each, 50 winners

Seeds a temporary SQLite file (migrated by the real migration runner) with one server and
its active creators, creates "the first N to reach 20 orders" through the real service (a
10 % bonus on their sales), then writes every creator's orders inside the bounty's period,
each creator reaching the goal at a different moment. Then:

(a) a sweep half-way through decides the first half of the winners, and one at the end the
    rest (each a place, a commission row later and an audit entry). Bars: exactly N winners,
    and they are the N earliest to reach the goal (computed here from the orders); the two
    deciding sweeps together fit well inside the sweep interval (< 10 s).
(b) a sweep half-way with nothing new to decide still reads every creator's standing (places
    are left). Bar: it costs no more than one ``/report`` of the month over the same orders
    (the baseline, measured in the same run).
(c) an hour after the end the bonuses are paid. Bars: one commission per winner, each 10 %
    of that winner's sales in the period; a further sweep pays nobody twice.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bulk import verdict

from bot.app import open_services
from bot.clock import FrozenClock, to_epoch
from bot.config import load_settings

GUILD, MANAGER = 1, 9
GOAL = 20
FIRST_SWEEP_BAR = 10.0


def _when(start: int, creator: int, order: int) -> int:
    """The moment of a creator's ``order``-th order: creators interleave, so each reaches
    the goal at its own second."""
    return start + 600 + order * 50_000 + (creator * 7_919) % 49_000


async def main(creators: int, orders: int, winners: int) -> bool:
    folder = Path(tempfile.mkdtemp())
    clock = FrozenClock(datetime(2026, 11, 2, 9, tzinfo=UTC))
    config = load_settings(
        CREATORBOT_DATABASE_URL=f"sqlite:///{folder / 'bounties.db'}", CREATORBOT_HTTP_PORT=0
    )
    services = await open_services(config, clock)
    now = to_epoch(clock.now())
    async with services.db.transaction() as tx:
        await tx.execute_many(
            """INSERT INTO creators (guild_id, user_id, source_slug, platform, followers, tier,
                                     status, approved_at, status_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (GUILD, 10_000 + n, f"s{n}", "tiktok", 100, "nano", "active", now, now, now)
                for n in range(creators)
            ],
        )
    bounty, _job = await services.bounties.create(
        GUILD,
        MANAGER,
        title=f"First {winners} to {GOAL} orders",
        brief="Reach the goal with your link or code.",
        kind="performance",
        reward="10%",
        ends="28d",
        segment="all",
        max_winners=winners,
        goal_orders=GOAL,
    )
    ids = [r["id"] for r in await services.db.fetch_all("SELECT id FROM creators ORDER BY id")]
    start = to_epoch(bounty.starts_at)
    rows = [
        (GUILD, f"o{cid}-{k}", 1_000 + cid % 10, cid, _when(start, cid, k), now)
        for cid in ids
        for k in range(orders)
    ]
    async with services.db.transaction() as tx:
        await tx.execute_many(
            """INSERT INTO conversions (guild_id, source, order_id, kind, status, currency,
                   net_minor, creator_id, attribution, attribution_reason, occurred_at,
                   created_at)
               VALUES (?, 'csv', ?, 'sale', 'active', 'EUR', ?, ?, 'code', 'bench', ?, ?)""",
            rows,
        )
    reached = sorted((_when(start, cid, GOAL - 1), cid) for cid in ids)
    expected = [cid for _, cid in reached[:winners]]

    # Half-way: the sweep decides the first half; a second sweep at the same moment still
    # reads everyone's standing (places are left) and has nothing to decide.
    clock.set(datetime.fromtimestamp(reached[winners // 2][0], UTC))
    started = time.perf_counter()
    written = await services.bounties.sweep()
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = await services.bounties.sweep()
    second = time.perf_counter() - started
    started = time.perf_counter()
    await services.reports.report(GUILD, "month")
    baseline = time.perf_counter() - started
    clock.set(bounty.ends_at - timedelta(minutes=5))
    started = time.perf_counter()
    written += await services.bounties.sweep()
    first += time.perf_counter() - started
    decided = [w.creator_id for w in await services.bounties.winners(bounty)]

    clock.set(bounty.settles_at() + timedelta(seconds=1))
    await services.bounties.sweep()
    await services.bounties.sweep()
    paid = {
        r[0]: r[1]
        for r in await services.db.fetch_all(
            "SELECT creator_id, amount_minor FROM commissions WHERE kind = 'bounty'"
        )
    }
    count = await services.db.fetch_val("SELECT count(*) FROM commissions WHERE kind = 'bounty'")
    sales = {cid: orders * (1_000 + cid % 10) for cid in expected}
    await services.db.close()

    print(
        f"{creators} creators, {len(rows)} orders, goal {GOAL} orders, {winners} places: "
        f"deciding sweeps {written} winners in {first:.2f} s; a sweep with nothing new {again} "
        f"in {second * 1000:.1f} ms; /report of the month {baseline * 1000:.1f} ms "
        f"(ratio {second / baseline:.2f})"
    )
    results = [
        verdict(written == winners == len(decided), f"exactly {winners} winners ({written})"),
        verdict(decided == expected, "the winners are the earliest to reach the goal, in order"),
        verdict(
            first < FIRST_SWEEP_BAR, f"deciding sweeps {first:.2f} s < {FIRST_SWEEP_BAR:.0f} s"
        ),
        verdict(again == 0, f"a sweep with nothing new decides nothing ({again})"),
        verdict(
            second <= baseline,
            f"a sweep with nothing to decide {second / baseline:.2f}× a /report (bar 1.0×)",
        ),
        verdict(
            count == winners and paid == {c: round(s / 10) for c, s in sales.items()},
            f"one 10 % bonus per winner ({count} commissions)",
        ),
    ]
    return all(line.startswith("PASS") for line in results)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--short", action="store_true", help="the CI variant")
    args = parser.parse_args()
    size = (200, 30, 50) if args.short else (2_000, 30, 500)
    sys.exit(0 if asyncio.run(main(*size)) else 1)
