"""Use case: import orders from a CSV file, idempotently, with a row-level error report."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.domain.csv_orders import RowError, parse_row
from bot.domain.orders import IngestOutcome
from bot.errors import CreatorbotError
from bot.services.conversions import ConversionService

log = logging.getLogger(__name__)


@dataclass
class ImportReport:
    recorded: int = 0
    duplicates: int = 0
    ignored: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.recorded + self.duplicates + self.ignored + len(self.errors)


async def import_orders(
    lines: Iterable[str],
    conversions: ConversionService,
    clock: Clock,
    default_currency: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Ingest every row; a bad row is reported with its line number and skipped.

    Each row commits on its own, so an interrupted import can simply be run again: rows
    already imported come back as duplicates and change nothing.
    """
    report = ImportReport()
    reader = csv.DictReader(lines)
    if not reader.fieldnames or not {"order_id", "amount"} <= {
        f.strip().lower() for f in reader.fieldnames if f
    }:
        raise CreatorbotError("imports.header")
    for row in reader:
        line = reader.line_num
        try:
            event = parse_row(row, default_currency, clock.now())
            outcome = await conversions.ingest(event)
        except RowError as exc:
            report.errors.append((line, str(exc)))
        except CreatorbotError as exc:
            report.errors.append((line, exc.key))
        else:
            if outcome is IngestOutcome.RECORDED:
                report.recorded += 1
            elif outcome is IngestOutcome.DUPLICATE:
                report.duplicates += 1
            else:
                report.ignored += 1
        if progress is not None:
            progress(1)
    return report
