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
  refunds given by the test (``add_refunds``), returned as stored; and coupons
  (``WC_REST_Coupons_Controller``): ``POST coupons``, ``GET coupons[?code=…]``,
  ``GET|PUT|PATCH|POST coupons/<id>``. A key needs ``write`` permission to change anything.
  Coupon bodies are JSON checked against the coupon schema as the WordPress REST server does
  (``amount`` a string, ``discount_type`` one of ``percent``/``fixed_cart``/``fixed_product``,
  booleans and integers as such: ``rest_invalid_param``); fields outside the schema are
  ignored, as WordPress ignores them. Codes are stored lower-case (``wc_format_coupon_code``)
  and must be unique among *published* coupons (``woocommerce_rest_coupon_code_already_exists``,
  "The coupon code already exists"); ``?code=`` finds only a published coupon, as
  ``wc_get_coupon_id_by_code`` does. ``status`` ``draft`` takes a coupon out of use.

Start it with :func:`create_app` and :class:`~emulators._base.LoopbackServer` (or any runner).
Every request served is recorded in ``store.requests``, and faults (a status, a delay, a
dropped connection) can be injected into the next requests with ``store.tap``; an injected 429
carries ``Retry-After`` (``store.retry_after`` seconds), as a host's rate limiter sends it.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
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


def _injected(status: int, retry_after: int | None = None) -> web.Response:
    if status == 429:
        response = _error(
            429,
            "woocommerce_rest_rate_limited",
            "Too many requests. Please wait and try again in a few seconds.",
        )
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response
    return _error(status, "injected_fault", f"{status}: Injected fault.")


@dataclass
class WooStore:
    """What the stand-in knows: API keys and the refunds of each order."""

    clock: Clock
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (secret, permissions)
    refunds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    coupons: dict[int, dict[str, Any]] = field(default_factory=dict)
    used_nonces: dict[str, dict[str, int]] = field(default_factory=dict)
    retry_after: int | None = 1  # seconds in Retry-After of an injected 429; None: no header
    next_post_id: int = 720
    tap: Tap = field(init=False)

    def __post_init__(self) -> None:
        self.tap = Tap(answer=lambda status: _injected(status, self.retry_after))

    def calls(self, method: str, path: str, *, status: int | None = None) -> int:
        """How many requests with this method to this path (a regex matched against the
        whole path) were served, optionally only those answered ``status``."""
        pattern = re.compile(path)
        return sum(
            1
            for r in self.requests
            if r.method == method
            and pattern.fullmatch(r.path)
            and (status is None or r.status == status)
        )

    @property
    def requests(self) -> list[ServedRequest]:
        """Every request served, oldest first, for tests."""
        return self.tap.requests

    def add_key(self, key: str, secret: str, permissions: str = "read") -> None:
        self.keys[key] = (secret, permissions)

    def add_refunds(self, order_id: str, refunds: list[dict[str, Any]]) -> None:
        self.refunds.setdefault(str(order_id), []).extend(refunds)

    def add_coupon(self, code: str, amount: str = "10", **fields: Any) -> dict[str, Any]:
        """A coupon made in the shop's admin (by someone else), as a test's starting state."""
        coupon = self._new_coupon({"code": code, "amount": amount, **fields})
        self.coupons[coupon["id"]] = coupon
        return coupon

    def published_coupon(self, code: str, exclude: int = 0) -> dict[str, Any] | None:
        """``wc_get_coupon_id_by_code``: the newest published coupon with this code."""
        wanted = format_coupon_code(code)
        for coupon in reversed(self.coupons.values()):
            if coupon["id"] != exclude and coupon["status"] == "publish":
                if coupon["code"] == wanted:
                    return coupon
        return None

    def _new_coupon(self, fields: dict[str, Any]) -> dict[str, Any]:
        self.next_post_id += 1
        now = self.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
        coupon: dict[str, Any] = {
            "id": self.next_post_id,
            "code": "",
            "amount": "0.00",
            "status": "publish",
            "date_created": now,
            "date_created_gmt": now,
            "date_modified": now,
            "date_modified_gmt": now,
            "discount_type": "fixed_cart",
            "description": "",
            "date_expires": None,
            "date_expires_gmt": None,
            "usage_count": 0,
            "individual_use": False,
            "product_ids": [],
            "excluded_product_ids": [],
            "usage_limit": None,
            "usage_limit_per_user": None,
            "limit_usage_to_x_items": None,
            "free_shipping": False,
            "product_categories": [],
            "excluded_product_categories": [],
            "exclude_sale_items": False,
            "minimum_amount": "0.00",
            "maximum_amount": "0.00",
            "email_restrictions": [],
            "used_by": [],
            "meta_data": [],
        }
        _apply(coupon, fields, self)
        return coupon


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
    if request.method not in ("GET", "HEAD") and permissions not in ("write", "read_write"):
        return _auth_error("The API key provided does not have write permissions.")
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


