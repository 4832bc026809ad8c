"""The WooCommerce REST API (``/wp-json/wc/v3``), as far as the program uses it.

WooCommerce authenticates REST keys two ways: over HTTPS with HTTP Basic auth (consumer key
and secret as user and password); over plain HTTP only with one-legged OAuth 1.0a, the
request signed with the consumer secret (HMAC-SHA256 here), a timestamp within 15 minutes and
a nonce used once. A store reached over ``http://`` (a local test server, a store behind a
TLS-terminating proxy that forwards plain HTTP) therefore gets signed requests; anything else
gets Basic auth. Keys are never logged. A throttled request (429) waits as ``Retry-After``
asks and is sent again, a bounded number of times (``bot.shops._backoff``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from bot.clock import Clock, to_epoch
from bot.shops._backoff import Answer, Backoff, with_backoff
from bot.shops._errors import ShopUnavailable
from bot.shops.codes import CodeSpec, CodeTaken, ShopCode, ShopKind

log = logging.getLogger(__name__)

API_PREFIX = "/wp-json/wc/v3"
TIMEOUT = aiohttp.ClientTimeout(total=10)
SHOP = ShopKind.WOOCOMMERCE.value
META_KEY = "creatorbot_key"  # the coupon's meta entry holding CodeSpec.idempotency_key
ALREADY_EXISTS = "woocommerce_rest_coupon_code_already_exists"


def _encode(text: str) -> str:
    """RFC 3986 percent-encoding, as OAuth 1.0a wants it."""
    return quote(text, safe="-._~")


def oauth_signature(method: str, url: str, params: Mapping[str, str], consumer_secret: str) -> str:
    """The OAuth 1.0a signature of a request: HMAC over ``METHOD&url&sorted params`` with
    the consumer secret and an empty token secret (``secret&``)."""
    pairs = sorted((_encode(k), _encode(v)) for k, v in params.items())
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join((method.upper(), _encode(url), _encode(normalized)))
    algorithm = hashlib.sha256 if params.get("oauth_signature_method") == "HMAC-SHA256" else None
    if algorithm is None:
        algorithm = hashlib.sha1
    digest = hmac.new(f"{consumer_secret}&".encode(), base.encode(), algorithm).digest()
    return base64.b64encode(digest).decode()


class WooCommerceAPI:
    """A store's REST API with a consumer key and secret: refunds (read) and creator codes
    as coupons (read/write), the latter as a :class:`~bot.shops.codes.CodeShop`.

    A creator's code is a ``percent`` coupon for individual use, limited to one use per
    customer when the program says so, described with the spec's title. WooCommerce has no
    idempotency keys, so the coupon carries the spec's key in its meta data
    (``creatorbot_key``): a create retried after a lost answer finds the code "already
    exists", recognises it as ours by that key and returns it instead of a conflict.
    Pausing sets the coupon's ``status`` to ``draft`` (WooCommerce applies only published
    coupons), resuming to ``publish``. WooCommerce stores codes lower-case.
    """

    kind = ShopKind.WOOCOMMERCE

    def __init__(
        self,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        clock: Clock,
        *,
        backoff: Backoff | None = None,
    ):
        self._base = base_url.rstrip("/")
        self._key = consumer_key
        self._secret = consumer_secret
        self._clock = clock
        self._backoff = backoff or Backoff()

    def __repr__(self) -> str:  # never the keys
        return f"WooCommerceAPI({self._base!r})"

    async def refund(self, order_id: str, refund_id: str) -> Mapping[str, Any] | None:
        """One refund of an order with its line items; ``None`` if the store has no such
        refund. Raises :class:`ShopUnavailable` when the store cannot answer."""
        path = f"{API_PREFIX}/orders/{quote(order_id, safe='')}/refunds/{quote(refund_id, safe='')}"
        answer = await self._call("GET", path)
        if answer.status == 404:
            return None
        if answer.status >= 400:
            raise ShopUnavailable(SHOP, answer.status, "error")
        if not isinstance(answer.body, Mapping):
            raise ShopUnavailable(SHOP, answer.status, "not a JSON object")
        return answer.body

    # ------------------------------------------------------------------ CodeShop
    async def create_code(self, spec: CodeSpec) -> ShopCode:
        """A percent coupon for ``spec.code``; :class:`CodeTaken` when a published coupon
        with that code is not ours."""
        if not 1 <= spec.percent <= 100:
            raise ValueError(f"percent off must be 1..100, not {spec.percent}")
        coupon: dict[str, Any] = {
            "code": spec.code,
            "discount_type": "percent",
            "amount": str(spec.percent),
            "individual_use": True,
            "description": spec.title,
            "meta_data": [{"key": META_KEY, "value": spec.idempotency_key}],
        }
        if spec.once_per_customer:
            coupon["usage_limit_per_user"] = 1
        answer = await self._call("POST", f"{API_PREFIX}/coupons", body=coupon)
        if answer.status in (200, 201):
            return _shop_code(answer.body)
        if _code(answer.body) == ALREADY_EXISTS:
            existing = await self._find(spec.code)
            if existing is not None and _ours(existing, spec.idempotency_key):
                return _shop_code(existing)
            raise CodeTaken(spec.code)
        raise _refused(answer)

    async def set_active(self, code: ShopCode, active: bool) -> ShopCode:
        """Publish (active) or draft (inactive) exactly the coupon ``code.shop_id``."""
        path = f"{API_PREFIX}/coupons/{quote(code.shop_id, safe='')}"
        status = "publish" if active else "draft"
        answer = await self._call("PUT", path, body={"status": status})
        if answer.status == 200:
            return _shop_code(answer.body)
        raise _refused(answer)

    async def update_code(self, code: ShopCode, spec: CodeSpec) -> ShopCode:
        """The coupon ``code.shop_id`` at ``spec.percent`` (and its once-per-customer limit)."""
        if not 1 <= spec.percent <= 100:
            raise ValueError(f"percent off must be 1..100, not {spec.percent}")
        path = f"{API_PREFIX}/coupons/{quote(code.shop_id, safe='')}"
        body: dict[str, Any] = {
            "amount": str(spec.percent),
            # An integer in the coupon schema; 0 is "no limit".
            "usage_limit_per_user": 1 if spec.once_per_customer else 0,
        }
        answer = await self._call("PUT", path, body=body)
        if answer.status == 200:
            return _shop_code(answer.body)
        raise _refused(answer)

    async def find_code(self, code: str) -> ShopCode | None:
        """The published coupon with this code (WooCommerce finds drafts by id only)."""
        found = await self._find(code)
        return _shop_code(found) if found is not None else None

    async def _find(self, code: str) -> Mapping[str, Any] | None:
        answer = await self._call("GET", f"{API_PREFIX}/coupons", {"code": code})
        if answer.status != 200 or not isinstance(answer.body, list):
            raise _refused(answer)
        return answer.body[0] if answer.body else None

    # ------------------------------------------------------------------ HTTP
    def _auth(self, method: str, url: str, query: Mapping[str, str]) -> tuple[dict, dict]:
        """Query and headers of one attempt: Basic auth over HTTPS, else a fresh OAuth 1.0a
        signature (a new nonce and timestamp every time, so a repeat is not a replay)."""
        params = dict(query)
        headers = {"Accept": "application/json"}
        if urlsplit(self._base).scheme == "https":
            token = base64.b64encode(f"{self._key}:{self._secret}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        else:
            params |= {
                "oauth_consumer_key": self._key,
                "oauth_nonce": secrets.token_hex(16),
                "oauth_signature_method": "HMAC-SHA256",
                "oauth_timestamp": str(to_epoch(self._clock.now())),
            }
            params["oauth_signature"] = oauth_signature(method, url, params, self._secret)
        return params, headers

    async def _call(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Answer:
        """One request, repeated while the store throttles (429, waiting ``Retry-After``).
        2xx and 4xx come back; refused keys, a 5xx or no answer are :class:`ShopUnavailable`."""
        url = self._base + path

        async def send() -> Answer:
            params, headers = self._auth(method, url, query or {})
            # Calls are few (a refund without line detail, a code per creator): a session
            # per call keeps nothing open between them.
            try:
                async with (
                    aiohttp.ClientSession(timeout=TIMEOUT) as session,
                    session.request(
                        method, url, params=params, headers=headers, json=body
                    ) as response,
                ):
                    try:
                        decoded = await response.json(content_type=None)
                    except ValueError:
                        decoded = None
                    return Answer(response.status, decoded, response.headers)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise ShopUnavailable(SHOP, None, type(exc).__name__) from None

        answer = await with_backoff(SHOP, send, self._backoff)
        if answer.status in (401, 403):
            log.warning(
                "WooCommerce refused the REST keys (%d %s)", answer.status, _code(answer.body)
            )
            raise ShopUnavailable(SHOP, answer.status, str(_code(answer.body) or "unauthorized"))
        if answer.status >= 500 or answer.status == 429:
            raise ShopUnavailable(SHOP, answer.status, "error")
        return answer


def _code(body: Any) -> str | None:
    return body.get("code") if isinstance(body, Mapping) else None


def _ours(coupon: Mapping[str, Any], key: str) -> bool:
    return any(
        meta.get("key") == META_KEY and meta.get("value") == key
        for meta in coupon.get("meta_data") or []
        if isinstance(meta, Mapping)
    )


def _shop_code(coupon: Any) -> ShopCode:
    if not isinstance(coupon, Mapping) or "id" not in coupon:
        raise ShopUnavailable(SHOP, None, "not a coupon")
    return ShopCode(
        ShopKind.WOOCOMMERCE,
        str(coupon["id"]),
        str(coupon.get("code", "")),
        coupon.get("status") == "publish",
    )


def _refused(answer: Answer) -> ShopUnavailable:
    reason = str(_code(answer.body) or "unexpected answer")
    log.warning("WooCommerce refused a request (%d %s)", answer.status, reason)
    return ShopUnavailable(SHOP, answer.status, reason)
