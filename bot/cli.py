"""The ``creatorbot`` command line: run, demo, migrate, backup."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from bot.errors import ConfigError, MigrationError

log = logging.getLogger("creatorbot")


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Even at DEBUG these stay quiet: discord.py's per-request lines include URLs with
    # interaction tokens, and aiosqlite's include every SQL argument (e-mails, payout details).
    quiet = max(logging.INFO, logging.getLevelName(level))
    for name in ("discord.http", "aiosqlite"):
        logging.getLogger(name).setLevel(quiet)


def _fail(message: str, code: int = 2) -> int:
    print(f"creatorbot: {message}", file=sys.stderr)
    return code


async def _run(token: str) -> int:
    import discord

    from bot.app import Runtime, open_services
    from bot.config import load_settings
    from bot.discord_endpoints import point_discord_py_at

    config = load_settings()
    point_discord_py_at(config.discord_api_base, config.discord_gateway_url)
    services = await open_services(config)
    runtime = Runtime(services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    client_task = await runtime.start(token)
    stop_task = asyncio.create_task(stop.wait())
    await asyncio.wait({client_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    failure = client_task.exception() if client_task.done() else None
    stop_task.cancel()
    log.info("shutting down")
    await runtime.stop()
    if isinstance(failure, discord.LoginFailure):
        return _fail("DISCORD_TOKEN was rejected by Discord; check the bot token", 1)
    if isinstance(failure, discord.PrivilegedIntentsRequired):
        return _fail("Discord refused the requested gateway intents", 1)
    if failure is not None:
        log.error("the Discord client stopped", exc_info=failure)
        return 1
    log.info("stopped cleanly")
    return 0


def cmd_run(_args: argparse.Namespace) -> int:
    from bot.config import load_settings

    config = load_settings()
    token = config.require_token()
    setup_logging(config.log_level)
    return asyncio.run(_run(token))


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    setup_logging("WARNING" if not args.verbose else "DEBUG")
    return asyncio.run(run_demo(verbose=args.verbose))


async def _migrate() -> int:
    from bot.clock import SystemClock
    from bot.config import load_settings
    from bot.db.connection import Database
    from bot.db.migrate import current_version, migrate

    config = load_settings()
    db = await Database(config.database_path).connect()
    try:
        applied = await migrate(db, SystemClock())
        version = await current_version(db)
    finally:
        await db.close()
    if applied:
        print(f"applied {', '.join(applied)}; {config.database_path} is at version {version}")
    else:
        print(f"{config.database_path} is up to date at version {version}")
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    return asyncio.run(_migrate())


async def _backup(target: Path) -> int:
    from tqdm import tqdm

    from bot.config import load_settings
    from bot.db.connection import Database

    config = load_settings()
    db = await Database(config.database_path).connect()
    bar = tqdm(unit="page", desc="backup", disable=None)
    try:

        def progress(remaining: int, total: int) -> None:
            bar.total = total
            bar.n = total - remaining
            bar.refresh()

        await db.backup(str(target), progress)
    finally:
        bar.close()
        await db.close()
    print(f"backed up {config.database_path} to {target}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.config import load_settings

    config = load_settings()
    target = Path(args.path)
    if not Path(config.database_path).is_file():
        return _fail(f"no database at {config.database_path} (CREATORBOT_DATABASE_URL)", 1)
    if target.exists():
        return _fail(f"{target} already exists; choose a new file name", 1)
    return asyncio.run(_backup(target))


async def _export_codes(guild_id: int | None) -> tuple[str, int]:
    from bot.app import open_services
    from bot.config import load_settings

    services = await open_services(load_settings())
    try:
        return await services.campaigns.export_codes_csv(guild_id)
    finally:
        await services.db.close()


def cmd_export_codes(args: argparse.Namespace) -> int:
    body, count = asyncio.run(_export_codes(args.guild))
    if args.output == "-":
        sys.stdout.write(body)
    else:
        target = Path(args.output)
        if target.exists() and not args.force:
            return _fail(f"{target} already exists; pass --force to overwrite", 1)
        target.write_text(body, encoding="utf-8")
        print(f"wrote {count} discount codes to {target}", file=sys.stderr)
    return 0


async def _import_orders(path: Path, currency: str | None) -> int:
    from tqdm import tqdm

    from bot.app import open_services
    from bot.config import load_settings
    from bot.services.imports import import_orders

    with path.open(encoding="utf-8-sig", newline="") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
    services = await open_services(load_settings())
    try:
        with (
            path.open(encoding="utf-8-sig", newline="") as handle,
            tqdm(total=total, unit="row", desc="import", disable=None) as bar,
        ):
            report = await import_orders(
                handle, services.conversions, services.clock, currency or "EUR", bar.update
            )
    finally:
        await services.db.close()
    print(
        f"{report.rows} rows: {report.recorded} recorded, {report.duplicates} already known, "
        f"{report.ignored} ignored, {len(report.errors)} errors"
    )
    for line, reason in report.errors:
        print(f"line {line}: {reason}", file=sys.stderr)
    return 1 if report.errors else 0


def cmd_import_orders(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"no such file: {path}", 1)
    return asyncio.run(_import_orders(path, args.currency))


async def _sync_codes(shop: str | None, guild: int | None, dry_run: bool) -> int:
    from tqdm import tqdm

    from bot.app import open_services
    from bot.config import load_settings
    from bot.shops.codes import ShopKind

    services = await open_services(load_settings())
    try:
        sync = services.code_sync
        only = ShopKind(shop) if shop else None
        if only is not None and only not in sync.connected:
            return _fail(f"{only.value} is not connected (its settings are unset)", 1)
        if not sync.connected:
            return _fail("no shop is connected: set a shop's settings first (see README)", 1)
        creators = await services.onboarding.creators_with_codes(guild)
        with tqdm(total=len(creators), unit="creator", desc="sync-codes", disable=None) as bar:
            totals = await sync.catch_up(guild, only, dry_run=dry_run, progress=bar.update)
    finally:
        await services.code_sync.close()
        await services.db.close()
    shops = ", ".join(k.value for k in sync.connected if only in (None, k))
    print(f"{'dry run: ' if dry_run else ''}{len(creators)} creators, shops: {shops}")
    for outcome in (
        "would create",
        "created",
        "already_there",
        "updated",
        "conflict",
        "moved to a variant",
        "failed",
    ):
        if totals.get(outcome):
            print(f"  {outcome.replace('_', ' '):<20} {totals[outcome]:>6}")
    return 1 if totals.get("failed") else 0


def cmd_sync_codes(args: argparse.Namespace) -> int:
    return asyncio.run(_sync_codes(args.shop, args.guild, args.dry_run))


def _export_payouts(args: argparse.Namespace) -> int:
    from bot.payouts_cli import cmd_export_payouts

    return cmd_export_payouts(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="creatorbot",
        description="Run a brand's creator affiliate program inside its Discord server.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot, the tracker and the schedule (needs DISCORD_TOKEN)")
    demo = sub.add_parser("demo", help="a scripted walk-through against the local Discord emulator")
    demo.add_argument("--verbose", action="store_true", help="show the bot's log too")
    sub.add_parser("migrate", help="apply pending database migrations")
    backup = sub.add_parser("backup", help="take an online backup of the SQLite database")
    backup.add_argument("path", help="file to write the backup to")
    codes = sub.add_parser("export-codes", help="all creators' discount codes as CSV for the shop")
    codes.add_argument("--guild", type=int, help="only this Discord server id")
    codes.add_argument("--output", "-o", default="-", help="file to write (default: stdout)")
    codes.add_argument("--force", action="store_true", help="overwrite an existing file")
    sync = sub.add_parser("sync-codes", help="create every missing creator code in the shops")
    sync.add_argument("--shop", choices=("shopify", "woocommerce", "stripe"), help="only this")
    sync.add_argument("--guild", type=int, help="only this Discord server id")
    sync.add_argument("--dry-run", action="store_true", help="only count what would be created")
    orders = sub.add_parser("import-orders", help="import orders from a CSV file (idempotent)")
    orders.add_argument("file", help="CSV with at least the columns order_id and amount")
    orders.add_argument("--currency", help="currency of rows without one (default EUR)")
    payouts = sub.add_parser("export-payouts", help="freeze a payout batch; write its CSV files")
    payouts.add_argument("--guild", type=int, help="Discord server id (needed if several)")
    payouts.add_argument("--output-dir", default=".", help="where to write the files (default .)")
    payouts.add_argument("--dry-run", action="store_true", help="only show who would be paid")
    payouts.add_argument("--batch", type=int, help="write the files of this batch again")
    return parser


COMMANDS = {
    "run": cmd_run,
    "demo": cmd_demo,
    "migrate": cmd_migrate,
    "backup": cmd_backup,
    "export-codes": cmd_export_codes,
    "import-orders": cmd_import_orders,
    "sync-codes": cmd_sync_codes,
    "export-payouts": _export_payouts,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        return _fail(f"configuration error: {exc}")
    except MigrationError as exc:
        return _fail(f"database error: {exc}", 1)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