# ---------------------------------------------------------------------- coupons
DISCOUNT_TYPES = ("percent", "fixed_cart", "fixed_product")
POST_STATUSES = ("publish", "future", "draft", "pending", "private")
# The writable part of the coupon schema (WC_REST_Coupons_V2_Controller::get_item_schema).
COUPON_SCHEMA: dict[str, str] = {
    "code": "string",
    "amount": "string",
    "status": "string",
    "discount_type": "string",
    "description": "string",
    "date_expires": "date-time",
    "date_expires_gmt": "date-time",
    "individual_use": "boolean",
    "product_ids": "integer[]",
    "excluded_product_ids": "integer[]",
    "usage_limit": "integer",
    "usage_limit_per_user": "integer",
    "limit_usage_to_x_items": "integer",
    "free_shipping": "boolean",
    "product_categories": "integer[]",
    "excluded_product_categories": "integer[]",
    "exclude_sale_items": "boolean",
    "minimum_amount": "string",
    "maximum_amount": "string",
    "email_restrictions": "string[]",
    "meta_data": "object[]",
}


def format_coupon_code(code: str) -> str:
    """``wc_format_coupon_code``: entities decoded, trimmed, lower-cased."""
    return code.strip().lower()


class _Invalid(Exception):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def _is_boolean(value: Any) -> bool:
    # rest_is_boolean: true/false, 0/1 and their string forms.
    return isinstance(value, bool) or value in (0, 1, "0", "1", "true", "false")


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None


def _validate(name: str, kind: str, value: Any) -> None:
    """``rest_validate_value_from_schema`` for the types the coupon schema uses."""
    if kind == "string" and not isinstance(value, str):
        raise _Invalid(name, f"{name} is not of type string.")
    if kind == "date-time" and value is not None and not isinstance(value, str):
        raise _Invalid(name, f"{name} is not of type string.")
    if kind == "boolean" and not _is_boolean(value):
        raise _Invalid(name, f"{name} is not of type boolean.")
    if kind == "integer" and not _is_integer(value):
        raise _Invalid(name, f"{name} is not of type integer.")
    if kind.endswith("[]"):
        if not isinstance(value, list):
            raise _Invalid(name, f"{name} is not of type array.")
        for index, item in enumerate(value):
            item_kind = kind[:-2]
            if item_kind == "object":
                if not isinstance(item, dict):
                    raise _Invalid(name, f"{name}[{index}] is not of type object.")
            else:
                _validate(f"{name}[{index}]", item_kind, item)
    if name == "discount_type" and value not in DISCOUNT_TYPES:
        raise _Invalid(name, f"{name} is not one of percent, fixed_cart, and fixed_product.")


def _check(body: dict[str, Any]) -> web.Response | None:
    problems: dict[str, str] = {}
    for name, value in body.items():
        kind = COUPON_SCHEMA.get(name)
        if kind is None:
            continue  # not in the schema: WordPress ignores it
        try:
            _validate(name, kind, value)
            # Stricter than WordPress, as WooCommerce's docs ask: a numeric amount.
            if name in ("amount", "minimum_amount", "maximum_amount"):
                number = Decimal(value) if value != "" else Decimal(0)
                if not number.is_finite():
                    raise InvalidOperation
            if name == "status" and value not in POST_STATUSES:
                raise _Invalid(name, f"{name} is not one of {', '.join(POST_STATUSES)}.")
        except InvalidOperation:
            problems[name] = f"{name} is not numeric."
        except _Invalid as exc:
            problems[name] = exc.message
    if not problems:
        return None
    body_out = {
        "code": "rest_invalid_param",
        "message": f"Invalid parameter(s): {', '.join(problems)}",
        "data": {
            "status": 400,
            "params": problems,
            "details": {
                name: {"code": "rest_invalid_type", "message": text, "data": None}
                for name, text in problems.items()
            },
        },
    }
    return web.json_response(body_out, status=400)


