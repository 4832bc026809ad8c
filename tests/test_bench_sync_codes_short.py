"""bench/sync_codes.py --short passes its count bars: one create per creator in each shop."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(90)
def test_short_sync_codes_bench_creates_each_code_once() -> None:
    """50 creators through the throttled Shopify, WooCommerce and Stripe: each code exists
    once, 50 create calls, all synced, a second run creates nothing. (The time bar is the
    bench's figure, not asserted here.)"""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sync_codes.py"), "--short"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=80,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    passed = [line for line in done.stdout.splitlines() if line.startswith("PASS")]
    for shop in ("shopify", "woocommerce", "stripe"):
        for bar in (
            f"{shop}: every code exists exactly once (50 once, 0 doubled, 0 missing",
            f"{shop}: create calls == 50 (50)",
            f"{shop}: 50 shop_codes rows synced (50)",
            f"{shop}: a second catch_up makes 0 create calls (0;",
        ):
            assert any(line.startswith(f"PASS  {bar}") for line in passed), bar
    assert any("shopify: 50 reported created (50)" in line for line in passed)
