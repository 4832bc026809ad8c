"""Rows of an order CSV (``creatorbot import-orders``) as order events.

Columns (header names, any order; only ``order_id`` and ``amount`` are required)::

    order_id, amount, currency, occurred_at, code, click_id, event, refund_id, email, test, source

``amount`` is the net amount (after discounts, without shipping and tax) as a decimal;
``occurred_at`` is ISO 8601 with an offset (or a date, read as UTC midnight); ``event`` is
``sale`` (default), ``lead``, ``refund`` or ``cancel``; ``source`` defaults to ``csv``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision

from bot.domain.orders import EventKind, OrderEvent, Source

REQUIRED = ("order_id", "amount")
_TRUE = {"1", "true", "yes", "y"}


class RowError(ValueError):
    """A row that cannot be imported; the message says why, for the error report."""


def parse_row(row: dict[str, str], default_currency: str, now: datetime) -> OrderEvent:
    """One CSV row (from ``csv.DictReader``) as an :class:`OrderEvent`."""
    values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
    for column in REQUIRED:
        if not values.get(column):
            raise RowError(f"missing {column}")
    currency = (values.get("currency") or default_currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise RowError(f"bad currency {currency!r}")
    text = values["amount"]
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RowError(f"bad amount {values['amount']!r}") from None
    minor = amount * 10 ** get_currency_precision(currency)
    if not amount.is_finite() or amount < 0 or minor % 1:
        raise RowError(f"bad amount {values['amount']!r}")
    try:
        kind = EventKind(values.get("event") or "sale")
    except ValueError:
        kind = None
    if kind is None or kind is EventKind.ALIAS:
        raise RowError(f"bad event {values.get('event')!r}")
    try:
        source = Source(values.get("source") or "csv")
    except ValueError:
        raise RowError(f"bad source {values.get('source')!r}") from None
    occurred = _moment(values.get("occurred_at"), now)
    refund_id = values.get("refund_id") or None
    if kind is EventKind.REFUND and not refund_id:
        refund_id = f"csv:{values['order_id']}:{minor}"
    return OrderEvent(
        source=source,
        kind=kind,
        order_id=values["order_id"],
        occurred_at=occurred,
        currency=currency,
        net_minor=int(minor) if kind in (EventKind.SALE, EventKind.LEAD) else None,
        refund_minor=int(minor) if kind is EventKind.REFUND else None,
        refund_id=refund_id,
        click_id=values.get("click_id") or None,
        codes=(values["code"],) if values.get("code") else (),
        customer_email=values.get("email") or None,
        is_test=values.get("test", "").lower() in _TRUE,
    )


def _moment(text: str | None, now: datetime) -> datetime:
    if not text:
        return now
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"bad occurred_at {text!r}") from None
    if moment.tzinfo is None:
        raise RowError(f"occurred_at needs a UTC offset: {text!r}")
    return moment.astimezone(UTC)
