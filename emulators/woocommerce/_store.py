"""A local stand-in for a WooCommerce store's REST API (``/wp-json/wc/v3``).

It answers as WooCommerce does, so a request that a real store would refuse is refused here:

* Authentication follows ``WC_REST_Authentication``: on plain HTTP only one-legged OAuth 1.0a
  counts (query string or ``Authorization: OAuth`` header; HMAC-SHA1 or HMAC-SHA256 over
  ``METHOD&url&sorted parameters`` keyed with ``secret&``; a timestamp within 15 minutes; a
  nonce used once); Basic auth and ``consumer_key`` query parameters are only honoured over
  HTTPS, which this server never is. A key needs ``read`` permission to GET.
* Errors are WordPress REST errors: ``{"code", "message", "data": {"status"}}`` with the codes
  and messages WooCommerce uses.
* Resources: ``GET orders/<id>/refunds`` and ``GET orders/<id>/refunds/<refund_id>``, with the
  refunds given by the test (``add_refunds``), returned as stored.

Start it with :func:`create_app` and :class:`~emulators._base.LoopbackServer` (or any runner).
Every request served is recorded in ``store.requests``, and faults (a status, a delay, a
dropped connection) can be injected into the next requests with ``store.tap``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from bot.clock import Clock, to_epoch
from bot.shops.woocommerce import API_PREFIX, oauth_signature
from emulators._base import ServedRequest, Tap

VALID_WINDOW = 15 * 60
_OAUTH_PARAMS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)


def _error(status: int, code: str, message: str) -> web.Response:
    body = {"code": code, "message": message, "data": {"status": status}}
    return web.json_response(body, status=status)


def _injected(status: int) -> web.Response:
    return _error(status, "injected_fault", f"{status}: Injected fault.")


@dataclass
class WooStore:
    """What the stand-in knows: API keys and the refunds of each order."""

    clock: Clock
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (secret, permissions)
    refunds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    used_nonces: dict[str, dict[str, int]] = field(default_factory=dict)
    tap: Tap = field(default_factory=lambda: Tap(answer=_injected))

    @property
    def requests(self) -> list[ServedRequest]:
        """Every request served, oldest first, for tests."""
        return self.tap.requests

    def add_key(self, key: str, secret: str, permissions: str = "read") -> None:
        self.keys[key] = (secret, permissions)

    def add_refunds(self, order_id: str, refunds: list[dict[str, Any]]) -> None:
        self.refunds.setdefault(str(order_id), []).extend(refunds)


STORE = web.AppKey("woo_store", WooStore)


def _auth_error(message: str, code: str = "woocommerce_rest_authentication_error") -> web.Response:
    return _error(401, code, message)


def _oauth_params(request: web.Request) -> dict[str, str]:
    params = {k: v for k, v in request.query.items()}
    header = request.headers.get("Authorization", "").strip()
    if header.startswith("OAuth "):
        for part in header[6:].split(","):
            name, _, value = part.strip().partition("=")
            if name.startswith("oauth_"):
                params[name] = unquote(value.strip('"'))
    return params


def _authenticate(request: web.Request, store: WooStore) -> web.Response | None:
    """``None`` when the request carries a valid key with read permission, else the error
    WooCommerce would answer."""
    params = _oauth_params(request)
    present = [name for name in _OAUTH_PARAMS if params.get(name)]
    if not present:
        # Not even trying OAuth (Basic auth is ignored over HTTP): an anonymous request.
        return _auth_error("Sorry, you cannot view this resource.", "woocommerce_rest_cannot_view")
    missing = [name for name in _OAUTH_PARAMS if not params.get(name)]
    if missing:
        noun = "parameter" if len(missing) == 1 else "parameters"
        return _auth_error(
            f"Missing OAuth {noun} {', '.join(missing)}",
            "woocommerce_rest_authentication_missing_parameter",
        )
    key = store.keys.get(params["oauth_consumer_key"])
    if key is None:
        return _auth_error("Consumer key is invalid.")
    secret, permissions = key
    if params["oauth_signature_method"] not in ("HMAC-SHA1", "HMAC-SHA256"):
        return _auth_error("Invalid signature - signature method is invalid.")
    given = params.pop("oauth_signature").replace(" ", "+")
    url = str(request.url.with_query(None))
    expected = oauth_signature(request.method, url, params, secret)
    if not hmac.compare_digest(expected, given):
        return _auth_error("Invalid signature - provided signature does not match.")
    now = to_epoch(store.clock.now())
    try:
        timestamp = int(params["oauth_timestamp"])
    except ValueError:
        return _auth_error("Invalid timestamp.")
    if not now - VALID_WINDOW <= timestamp <= now + VALID_WINDOW:
        return _auth_error("Invalid timestamp.")
    nonces = store.used_nonces.setdefault(params["oauth_consumer_key"], {})
    if params["oauth_nonce"] in nonces:
        return _auth_error("Invalid nonce - nonce has already been used.")
    nonces[params["oauth_nonce"]] = timestamp
    for nonce, used_at in list(nonces.items()):
        if used_at < now - VALID_WINDOW:
            del nonces[nonce]
    if request.method in ("GET", "HEAD") and permissions not in ("read", "read_write"):
        return _auth_error("The API key provided does not have read permissions.")
    return None


async def _refunds(request: web.Request) -> web.Response:
    store = request.app[STORE]
    refused = _authenticate(request, store)
    if refused is not None:
        return refused
    order_id = request.match_info["order_id"]
    if order_id not in store.refunds:
        return _error(404, "woocommerce_rest_invalid_order_id", "Invalid order ID.")
    refunds = store.refunds[order_id]
    refund_id = request.match_info.get("refund_id")
    if refund_id is None:
        return web.json_response(refunds)
    for refund in refunds:
        if str(refund.get("id")) == refund_id:
            return web.json_response(refund)
    return _error(404, "woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID.")


async def _not_found(request: web.Request) -> web.Response:
    return _error(404, "rest_no_route", "No route was found matching the URL and request method.")


def create_app(store: WooStore) -> web.Application:
    app = store.tap.install(web.Application())
    app[STORE] = store
    app.router.add_get(API_PREFIX + "/orders/{order_id}/refunds", _refunds)
    app.router.add_get(API_PREFIX + "/orders/{order_id}/refunds/{refund_id}", _refunds)
    app.router.add_route("*", "/{tail:.*}", _not_found)
    return app
