"""The generic server-to-server postback."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.domain.clicks import CLICK_PARAM
from bot.domain.derivation import given
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.shop_payloads._common import (
    MalformedPayload,
    _click_id,
    _codes,
    _email,
    _order_id,
    _text,
    currency_code,
    to_minor,
)

POSTBACK_EVENTS = {"sale": EventKind.SALE, "lead": EventKind.LEAD, "refund": EventKind.REFUND}
_TRUE = frozenset({"1", "true", "yes", "on"})


def _param(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list):  # parse_qs style
        value = value[-1] if value else None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = str(value)
    return _text(value)


def postback_event(params: Mapping[str, Any], *, received_at: datetime) -> OrderEvent:
    """The event of one server-to-server postback (query string, form or JSON fields)."""
    event_name = (_param(params, "event") or "sale").lower()
    kind = POSTBACK_EVENTS.get(event_name)
    if kind is None:
        raise MalformedPayload("invalid:event")
    order_id = _order_id(_param(params, "order_id"), "order_id")
    amount_text = _param(params, "amount")
    currency: str | None = None
    amount: int | None = None
    if amount_text is not None or kind is not EventKind.LEAD:
        currency = currency_code(_param(params, "currency"))
        amount = to_minor(amount_text, currency, "amount")
    elif _param(params, "currency") is not None:
        currency = currency_code(_param(params, "currency"))
    refund_id = None
    if kind is EventKind.REFUND:
        refund_id = _param(params, "refund_id") or f"{order_id}:{amount_text}"
        refund_id = _order_id(refund_id, "refund_id")
    code = _param(params, "code")
    return OrderEvent(
        source=Source.POSTBACK,
        kind=kind,
        order_id=order_id,
        occurred_at=received_at,
        currency=currency,
        net_minor=amount if kind is not EventKind.REFUND else None,
        refund_minor=amount if kind is EventKind.REFUND else None,
        refund_id=refund_id,
        click_id=_click_id(_param(params, "click_id") or _param(params, CLICK_PARAM)),
        codes=_codes([code]) if code else (),
        customer_email=_email(_param(params, "email")),
        is_test=(_param(params, "test") or "").lower() in _TRUE,
        derivation=given(amount, "amount") if amount is not None else None,
    )
