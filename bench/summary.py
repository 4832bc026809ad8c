"""Benchmark: the weekly summary data and the program report on a large program.

    python bench/summary.py [--creators 10000] [--clicks 1000000] [--conversions 100000]

Seeds a temporary SQLite file (migrated by the real migration runner) in a child process with
plain ``executemany`` inserts in one transaction: one server, ``--creators`` creators (a few
new in the last week, some paused, some with public earnings), one link each, ``--clicks``
clicks and ``--conversions`` orders spread over eight weeks with a long-tailed share per
creator, a commission and its ledger entries for every paid order (pending within the
30-day hold, approved or paid after it, reversed when cancelled), deliverables with reach and
likes, deliverable fees and gifted products.

Then, in this process, through the real services (aiosqlite, the same code the bot runs):

(a) the weekly summary data of the last full week for ALL creators — program totals, the
    seven day buckets, per-creator week numbers, every creator's ledger balances, new
    creators and deliverables due;
(b) the program report for ``week``, ``month`` and ``all``.

Each is timed (best of ``--repeat`` runs, wall clock) with its peak memory measured two ways:
``tracemalloc`` (the peak of Python allocations during the call) and ``ru_maxrss`` (the peak
resident set size of this process, which never seeded anything, after all the calls). It
prints the ``EXPLAIN QUERY PLAN`` of every query the two run, to show each reads an index
range, and PASS/FAIL against the bar: summary data within 3 s and 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GUILD = 1
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
WEEKS = 8
HOLD_DAYS = 30
RATE_BP = 1000
TIME_BAR_S = 3.0
MEMORY_BAR_MB = 300.0


# -- seeding (child process) ----------------------------------------------------------------


def _weights(rng: random.Random, n: int) -> list[float]:
    """A long tail: a few creators get most clicks and orders, most get a few."""
    return [1.0 / (1 + rank) ** 0.8 for rank in rng.sample(range(n), n)]


def seed(path: Path, creators: int, clicks: int, conversions: int) -> None:
    """Fill a migrated database at ``path``; everything in one transaction."""
    rng = random.Random(7)
    now = int(NOW.timestamp())
    start = now - WEEKS * 7 * 86_400
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    with conn:
        conn.execute(
            "INSERT INTO guild_settings (guild_id, announcements_channel_id, timezone, currency,"
            " created_at, updated_at) VALUES (?, 20, 'Europe/Amsterdam', 'EUR', ?, ?)",
            (GUILD, start - 86_400, start - 86_400),
        )
        conn.execute(
            "INSERT INTO campaigns (id, guild_id, name, slug, destination_url, is_default,"
            " created_at) VALUES (1, ?, 'Shop', 'shop', 'https://shop.example/', 1, ?)",
            (GUILD, start),
        )
        tiers = ((10_000, "nano"), (100_000, "micro"), (1_000_000, "macro"), (10**12, "mega"))
        creator_rows = []
        for n in range(1, creators + 1):
            followers = int(rng.lognormvariate(9, 1.4))
            tier = next(name for bound, name in tiers if followers < bound)
            approved = rng.randrange(start - 30 * 86_400, now)
            status = "paused" if rng.random() < 0.03 else "active"
            creator_rows.append(
                (
                    n,
                    GUILD,
                    100_000 + n,
                    f"creator{n}",
                    f"creator{n}",
                    "instagram",
                    followers,
                    tier,
                    "nl" if n % 4 == 0 else "en",
                    status,
                    int(rng.random() < 0.1),
                    approved,
                    approved,
                    approved,
                )
            )
        conn.executemany(
            "INSERT INTO creators (id, guild_id, user_id, handle, source_slug, platform,"
            " followers, tier, locale, status, public_earnings, approved_at, status_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            creator_rows,
        )
        conn.executemany(
            "INSERT INTO links (id, guild_id, creator_id, campaign_id, slug, created_at)"
            " VALUES (?, ?, ?, 1, ?, ?)",
            ((n, GUILD, n, f"l{n}", start) for n in range(1, creators + 1)),
        )
        ids = list(range(1, creators + 1))
        weights = _weights(rng, creators)
        picks = rng.choices(ids, weights, k=clicks)
        times = sorted(rng.randrange(start, now) for _ in range(clicks))
        conn.executemany(
            "INSERT INTO clicks (guild_id, link_id, creator_id, campaign_id, click_id,"
            " visitor_hash, is_unique, clicked_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
            (
                (
                    GUILD,
                    c,
                    c,
                    f"{t:x}{i:07x}",
                    f"{rng.getrandbits(64):016x}",
                    int(rng.random() < 0.7),
                    t,
                )
                for i, (c, t) in enumerate(zip(picks, times, strict=True))
            ),
        )
        picks = rng.choices(ids, weights, k=conversions)
        times = sorted(rng.randrange(start, now) for _ in range(conversions))
        conversion_rows, commission_rows, ledger_rows = [], [], []
        for i, (creator, occurred) in enumerate(zip(picks, times, strict=True), start=1):
            roll = rng.random()
            status = "test" if roll < 0.02 else "cancelled" if roll < 0.05 else "active"
            kind = "lead" if rng.random() < 0.03 else "sale"
            net = rng.randrange(1_000, 20_000) if kind == "sale" else 0
            refunded = net // 2 if status == "active" and rng.random() < 0.02 else 0
            refunded = net if status == "cancelled" else refunded
            conversion_rows.append(
                (
                    i,
                    GUILD,
                    "shopify",
                    f"o{i}",
                    kind,
                    status,
                    "EUR",
                    net,
                    refunded,
                    creator,
                    creator,
                    "code",
                    "code",
                    occurred,
                    occurred,
                )
            )
            if status == "test":
                continue
            amount = (net * RATE_BP + 5_000) // 10_000 if kind == "sale" else 500
            reversed_ = amount if status == "cancelled" else (refunded * RATE_BP) // 10_000
            matured = occurred + HOLD_DAYS * 86_400 <= now
            state = (
                "reversed"
                if status == "cancelled"
                else ("paid" if rng.random() < 0.5 else "approved")
                if matured
                else "pending"
            )
            commission_rows.append(
                (
                    i,
                    GUILD,
                    creator,
                    i,
                    kind,
                    "EUR",
                    amount,
                    reversed_,
                    state,
                    occurred + HOLD_DAYS * 86_400,
                    occurred,
                    occurred,
                )
            )
            ledger_rows.append((GUILD, creator, i, "pending", "accrual", amount, occurred))
            if reversed_:
                ledger_rows.append((GUILD, creator, i, "pending", "reverse", -reversed_, occurred))
                ledger_rows.append((GUILD, creator, i, "reversed", "reverse", reversed_, occurred))
            remaining = amount - reversed_
            if matured and remaining:
                at = occurred + HOLD_DAYS * 86_400
                ledger_rows.append((GUILD, creator, i, "pending", "mature", -remaining, at))
                ledger_rows.append((GUILD, creator, i, "approved", "mature", remaining, at))
                if state == "paid":
                    ledger_rows.append((GUILD, creator, i, "approved", "payout", -remaining, at))
                    ledger_rows.append((GUILD, creator, i, "paid", "payout", remaining, at))
        conn.executemany(
            "INSERT INTO conversions (id, guild_id, source, order_id, kind, status, currency,"
            " net_minor, refunded_minor, creator_id, link_id, attribution, attribution_reason,"
            " occurred_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            conversion_rows,
        )
        deliverable_rows = []
        for i in range(1, creators // 2 + 1):
            creator = rng.choice(ids)
            due = rng.randrange(start, now + 14 * 86_400)
            done = due < now
            reach = rng.randrange(500, 50_000) if done else None
            deliverable_rows.append(
                (
                    i,
                    GUILD,
                    creator,
                    "instagram",
                    "reel",
                    due,
                    2_500,
                    "EUR",
                    "approved" if done else "planned",
                    reach,
                    rng.randrange(0, reach // 20) if reach else None,
                    rng.randrange(0, reach // 200) if reach else None,
                    rng.randrange(0, reach // 400) if reach else None,
                    due if done else None,
                    due,
                    due,
                    due,
                )
            )
            if done and i % 3 == 0:
                commission_rows.append(
                    (None, GUILD, creator, None, "fee", "EUR", 2_500, 0, "approved", due, due, due)
                )
                ledger_rows.append((GUILD, creator, None, "approved", "accrual", 2_500, due))
        conn.executemany(
            "INSERT INTO deliverables (id, guild_id, creator_id, platform, kind, due_at,"
            " fee_minor, currency, status, reach, likes, comments, shares, submitted_at,"
            " due_set_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            deliverable_rows,
        )
        conn.executemany(
            "INSERT INTO commissions (conversion_id, guild_id, creator_id, deliverable_id, kind,"
            " currency, amount_minor, reversed_minor, state, approve_after, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            commission_rows,
        )
        conn.executemany(
            "INSERT INTO ledger_entries (guild_id, creator_id, commission_id, bucket, kind,"
            " amount_minor, currency, created_at) VALUES (?, ?, ?, ?, ?, ?, 'EUR', ?)",
            ledger_rows,
        )
        conn.executemany(
            "INSERT INTO gifts (guild_id, creator_id, description, cost_minor, currency,"
            " created_at) VALUES (?, ?, 'Sample box', ?, 'EUR', ?)",
            (
                (GUILD, rng.choice(ids), rng.randrange(1_000, 6_000), rng.randrange(start, now))
                for _ in range(creators // 10)
            ),
        )
    conn.close()


async def _migrate(path: Path) -> None:
    from bot.clock import FrozenClock
    from bot.db.connection import Database
    from bot.db.migrate import migrate

    db = await Database(str(path)).connect()
    try:
        await migrate(db, FrozenClock(NOW - timedelta(days=WEEKS * 7 + 1)))
    finally:
        await db.close()


def _seed_main(path: Path, creators: int, clicks: int, conversions: int) -> None:
    asyncio.run(_migrate(path))
    began = time.perf_counter()
    seed(path, creators, clicks, conversions)
    print(f"seeded in {time.perf_counter() - began:.1f} s", flush=True)


# -- measuring (this process) ---------------------------------------------------------------


class RecordingReader:
    """The read side of :class:`~bot.db.connection.Database`, remembering every query."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self.queries: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch_one(self, query: str, *args: Any) -> Any:
        self.queries.append((query, args))
        return await self._db.fetch_one(query, *args)

    async def fetch_all(self, query: str, *args: Any) -> Any:
        self.queries.append((query, args))
        return await self._db.fetch_all(query, *args)

    async def fetch_val(self, query: str, *args: Any) -> Any:
        self.queries.append((query, args))
        return await self._db.fetch_val(query, *args)


