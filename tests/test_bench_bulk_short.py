"""bench/bulk.py --short passes its bars (computed from the emulator's own request counts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(90)
def test_short_bulk_bench_passes_every_bar() -> None:
    """Approval of 50, acknowledgements, level sweep, broadcast to 100: every bar PASS, none
    FAIL, exit 0."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bulk.py"), "--short"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=80,
        check=False,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert not [line for line in lines if line.startswith("FAIL")]
    passed = [line for line in lines if line.startswith("PASS")]
    for bar in (
        "all 50 approved",
        "approval within 1.2 × the time the limits allow",
        "no duplicate welcome DMs (0)",
        "no missing welcome DMs (0)",
        "every acknowledgement within 3 s",
        "one level DM each",
        "all 100 sent (100)",
        "no duplicate broadcast DMs (0)",
        "no missing broadcast DMs (0)",
        "broadcast within 1.2 × the time the limits allow",
    ):
        assert any(bar in line for line in passed), bar
