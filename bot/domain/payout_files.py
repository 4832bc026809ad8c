"""The files a manager uploads to pay a batch: PayPal Payouts CSV and Wise batch CSV.

Pure functions from payout lines to bytes. Every file is UTF-8 without a byte order mark,
written with the ``csv`` module, lines ending in CRLF (RFC 4180; what both providers' own
templates and spreadsheet apps write). Each file holds one currency.

* **PayPal Payouts** (``paypal-batch-{batch}-{n}.csv``): no header; the columns are
  recipient e-mail, amount (dot decimal, the currency's minor digits: ``12.50``, ``1000`` for
  yen), currency, customer id (``creator-{id}``), note (``Creator commission batch {batch}``)
  and wallet ``PAYPAL``. At most 5 000 rows per file (PayPal's limit).
* **Wise, to an e-mail** (``wise-batch-{batch}-{n}.csv``): header
  ``name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,``
  ``targetCurrency``; Wise e-mails the recipient a link to enter their bank details.
* **Wise, to a bank account** (``wise-iban-batch-{batch}-{n}.csv``): the same columns with
  ``IBAN`` in place of ``recipientEmail``, for recipients who gave an IBAN.

In both Wise files ``receiverType`` is ``PERSON``, ``amountCurrency`` is ``target`` (the
creator receives exactly the amount; fees are the brand's), and source and target currency
are the payout's currency. At most 1 000 rows per Wise file (Wise's batch limit).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from babel.numbers import get_currency_precision

from bot.domain.payout_methods import PayoutMethod, Provider

PAYPAL_MAX_ROWS = 5_000
WISE_MAX_ROWS = 1_000
WISE_EMAIL_HEADER = (
    "name",
    "recipientEmail",
    "paymentReference",
    "receiverType",
    "amountCurrency",
    "amount",
    "sourceCurrency",
    "targetCurrency",
)
WISE_IBAN_HEADER = (
    "name",
    "IBAN",
    "paymentReference",
    "receiverType",
    "amountCurrency",
    "amount",
    "sourceCurrency",
    "targetCurrency",
)
LINE_END = "\r\n"


@dataclass(frozen=True)
class PayoutLine:
    """One creator's payout in one currency, with where it goes."""

    creator_id: int
    amount_minor: int
    currency: str
    method: PayoutMethod
    display_name: str  # for Wise when the creator gave no account holder name

    @property
    def customer_id(self) -> str:
        return f"creator-{self.creator_id}"


@dataclass(frozen=True)
class PayoutFile:
    """A file ready to upload: its name, its bytes and what it pays."""

    filename: str
    content: bytes
    provider: Provider
    currency: str
    rows: int
    total_minor: int


def format_amount(amount_minor: int, currency: str) -> str:
    """Minor units as the providers want them: ``1250 EUR`` → ``12.50``, ``1000 JPY`` → ``1000``."""
    if amount_minor < 0:
        raise ValueError("a payout amount cannot be negative")
    digits = get_currency_precision(currency)
    if not digits:
        return str(amount_minor)
    return f"{Decimal(amount_minor).scaleb(-digits):.{digits}f}"


def paypal_note(batch_id: int) -> str:
    return f"Creator commission batch {batch_id}"


def wise_reference(batch_id: int) -> str:
    # Wise cuts references at 18 characters for some currencies (GBP): keep it short.
    return f"Payout batch {batch_id}"


def payout_files(batch_id: int, lines: Iterable[PayoutLine]) -> list[PayoutFile]:
    """Every file needed to pay ``lines``: PayPal, Wise by e-mail, Wise by IBAN."""
    ordered = sorted(lines, key=lambda line: (line.currency, line.creator_id))
    paypal = [line for line in ordered if line.method.provider is Provider.PAYPAL]
    wise = [line for line in ordered if line.method.provider is Provider.WISE]
    return [
        *paypal_files(batch_id, paypal),
        *wise_files(batch_id, [line for line in wise if line.method.kind == "email"]),
        *wise_files(batch_id, [line for line in wise if line.method.kind == "iban"], iban=True),
    ]


def paypal_files(batch_id: int, lines: Sequence[PayoutLine]) -> list[PayoutFile]:
    """PayPal Payouts CSV files: no header, one currency and at most 5 000 rows each."""
    files = []
    for number, (currency, chunk) in enumerate(_chunks(lines, PAYPAL_MAX_ROWS), start=1):
        rows = [
            (
                line.method.email,
                format_amount(line.amount_minor, currency),
                currency,
                line.customer_id,
                paypal_note(batch_id),
                "PAYPAL",
            )
            for line in chunk
        ]
        files.append(
            _file(f"paypal-batch-{batch_id}-{number}.csv", None, rows, Provider.PAYPAL, chunk)
        )
    return files


def wise_files(
    batch_id: int, lines: Sequence[PayoutLine], *, iban: bool = False
) -> list[PayoutFile]:
    """Wise batch CSV files (to e-mails, or with ``iban`` to bank accounts)."""
    files = []
    stem = "wise-iban-batch" if iban else "wise-batch"
    header = WISE_IBAN_HEADER if iban else WISE_EMAIL_HEADER
    for number, (currency, chunk) in enumerate(_chunks(lines, WISE_MAX_ROWS), start=1):
        rows = [
            (
                line.method.name or line.display_name,
                line.method.iban if iban else line.method.email,
                wise_reference(batch_id),
                "PERSON",
                "target",
                format_amount(line.amount_minor, currency),
                currency,
                currency,
            )
            for line in chunk
        ]
        files.append(_file(f"{stem}-{batch_id}-{number}.csv", header, rows, Provider.WISE, chunk))
    return files


def _chunks(lines: Sequence[PayoutLine], size: int) -> Iterator[tuple[str, list[PayoutLine]]]:
    """(currency, up to ``size`` lines) in currency order; one currency per chunk."""
    for currency, group in groupby(sorted(lines, key=lambda line: line.currency), _currency):
        same = list(group)
        for start in range(0, len(same), size):
            yield currency, same[start : start + size]


def _currency(line: PayoutLine) -> str:
    return line.currency


def _file(
    filename: str,
    header: Sequence[str] | None,
    rows: list[tuple[object, ...]],
    provider: Provider,
    chunk: list[PayoutLine],
) -> PayoutFile:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=LINE_END)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return PayoutFile(
        filename=filename,
        content=buffer.getvalue().encode("utf-8"),
        provider=provider,
        currency=chunk[0].currency,
        rows=len(rows),
        total_minor=sum(line.amount_minor for line in chunk),
    )