async def _timed(call: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, float, Any]:
    """(best wall seconds of ``repeat`` runs, tracemalloc peak MB of one more run, result)."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        began = time.perf_counter()
        result = await call()
        best = min(best, time.perf_counter() - began)
    tracemalloc.start()
    try:
        await call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return best, peak / 2**20, result


def _plans(path: Path, queries: list[tuple[str, tuple[Any, ...]]]) -> list[str]:
    conn = sqlite3.connect(path)
    lines: list[str] = []
    seen: set[str] = set()
    try:
        for query, args in queries:
            text = " ".join(query.split())
            if text in seen:
                continue
            seen.add(text)
            lines.append(f"  {text[:150]}{'…' if len(text) > 150 else ''}")
            for row in conn.execute(f"EXPLAIN QUERY PLAN {query}", args):
                lines.append(f"      {row[3]}")
    finally:
        conn.close()
    return lines


async def measure(path: Path, repeat: int) -> bool:
    from bot.app import open_services
    from bot.clock import FrozenClock
    from bot.config import load_settings
    from bot.db.reports_repo import ReportRepository
    from bot.db.summaries_repo import SummaryRepository
    from bot.domain.weeks import last_full_week
    from bot.services.reports import ReportService
    from bot.services.summaries import SummaryService

    clock = FrozenClock(NOW)
    services = await open_services(
        load_settings(CREATORBOT_DATABASE_URL=f"sqlite:///{path}"), clock
    )
    try:
        settings = await services.settings.get(GUILD)
        week = last_full_week(NOW, settings.timezone)

        async def summary() -> Any:
            return await services.summaries.compute(GUILD, week, key=week.key, kind="weekly")

        seconds, traced, data = await _timed(summary, repeat)
        rss_after_summary = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with_dm = len(data.recipients)
        print(
            f"(a) weekly summary data, week of {week.key} ({settings.timezone}, "
            f"{week.hours:g} h), all creators: {seconds:.3f} s (best of {repeat}); "
            f"peak Python allocations {traced:.1f} MB (tracemalloc); "
            f"peak RSS so far {rss_after_summary:.0f} MB (ru_maxrss)"
        )
        print(
            f"    {len(data.creators):,} creator rows ({with_dm:,} DMs), "
            f"{data.totals.clicks:,} clicks, {data.totals.unique_clicks:,} unique, "
            f"{data.totals.orders:,} orders, top {len(data.top)}, "
            f"{len(data.new_creators)} new, {data.deliverables_due_total} deliverables due"
        )
        report_seconds = {}
        for period in ("week", "month", "all"):

            async def report(period: str = period) -> Any:
                return await services.reports.report(GUILD, period)

            took, peak, result = await _timed(report, repeat)
            report_seconds[period] = took
            print(
                f"(b) program report '{period}': {took:.3f} s (best of {repeat}); "
                f"peak Python allocations {peak:.1f} MB (tracemalloc); "
                f"{len(result.creators):,} creators, {result.total.orders:,} orders"
            )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process after all runs: {rss:.0f} MB (ru_maxrss)")

        reader = RecordingReader(services.db)
        recorder = SummaryService(
            reader,  # type: ignore[arg-type]
            SummaryRepository(),
            ReportRepository(),
            services.settings,
            services.notifications,
            services.audit,
            services.schedule,
            clock,
        )
        await recorder.compute(GUILD, week, key=week.key, kind="weekly")
        print("\nquery plans, weekly summary data:")
        print("\n".join(_plans(path, reader.queries)))
        reader.queries.clear()
        await ReportService(reader, ReportRepository(), services.settings, clock).report(  # type: ignore[arg-type]
            GUILD, "all"
        )
        print("\nquery plans, program report:")
        print("\n".join(_plans(path, reader.queries)))
    finally:
        await services.db.close()

    print()
    checks = [
        (seconds <= TIME_BAR_S, f"summary data within {TIME_BAR_S:g} s: {seconds:.3f} s"),
        (
            max(traced, rss_after_summary) <= MEMORY_BAR_MB,
            f"summary data within {MEMORY_BAR_MB:g} MB: {traced:.1f} MB Python peak, "
            f"{rss_after_summary:.0f} MB process peak RSS",
        ),
        (
            max(report_seconds.values()) <= TIME_BAR_S,
            f"program report within {TIME_BAR_S:g} s: "
            + ", ".join(f"{k} {v:.3f} s" for k, v in report_seconds.items()),
        ),
    ]
    for ok, line in checks:
        print(("PASS " if ok else "FAIL ") + line)
    return all(ok for ok, _ in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creators", type=int, default=10_000)
    parser.add_argument("--clicks", type=int, default=1_000_000)
    parser.add_argument("--conversions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed-only", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only:
        _seed_main(Path(args.seed_only), args.creators, args.clicks, args.conversions)
        return 0
    with tempfile.TemporaryDirectory(prefix="creatorbot-bench-") as folder:
        path = Path(folder) / "summary.db"
        print(
            f"seeding {args.creators:,} creators, {args.clicks:,} clicks and "
            f"{args.conversions:,} conversions over {WEEKS} weeks into {path} …",
            flush=True,
        )
        # A child process seeds, so this process's peak RSS is the measurement's alone.
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--seed-only",
                str(path),
                "--creators",
                str(args.creators),
                "--clicks",
                str(args.clicks),
                "--conversions",
                str(args.conversions),
            ],
            check=True,
        )
        return 0 if asyncio.run(measure(path, args.repeat)) else 1


if __name__ == "__main__":
    sys.exit(main())
