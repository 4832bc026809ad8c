"""``creatorbot export-payouts``: preview, freeze and write the files from the shell."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import open_services
from bot.cli import main
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.domain.orders import EventKind, OrderEvent, Source

MANAGER = 900
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def _seed(database: Path, guilds: tuple[int, ...] = (1,)) -> None:
    """In each server one creator, anna, with PayPal and a €60 approved commission."""
    config = load_settings(CREATORBOT_DATABASE_URL=f"sqlite:///{database}")
    services = await open_services(config, FrozenClock(NOW))
    try:
        for guild in guilds:
            await services.settings.update(
                guild,
                MANAGER,
                {"review_channel": 10, "shop_url": "https://shop.example.com", "hold_days": 0},
            )
            applied = await services.onboarding.apply(
                guild, 500 + guild, platform="tiktok", handle=f"anna{guild}", followers=10,
                niche="food",
            )  # fmt: skip
            await services.onboarding.approve(guild, applied.application.id, MANAGER)
            await services.payouts.set_method(guild, 500 + guild, "paypal", "anna@example.com")
            await services.conversions.ingest(
                OrderEvent(
                    source=Source.SHOPIFY,
                    kind=EventKind.SALE,
                    order_id=f"order-{guild}",
                    occurred_at=NOW,
                    currency="EUR",
                    net_minor=60_000,
                    codes=(f"ANNA{guild}15",),
                )
            )
    finally:
        await services.db.close()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("CREATORBOT_DATABASE_URL", f"sqlite:///{path}")
    return path


def test_export_payouts_freezes_and_writes_files(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One run freezes batch 1, writes its PayPal file and prints a summary; a rerun pays none."""
    asyncio.run(_seed(database))
    out = tmp_path / "out"
    assert main(["export-payouts", "--output-dir", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "to pay: 1 creator, €60.00" in printed and "batch #1 frozen" in printed
    content = (out / "paypal-batch-1-1.csv").read_bytes()
    assert content.startswith(b"anna@example.com,60.00,EUR,creator-1,")
    assert main(["export-payouts", "--output-dir", str(out)]) == 0
    assert "nothing was frozen" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["paypal-batch-1-1.csv"]


def test_dry_run_freezes_nothing(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run prints the preview and writes no file."""
    asyncio.run(_seed(database))
    assert main(["export-payouts", "--dry-run", "--output-dir", str(tmp_path / "o")]) == 0
    assert "dry run" in capsys.readouterr().out
    assert not (tmp_path / "o").exists()


def test_several_servers_need_guild(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With two configured servers, --guild is required; with it, only that server is paid."""
    asyncio.run(_seed(database, guilds=(1, 2)))
    assert main(["export-payouts", "--output-dir", str(tmp_path)]) == 1
    assert "pass --guild" in capsys.readouterr().err
    assert main(["export-payouts", "--guild", "2", "--output-dir", str(tmp_path)]) == 0
    assert (tmp_path / "paypal-batch-1-1.csv").read_bytes().startswith(b"anna@example.com,60.00")


def test_existing_file_is_never_overwritten(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file in the way is kept; --batch writes the frozen batch's files elsewhere."""
    asyncio.run(_seed(database))
    (tmp_path / "paypal-batch-1-1.csv").write_text("mine")
    assert main(["export-payouts", "--output-dir", str(tmp_path)]) == 1
    assert "--batch 1" in capsys.readouterr().err
    assert (tmp_path / "paypal-batch-1-1.csv").read_text() == "mine"
    other = tmp_path / "again"
    assert main(["export-payouts", "--batch", "1", "--output-dir", str(other)]) == 0
    assert (other / "paypal-batch-1-1.csv").read_bytes().startswith(b"anna@example.com,60.00")
