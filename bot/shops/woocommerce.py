"""The WooCommerce REST API (``/wp-json/wc/v3``), as far as the program uses it.

WooCommerce authenticates REST keys two ways: over HTTPS with HTTP Basic auth (consumer key
and secret as user and password); over plain HTTP only with one-legged OAuth 1.0a, the
request signed with the consumer secret (HMAC-SHA256 here), a timestamp within 15 minutes and
a nonce used once. A store reached over ``http://`` (a local test server, a store behind a
TLS-terminating proxy that forwards plain HTTP) therefore gets signed requests; anything else
gets Basic auth. Keys are never logged.
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
from bot.shops._errors import ShopUnavailable

log = logging.getLogger(__name__)

API_PREFIX = "/wp-json/wc/v3"
TIMEOUT = aiohttp.ClientTimeout(total=10)


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
    """Reads a store's orders through its REST API with a consumer key and secret."""

    def __init__(self, base_url: str, consumer_key: str, consumer_secret: str, clock: Clock):
        self._base = base_url.rstrip("/")
        self._key = consumer_key
        self._secret = consumer_secret
        self._clock = clock

    async def refund(self, order_id: str, refund_id: str) -> Mapping[str, Any] | None:
        """One refund of an order with its line items; ``None`` if the store has no such
        refund. Raises :class:`ShopUnavailable` when the store cannot answer."""
        path = f"{API_PREFIX}/orders/{quote(order_id, safe='')}/refunds/{quote(refund_id, safe='')}"
        status, body = await self._get(path, {})
        if status == 404:
            return None
        if not isinstance(body, Mapping):
            raise ShopUnavailable("woocommerce", status, "not a JSON object")
        return body

    async def _get(self, path: str, query: Mapping[str, str]) -> tuple[int, Any]:
        url = self._base + path
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
            params["oauth_signature"] = oauth_signature("GET", url, params, self._secret)
        # Refund lookups are rare (a refund without line detail): a session per call keeps
        # nothing open between them.
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as session,
                session.get(url, params=params, headers=headers) as response,
            ):
                status = response.status
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ShopUnavailable("woocommerce", None, type(exc).__name__) from None
        if status in (401, 403):
            code = body.get("code") if isinstance(body, Mapping) else None
            log.warning("WooCommerce refused the REST keys (%d %s)", status, code)
            raise ShopUnavailable("woocommerce", status, str(code or "unauthorized"))
        if status >= 500 or (status >= 400 and status != 404):
            raise ShopUnavailable("woocommerce", status, "error")
        return status, body