def _apply(coupon: dict[str, Any], body: dict[str, Any], store: WooStore) -> None:
    for name, value in body.items():
        if name not in COUPON_SCHEMA or value is None:
            continue
        if name == "code":
            coupon["code"] = format_coupon_code(value)
        elif name in ("amount", "minimum_amount", "maximum_amount"):
            coupon[name] = f"{Decimal(value or 0):.2f}"
        elif name == "meta_data":
            for meta in value:
                store.next_post_id += 1
                coupon["meta_data"].append(
                    {"id": store.next_post_id, "key": meta.get("key"), "value": meta.get("value")}
                )
        elif COUPON_SCHEMA[name] == "boolean":
            coupon[name] = value in (True, 1, "1", "true")
        elif COUPON_SCHEMA[name] == "integer":
            coupon[name] = int(value) or None
        else:
            coupon[name] = value
    coupon["date_modified"] = coupon["date_modified_gmt"] = store.clock.now().strftime(
        "%Y-%m-%dT%H:%M:%S"
    )


async def _json_body(request: web.Request) -> dict[str, Any] | web.Response:
    raw = await request.read()
    if not raw:
        return dict(request.query)
    if not request.headers.get("Content-Type", "").startswith("application/json"):
        return dict(request.query)
    try:
        body = json.loads(raw)
    except ValueError:
        return _error(400, "rest_invalid_json", "Invalid JSON body passed.")
    if not isinstance(body, dict):
        return _error(400, "rest_invalid_json", "Invalid JSON body passed.")
    return body


def _invalid_id() -> web.Response:
    return _error(404, "woocommerce_rest_shop_coupon_invalid_id", "Invalid ID.")


def _already_exists() -> web.Response:
    return _error(
        400, "woocommerce_rest_coupon_code_already_exists", "The coupon code already exists"
    )


async def _coupons(request: web.Request) -> web.Response:
    store = request.app[STORE]
    refused = _authenticate(request, store)
    if refused is not None:
        return refused
    if request.method == "GET":
        code = request.query.get("code")
        if code is not None:
            found = store.published_coupon(code) if code else None
            listed = [found] if found is not None else []
        else:
            listed = list(store.coupons.values())
        try:
            per_page = int(request.query.get("per_page", "10"))
            page = int(request.query.get("page", "1"))
        except ValueError:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page, page")
        start = (page - 1) * per_page
        return web.json_response(
            listed[start : start + per_page],
            headers={
                "X-WP-Total": str(len(listed)),
                "X-WP-TotalPages": str(-(-len(listed) // per_page) or 1),
            },
        )
    body = await _json_body(request)
    if isinstance(body, web.Response):
        return body
    body = {k: v for k, v in body.items() if not k.startswith("oauth_")}
    if "code" not in body:
        return web.json_response(
            {
                "code": "rest_missing_callback_param",
                "message": "Missing parameter(s): code",
                "data": {"status": 400, "params": ["code"]},
            },
            status=400,
        )
    invalid = _check(body)
    if invalid is not None:
        return invalid
    if not format_coupon_code(body["code"]):
        return _error(400, "woocommerce_rest_empty_coupon_code", "The coupon code cannot be empty.")
    if store.published_coupon(body["code"]) is not None:
        return _already_exists()
    coupon = store._new_coupon(body)
    store.coupons[coupon["id"]] = coupon
    return web.json_response(coupon, status=201)


async def _coupon(request: web.Request) -> web.Response:
    store = request.app[STORE]
    refused = _authenticate(request, store)
    if refused is not None:
        return refused
    coupon = store.coupons.get(int(request.match_info["coupon_id"]))
    if coupon is None:
        return _invalid_id()
    if request.method == "GET":
        return web.json_response(coupon)
    body = await _json_body(request)
    if isinstance(body, web.Response):
        return body
    body = {k: v for k, v in body.items() if not k.startswith("oauth_")}
    invalid = _check(body)
    if invalid is not None:
        return invalid
    if "code" in body and store.published_coupon(body["code"], exclude=coupon["id"]) is not None:
        return _already_exists()
    _apply(coupon, body, store)
    return web.json_response(coupon)


async def _not_found(request: web.Request) -> web.Response:
    return _error(404, "rest_no_route", "No route was found matching the URL and request method.")


def create_app(store: WooStore) -> web.Application:
    app = store.tap.install(web.Application())
    app[STORE] = store
    app.router.add_get(API_PREFIX + "/orders/{order_id}/refunds", _refunds)
    app.router.add_get(API_PREFIX + "/orders/{order_id}/refunds/{refund_id}", _refunds)
    app.router.add_get(API_PREFIX + "/coupons", _coupons)
    app.router.add_post(API_PREFIX + "/coupons", _coupons)
    for method in ("GET", "POST", "PUT", "PATCH"):
        app.router.add_route(method, API_PREFIX + r"/coupons/{coupon_id:\d+}", _coupon)
    app.router.add_route("*", "/{tail:.*}", _not_found)
    return app
