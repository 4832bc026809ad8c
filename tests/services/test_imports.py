"""CSV order import: rows become conversions once; bad rows are reported by line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.csv_orders import RowError, parse_row
from bot.registry import Services
from bot.services.imports import import_orders

CSV = """order_id,amount,currency,occurred_at,code,event
A-1,100.00,EUR,2026-11-20T10:00:00+01:00,ANNA15,sale
A-2,50,EUR,2026-11-21,anna15,sale
A-3,abc,EUR,,ANNA15,sale
A-1,40.00,EUR,,,refund
,10,EUR,,,sale
A-4,20,EUR,2026-11-21T10:00:00,ANNA15,sale
"""


@pytest.fixture
async def program(services: Services) -> Services:
    await services.settings.update(
        1, 900, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    result = await services.onboarding.apply(
        1, 501, platform="tiktok", handle="anna", followers=5000, niche="food"
    )
    await services.onboarding.approve(1, result.application.id, 900)
    return services


async def test_import_reports_rows_and_is_idempotent(program: Services) -> None:
    """Good rows are recorded, bad rows listed with their line; a re-run changes nothing."""
    first = await import_orders(CSV.splitlines(True), program.conversions, program.clock, "EUR")
    assert (first.recorded, first.duplicates) == (3, 0)
    assert [line for line, _ in first.errors] == [4, 6, 7]
    assert "bad amount" in first.errors[0][1] and "UTC offset" in first.errors[2][1]
    again = await import_orders(CSV.splitlines(True), program.conversions, program.clock, "EUR")
    assert (again.recorded, again.duplicates) == (0, 3)
    assert await program.db.fetch_val("SELECT COUNT(*) FROM conversions") == 2
    commission = await program.db.fetch_one(
        "SELECT amount_minor, reversed_minor FROM commissions WHERE conversion_id = 1"
    )
    assert tuple(commission) == (1_000, 400)


def test_cli_import_orders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`creatorbot import-orders` prints a summary and the line of every bad row."""
    monkeypatch.setenv("CREATORBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    path = tmp_path / "orders.csv"
    path.write_text("order_id,amount\nX-1,10\nX-2,-5\n")
    assert main(["import-orders", str(path)]) == 1
    captured = capsys.readouterr()
    assert "2 rows: 1 recorded" in captured.out
    assert "line 3: bad amount" in captured.err
    assert main(["import-orders", str(tmp_path / "missing.csv")]) == 1


@pytest.mark.parametrize("event", ["alias", "gift"])
def test_row_with_an_unknown_event_is_refused(event: str) -> None:
    """Only sale, lead, refund and cancel rows exist; ``alias`` is internal to the shops."""
    row = {"order_id": "A-9", "amount": "10", "currency": "EUR", "event": event}
    with pytest.raises(RowError, match="bad event"):
        parse_row(row, "EUR", datetime(2026, 11, 22, tzinfo=UTC))
