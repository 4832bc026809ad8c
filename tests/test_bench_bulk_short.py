"""bench/bulk.py --short passes its bars (computed from the emulator's own request counts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(90)
def test_short_bulk_bench_passes_every_bar() -> None:
    """Approval of 50, level sweep, broadcast to 100: each approved and sent once, no DM lost
    or doubled, no global 429. (The time bars are the bench's figures, not asserted here.)"""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bulk.py"), "--short"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=80,
        check=False,
    )
    lines = done.stdout.splitlines()
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    passed = [line for line in lines if line.startswith("PASS")]
    for bar in (
        "all 50 approved (50)",
        "no duplicate welcome DMs (0)",
        "no missing welcome DMs (0)",
        "20 promoted",
        "one level DM each (20 DMs)",
        "all 100 sent (100)",
        "no duplicate broadcast DMs (0)",
        "no missing broadcast DMs (0)",
    ):
        assert any(bar in line for line in passed), bar
    assert sum(1 for line in passed if "no global 429s (0)" in line) == 3
