"""Benchmark: ``/creators`` pages, its CSV and ``/leaderboard`` on a large program.

    python bench/roster.py [--creators 5000] [--clicks 300000] [--conversions 30000]

Seeds a temporary SQLite file with the seeding of ``bench/summary.py`` (one server, the
creators, clicks and orders over eight weeks), then times, through the real
:class:`~bot.db.roster_repo.RosterRepository` on aiosqlite, page 3 of the roster for every
sort order and period, the whole filtered list (the CSV) and the leaderboard, counting the
queries each runs (one: no query per creator). PASS when every call takes under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.summary import GUILD, NOW, RecordingReader, _migrate, seed  # noqa: E402
from bot.db.connection import Database  # noqa: E402
from bot.db.roster_repo import RosterRepository  # noqa: E402
from bot.domain.roster import LeaderboardMetric, RosterFilter, RosterSort  # noqa: E402

TIME_BAR_S = 1.0


async def measure(path: Path) -> bool:
    db = await Database(str(path)).connect()
    repo = RosterRepository()
    now = int(NOW.timestamp())
    starts = {"week": now - 2 * 86_400, "month": now - 24 * 86_400, "all": 0}
    ok = True
    try:
        for period, since in starts.items():
            calls = {
                f"page 3 by {sort.value}": (
                    lambda q, s=sort, p=period, f=since: repo.roster(
                        q,
                        GUILD,
                        RosterFilter(sort=s, period=p),
                        since=f,
                        until=now,
                        currency="EUR",
                        limit=10,
                        offset=20,
                    )
                )
                for sort in RosterSort
            }
            calls["csv (all rows)"] = lambda q, p=period, f=since: repo.roster(
                q, GUILD, RosterFilter(period=p), since=f, until=now, currency="EUR"
            )
            calls["leaderboard by clicks"] = lambda q, f=since: repo.leaderboard(
                q, GUILD, LeaderboardMetric.CLICKS, since=f, until=now, currency="EUR", limit=10
            )
            for name, call in calls.items():
                reader = RecordingReader(db)
                began = time.perf_counter()
                found = await call(reader)
                took = time.perf_counter() - began
                ok &= took < TIME_BAR_S
                print(
                    f"{period:5} {name:24} {took * 1000:7.0f} ms  {len(reader.queries)} query"
                    f"  {len(found.rows):5} rows of {found.total}"
                )
    finally:
        await db.close()
    print("PASS" if ok else f"FAIL: a call took {TIME_BAR_S} s or more")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=5_000)
    parser.add_argument("--clicks", type=int, default=300_000)
    parser.add_argument("--conversions", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.db"
        asyncio.run(_migrate(path))
        seed(path, args.creators, args.clicks, args.conversions)
        return 0 if asyncio.run(measure(path)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
