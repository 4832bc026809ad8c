"""Parsing helpers shared by every shop: money, ids, codes, e-mails, timestamps."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from babel.numbers import get_currency_precision, list_currencies

from bot.domain.clicks import CLICK_PARAM
from bot.errors import CreatorbotError

MAX_MINOR = 10**15  # far above any real order; refuses "1e30" before it reaches the ledger
_CLICK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ORDER_ID = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces
_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class MalformedPayload(CreatorbotError):
    """A shop sent something the program cannot read as an order.

    Attributes:
        reason: a short machine-readable reason, e.g. ``"missing:id"`` or ``"json"``; answered
            to the sender and logged, never containing values from the payload.
    """

    key = "webhooks.malformed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)
        self.reason = reason


# -- shared helpers -------------------------------------------------------------------------


def decode_json(body: bytes) -> dict[str, Any]:
    """The JSON object in ``body``; fractions become ``Decimal``, integers stay exact."""
    try:
        value = json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        raise MalformedPayload("json") from None
    if not isinstance(value, dict):
        raise MalformedPayload("json_object_expected")
    return value


def _refuse_constant(_name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON numbers")


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_code(value: Any, field: str = "currency") -> str:
    """An ISO 4217 code, upper-cased (Stripe sends ``"eur"``)."""
    if not isinstance(value, str):
        raise MalformedPayload(f"missing:{field}" if value is None else f"invalid:{field}")
    code = value.strip().upper()
    if code not in _currencies():
        raise MalformedPayload(f"invalid:{field}")
    return code


def _decimal(value: Any, field: str) -> Decimal:
    if value is None:
        raise MalformedPayload(f"missing:{field}")
    if isinstance(value, bool):
        raise MalformedPayload(f"invalid:{field}")
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text of the float, not its binary value
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 32:
            raise MalformedPayload(f"invalid:{field}")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise MalformedPayload(f"invalid:{field}") from None
    else:
        raise MalformedPayload(f"invalid:{field}")
    if not number.is_finite():
        raise MalformedPayload(f"invalid:{field}")
    return number


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_minor(value: Any, currency: str, field: str, *, signed: bool = False) -> int:
    """A decimal amount (``"12.34"``) → integer minor units of ``currency``, rounded half-up.

    Negative amounts are refused unless ``signed``.
    """
    number = _decimal(value, field) * (10 ** get_currency_precision(currency))
    if abs(number) >= MAX_MINOR or (number < 0 and not signed):
        raise MalformedPayload(f"invalid:{field}")
    return _round_half_up(number)


def net_share(refund_gross: int, net: int, gross: int) -> int:
    """The part of a gross refund that was net revenue: ``refund × net / gross``, rounded
    half-up and never more than ``net``."""
    if gross <= 0:
        return min(refund_gross, net)
    share = Decimal(refund_gross) * Decimal(net) / Decimal(gross)
    return max(0, min(net, _round_half_up(share)))


def _object(value: Any, field: str, *, required: bool = False) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if value is None and not required:
        return {}
    raise MalformedPayload(f"missing:{field}" if value is None else f"invalid:{field}")


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(f"invalid:{field}")
    return value


def _order_id(value: Any, field: str = "id") -> str:
    """An id as exact text: JSON integers (64-bit Shopify ids) or strings."""
    if isinstance(value, bool) or value is None:
        raise MalformedPayload(f"missing:{field}" if value is None else f"invalid:{field}")
    if isinstance(value, int):
        if value <= 0:
            raise MalformedPayload(f"invalid:{field}")
        return str(value)
    if isinstance(value, str) and _ORDER_ID.fullmatch(value.strip()):
        return value.strip()
    raise MalformedPayload(f"invalid:{field}")


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _customer_ids(shop: str, **ids: Any) -> tuple[str, ...]:
    """The customer's ids in one shop, namespaced (``shopify:customer:42``). An id may be an
    expanded object; a guest (0, empty) or junk id is left out, not an error: the order
    still counts, it is only not recognised when the customer returns."""
    found = []
    for kind, value in ids.items():
        if isinstance(value, Mapping):
            value = value.get("id")
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int) and value > 0:
            found.append(f"{shop}:{kind}:{value}")
        elif (
            isinstance(value, str)
            and value.strip() not in ("", "0")
            and _ORDER_ID.fullmatch(value.strip())
        ):
            found.append(f"{shop}:{kind}:{value.strip()}")
    return tuple(found)


def _click_id(value: Any) -> str | None:
    """A click id if ``value`` has the shape of one; junk is dropped, not an error (the order
    then falls back to its discount code)."""
    text = _text(value)
    return text if text is not None and _CLICK_ID.fullmatch(text) else None


def _codes(values: Iterable[Any]) -> tuple[str, ...]:
    codes: dict[str, None] = {}
    for value in values:
        text = _text(value)
        if text is not None and _CODE.fullmatch(text):
            codes.setdefault(text.upper(), None)
    return tuple(codes)


def _email(*values: Any) -> str | None:
    for value in values:
        text = _text(value)
        if text is not None and "@" in text and len(text) <= 320:
            return text
    return None


def _timestamp(value: Any, received_at: datetime) -> datetime:
    """When the shop says it happened — an ISO 8601 text (naive means UTC, as Woo's
    ``*_gmt`` fields) or epoch seconds — never later than ``received_at``; the receipt time
    when the shop gives none or an unreadable one."""
    when: datetime | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            when = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            when = None
    elif isinstance(value, str) and value.strip():
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            when = None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    if when is None:
        return received_at
    return min(when.astimezone(UTC), received_at)


def _referrer(value: Any) -> str | None:
    """The referring site as text (at most 2 KiB; junk is dropped, not an error)."""
    text = _text(value)
    return text if text is not None and len(text) <= 2048 else None


def _click_from_url(url: Any) -> str | None:
    text = _text(url)
    if text is None:
        return None
    try:
        query = urlsplit(text).query
    except ValueError:
        return None
    values = parse_qs(query).get(CLICK_PARAM)
    return _click_id(values[-1]) if values else None


def _attribute(items: Any, names: Iterable[str]) -> str | None:
    """The value of the first ``{name|key: …, value: …}`` entry named one of ``names``."""
    wanted = set(names)
    if not isinstance(items, list):
        return None
    for item in items:
        if not isinstance(item, Mapping):
            continue
        name = item.get("name", item.get("key"))
        if name in wanted:
            value = _text(item.get("value"))
            if value is not None:
                return value
    return None


# -- Shopify --------------------------------------------------------------------------------
