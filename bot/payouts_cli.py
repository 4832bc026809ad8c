"""``creatorbot export-payouts``: preview and freeze a payout batch from the shell.

The same service as ``/payouts run``: one batch frozen in one transaction, then the PayPal and
Wise files are written to ``--output-dir``. ``--dry-run`` only shows the preview; ``--batch N``
writes the files of an existing batch again (from the creators' current payout methods).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.domain.payout_files import PayoutFile
from bot.errors import CreatorbotError
from bot.i18n import money, render


def cmd_export_payouts(args: argparse.Namespace) -> int:
    return asyncio.run(_export(args))


def _say(line: str = "") -> None:
    print(line)


def _fail(message: str, code: int = 1) -> int:
    print(f"creatorbot: {message}", file=sys.stderr)
    return code


def _creators(count: int) -> str:
    return f"{count} creator" if count == 1 else f"{count} creators"


def _amounts(totals: dict[str, int]) -> str:
    return " + ".join(money(total, currency) for currency, total in totals.items()) or "nothing"


def _write(directory: Path, files: list[PayoutFile]) -> list[Path] | str:
    """Write every file, refusing to overwrite; the error text if one exists already."""
    taken = [directory / f.filename for f in files if (directory / f.filename).exists()]
    if taken:
        return f"{taken[0]} already exists"
    written = []
    for f in files:
        target = directory / f.filename
        target.write_bytes(f.content)
        written.append(target)
    return written


async def _export(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.app import open_services
    from bot.config import load_settings

    services = await open_services(load_settings())
    try:
        configured = [s.guild_id for s in await services.settings.all_configured()]
        guild_id = args.guild
        if guild_id is None:
            if not configured:
                return _fail("no server has run /setup yet; nothing to pay")
            if len(configured) > 1:
                ids = ", ".join(str(g) for g in configured)
                return _fail(f"several servers have settings ({ids}); pass --guild ID")
            guild_id = configured[0]
        directory = Path(args.output_dir)
        try:
            if args.batch is not None:
                files, missing = await services.payouts.batch_files(guild_id, args.batch)
                return _finish(directory, args.batch, files, missing)
            preview = await services.payouts.preview(guild_id)
            _say(f"server {guild_id}: threshold {money(preview.threshold_minor, preview.currency)}")
            _say(f"  to pay: {_creators(len(preview.payable))}, {_amounts(preview.totals)}")
            for payee in preview.without_method:
                who = "erased" if payee.erased else payee.display_name
                amount = money(payee.amount_minor, payee.currency)
                _say(f"  skipped, no payout method: creator-{payee.creator_id} ({who}), {amount}")
            _say(f"  below the threshold (rolls over): {_creators(len(preview.below_threshold))}")
            if preview.owing:
                _say(f"  owing after refunds (carried forward): {_creators(len(preview.owing))}")
            if args.dry_run:
                _say("dry run: nothing was frozen")
                return 0
            if not preview.payable:
                _say("nobody is due a payout: nothing was frozen")
                return 0
            with tqdm(
                total=len(preview.payable), unit="creator", desc="freeze", disable=None
            ) as bar:
                run = await services.payouts.run(guild_id, None, bar.update)
        except CreatorbotError as exc:
            return _fail(render(exc.key, "en", **exc.params))
        paid = _creators(len(run.paid))
        _say(f"batch #{run.batch.id} frozen: {paid}, {_amounts(run.batch.totals)}")
        code = _finish(directory, run.batch.id, run.files, 0)
        if code == 0:
            _say(
                "after paying, mark the batch paid in Discord: "
                f"/payouts mark-paid batch:{run.batch.id}"
            )
        return code
    finally:
        await services.db.close()


def _finish(directory: Path, batch_id: int, files: list[PayoutFile], missing: int) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    written = _write(directory, files)
    if isinstance(written, str):
        return _fail(
            f"{written}; nothing written. Write the files elsewhere with "
            f"`creatorbot export-payouts --batch {batch_id} --output-dir DIR`"
        )
    for path, f in zip(written, files, strict=True):
        _say(f"wrote {path} ({f.rows} rows, {money(f.total_minor, f.currency)})")
    if missing:
        _say(f"left out {missing} creators whose payout method was erased since")
    return 0
