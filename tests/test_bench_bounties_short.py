"""bench/bounties.py --short passes its correctness bars (counted from the database)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(90)
def test_short_bounties_bench_passes_every_bar() -> None:
    """200 creators racing for 50 places: exactly the 50 earliest win, a sweep with nothing
    new decides nothing, each winner's bonus is paid once. (The time bars are the bench's
    figures, not asserted here.)"""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bounties.py"), "--short"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=80,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    passed = [line for line in done.stdout.splitlines() if line.startswith("PASS")]
    for bar in (
        "exactly 50 winners (50)",
        "the winners are the earliest to reach the goal, in order",
        "a sweep with nothing new decides nothing (0)",
        "one 10 % bonus per winner (50 commissions)",
    ):
        assert any(bar in line for line in passed), (bar, done.stdout[-2000:])
