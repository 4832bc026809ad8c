"""A local stand-in for the part of Stripe's API (``/v1``) that discount codes use: coupons
and promotion codes. Sources: ``emulators/stripe/SOURCES.md``.

It answers as Stripe does, so a request Stripe would refuse is refused here:

* Authentication: the secret or restricted key as ``Authorization: Bearer <key>`` (or as the
  HTTP Basic user); none or an unknown key is a 401 ``invalid_request_error``.
* Bodies are ``application/x-www-form-urlencoded`` with bracketed nested keys; every parameter
  is checked against the endpoint's list: an unknown one is a 400 ``parameter_unknown``
  (``Received unknown parameter: coupon``), a malformed one a 400 naming it.
* The API version is the one where a promotion code names its coupon as
  ``promotion[type]=coupon&promotion[coupon]=<id>`` (``2025-09-30.clover`` and later); a request
  pinning an older ``Stripe-Version`` is refused rather than answered in a shape it would not
  expect.
* ``Idempotency-Key`` on POST: the first result of an executed request is saved for 24 hours
  and replayed (header ``Idempotent-Replayed: true``) to a retry with the same parameters; the
  same key with other parameters or another endpoint is a 400 ``idempotency_error``. Requests
  refused before execution (authentication, parameter validation, injected faults) save
  nothing.
* A coupon id already in use is a 400 ``resource_already_exists``; a promotion code whose
  text (case-insensitively) an active promotion code already has is a 400
  ``resource_already_exists`` "An active promotion code with `code: X` already exists.".

Faults: ``store.tap.fail(path, 429)`` answers Stripe's ``rate_limit`` error with
``Retry-After`` (``store.retry_after``) and ``Stripe-Should-Retry: true``; ``fail(path, 500)``
answers an ``api_error``. Every request served is in ``store.requests``; ``store.calls(...)``
counts them.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.clock import Clock, to_epoch
from emulators._base import ServedRequest, Tap
from emulators.stripe._forms import (
    BOOLEAN,
    DECIMAL,
    INTEGER,
    LIST,
    METADATA,
    STRING,
    Kind,
    ParamError,
    check,
    decode,
    enum,
    hash_of,
)

OLDEST_VERSION = "2025-09-30.clover"  # promotion codes name their coupon under `promotion`
IDEMPOTENCY_WINDOW = timedelta(hours=24)
_CODE_CHARS = re.compile(r"^[A-Za-z0-9-]+$")

COUPON_CREATE = {
    "amount_off": INTEGER,
    "applies_to": hash_of(products=LIST),
    "currency": STRING,
    "currency_options": Kind("metadata"),
    "duration": enum("forever", "once", "repeating"),
    "duration_in_months": INTEGER,
    "expand": LIST,
    "id": STRING,
    "max_redemptions": INTEGER,
    "metadata": METADATA,
    "name": STRING,
    "percent_off": DECIMAL,
    "redeem_by": INTEGER,
}
RESTRICTIONS = hash_of(
    currency_options=Kind("metadata"),
    first_time_transaction=BOOLEAN,
    minimum_amount=INTEGER,
    minimum_amount_currency=STRING,
)
PROMOTION_CODE_CREATE = {
    "active": BOOLEAN,
    "code": STRING,
    "customer": STRING,
    "customer_account": STRING,
    "expand": LIST,
    "expires_at": INTEGER,
    "max_redemptions": INTEGER,
    "metadata": METADATA,
    "promotion": hash_of(coupon=STRING, type=enum("coupon")),
    "restrictions": RESTRICTIONS,
}
PROMOTION_CODE_UPDATE = {
    "active": BOOLEAN,
    "expand": LIST,
    "metadata": METADATA,
    "restrictions": hash_of(currency_options=Kind("metadata")),
}
PROMOTION_CODE_LIST = {
    "active": BOOLEAN,
    "code": STRING,
    "coupon": STRING,
    "created": STRING,
    "customer": STRING,
    "customer_account": STRING,
    "ending_before": STRING,
    "expand": LIST,
    "limit": INTEGER,
    "starting_after": STRING,
}
RETRIEVE = {"expand": LIST}


class StripeError(Exception):
    """An answer in Stripe's error shape ``{"error": {"type", "code", "message", "param"}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type, "message": message}
        if code is not None:
            self.body["code"] = code
            self.body["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param is not None:
            self.body["param"] = param

    def response(self, headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response({"error": self.body}, status=self.status, headers=headers)


@dataclass
class _Saved:
    """One idempotency key's first executed request and its answer."""

    method: str
    path: str
    params: list[tuple[str, str]]
    status: int
    body: bytes
    saved_at: int


@dataclass
class StripeStore:
    """What the stand-in knows: API keys, coupons, promotion codes, idempotency keys."""

    clock: Clock
    keys: set[str] = field(default_factory=set)
    coupons: dict[str, dict[str, Any]] = field(default_factory=dict)
    promotion_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], _Saved] = field(default_factory=dict)
    retry_after: int | None = 1  # seconds in Retry-After of an injected 429; None: no header
    _serial: int = 0
    tap: Tap = field(init=False)

    def __post_init__(self) -> None:
        self.tap = Tap(answer=self._injected)

    @property
    def requests(self) -> list[ServedRequest]:
        """Every request served, oldest first, for tests."""
        return self.tap.requests

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

    def add_key(self, key: str) -> None:
        self.keys.add(key)

    def add_coupon(self, coupon_id: str, percent_off: float, **extra: Any) -> dict[str, Any]:
        """A coupon made by someone else (in the Dashboard), as a test's starting state."""
        coupon = self._coupon(coupon_id, {"percent_off": Decimal(str(percent_off)), **extra})
        self.coupons[coupon_id] = coupon
        return coupon

    def add_promotion_code(self, code: str, coupon_id: str, **extra: Any) -> dict[str, Any]:
        """A promotion code made by someone else, as a test's starting state."""
        promo = self._promotion_code({"code": code, "promotion": {"coupon": coupon_id}, **extra})
        self.promotion_codes[promo["id"]] = promo
        return promo

    def active_code(self, code: str) -> dict[str, Any] | None:
        """The active promotion code with this text (case-insensitive), if any."""
        for promo in self.promotion_codes.values():
            if promo["active"] and promo["code"].lower() == code.lower():
                return promo
        return None

    # ------------------------------------------------------------------ objects
    def _next_id(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}_emu{self._serial:014d}"

    def _coupon(self, coupon_id: str, params: dict[str, Any]) -> dict[str, Any]:
        percent = params.get("percent_off")
        return {
            "id": coupon_id,
            "object": "coupon",
            "amount_off": params.get("amount_off"),
            "created": to_epoch(self.clock.now()),
            "currency": params.get("currency"),
            "duration": params.get("duration", "once"),
            "duration_in_months": params.get("duration_in_months"),
            "livemode": False,
            "max_redemptions": params.get("max_redemptions"),
            "metadata": params.get("metadata", {}),
            "name": params.get("name"),
            "percent_off": float(percent) if percent is not None else None,
            "redeem_by": params.get("redeem_by"),
            "times_redeemed": 0,
            "valid": True,
        }

    def _promotion_code(self, params: dict[str, Any]) -> dict[str, Any]:
        restrictions = params.get("restrictions") or {}
        return {
            "id": self._next_id("promo"),
            "object": "promotion_code",
            "active": params.get("active", True),
            "code": params["code"],
            "created": to_epoch(self.clock.now()),
            "customer": params.get("customer"),
            "customer_account": params.get("customer_account"),
            "expires_at": params.get("expires_at"),
            "livemode": False,
            "max_redemptions": params.get("max_redemptions"),
            "metadata": params.get("metadata", {}),
            "promotion": {"type": "coupon", "coupon": params["promotion"]["coupon"]},
            "restrictions": {
                "currency_options": {},
                "first_time_transaction": restrictions.get("first_time_transaction", False),
                "minimum_amount": restrictions.get("minimum_amount"),
                "minimum_amount_currency": restrictions.get("minimum_amount_currency"),
            },
            "times_redeemed": 0,
        }

    # ------------------------------------------------------------------ faults
    def _injected(self, status: int) -> web.StreamResponse:
        if status == 429:
            headers = {"Stripe-Should-Retry": "true"}
            if self.retry_after is not None:
                headers["Retry-After"] = str(self.retry_after)
            return StripeError(
                429,
                "Request rate limit exceeded. You can learn more about rate limits here "
                "https://stripe.com/docs/rate-limits.",
                code="rate_limit",
            ).response(headers)
        if status == 401:
            return StripeError(401, "Invalid API Key provided: sk_test_****").response()
        if status >= 500:
            return StripeError(
                status,
                "Sorry, something went wrong. We've already been notified of the problem.",
                type="api_error",
            ).response()
        return StripeError(status, f"{status}: Injected fault.").response()


STORE = web.AppKey("stripe_store", StripeStore)


# ---------------------------------------------------------------------- request handling
def _api_key(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(value.strip()).decode().partition(":")[0]
        except (ValueError, UnicodeDecodeError):
            return None
        return user or None
    return None


def _authenticate(request: web.Request, store: StripeStore) -> str:
    key = _api_key(request)
    if key is None:
        raise StripeError(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
            "or we can help at https://support.stripe.com/.",
        )
    if key not in store.keys:
        raise StripeError(401, f"Invalid API Key provided: {key[:8]}****{key[-4:]}")
    version = request.headers.get("Stripe-Version")
    if version is not None and version[:10] < OLDEST_VERSION[:10]:
        raise StripeError(
            400,
            f"This stand-in answers API versions from {OLDEST_VERSION} on; "
            f"the request pins {version}.",
        )
    return key


async def _pairs(request: web.Request) -> list[tuple[str, str]]:
    pairs = list(request.query.items())
    if request.method == "POST":
        content_type = request.headers.get("Content-Type", "")
        body = await request.read()
        if body and content_type.startswith("application/x-www-form-urlencoded"):
            pairs += parse_qsl(body.decode(), keep_blank_values=True)
    return pairs


def _parse(pairs: list[tuple[str, str]], fields: dict[str, Kind]) -> dict[str, Any]:
    return check(decode(pairs), fields)


Handler = Any


def endpoint(fields: dict[str, Kind]) -> Any:
    """Wrap a handler ``(store, request, params) -> (status, body)`` with authentication,
    parameter checking, idempotency and Stripe's error answers."""

    def wrap(handler: Handler) -> Any:
        async def serve(request: web.Request) -> web.StreamResponse:
            store = request.app[STORE]
            try:
                key = _authenticate(request, store)
                pairs = await _pairs(request)
                try:
                    params = _parse(pairs, fields)
                except ParamError as exc:
                    raise StripeError(400, exc.message, code=exc.code, param=exc.param) from None
                idem = request.headers.get("Idempotency-Key") if request.method == "POST" else None
                if idem is not None:
                    replay = _replay(store, key, idem, request, pairs)
                    if replay is not None:
                        return replay
                try:
                    status, body = handler(store, request, params)
                except StripeError as exc:
                    status, body = exc.status, {"error": exc.body}
                raw = json.dumps(body).encode()
                if idem is not None:
                    store.idempotency[(key, idem)] = _Saved(
                        request.method,
                        request.path,
                        sorted(pairs),
                        status,
                        raw,
                        to_epoch(store.clock.now()),
                    )
                headers = {"Idempotency-Key": idem} if idem is not None else None
                return web.Response(
                    body=raw, status=status, content_type="application/json", headers=headers
                )
            except StripeError as exc:
                return exc.response()

        return serve

    return wrap


def _replay(
    store: StripeStore, key: str, idem: str, request: web.Request, pairs: list[tuple[str, str]]
) -> web.Response | None:
    now = to_epoch(store.clock.now())
    window = int(IDEMPOTENCY_WINDOW.total_seconds())
    for saved_key, saved in list(store.idempotency.items()):
        if saved.saved_at < now - window:
            del store.idempotency[saved_key]
    saved = store.idempotency.get((key, idem))
    if saved is None:
        return None
    if (saved.method, saved.path) != (request.method, request.path):
        raise StripeError(
            400,
            f"Keys for idempotent requests can only be used for the same endpoint they were "
            f"first used for ('{saved.method} {saved.path}' vs '{request.method} "
            f"{request.path}'). Try using a key other than '{idem}' if you meant to execute a "
            f"different request.",
            type="idempotency_error",
        )
    if saved.params != sorted(pairs):
        raise StripeError(
            400,
            f"Keys for idempotent requests can only be used with the same parameters they "
            f"were first used with. Try using a key other than '{idem}' if you meant to "
            f"execute a different request.",
            type="idempotency_error",
        )
    return web.Response(
        body=saved.body,
        status=saved.status,
        content_type="application/json",
        headers={"Idempotency-Key": idem, "Idempotent-Replayed": "true"},
    )


def _missing(name: str) -> StripeError:
    message = f"Missing required param: {name}."
    return StripeError(400, message, code="parameter_missing", param=name)


# ---------------------------------------------------------------------- coupons
@endpoint(COUPON_CREATE)
def _create_coupon(store: StripeStore, request: web.Request, params: dict) -> tuple[int, Any]:
    percent, amount = params.get("percent_off"), params.get("amount_off")
    if percent is None and amount is None:
        raise StripeError(
            400, "You must pass either `percent_off` or `amount_off`.", param="percent_off"
        )
    if percent is not None and amount is not None:
        raise StripeError(
            400, "You cannot pass both `percent_off` and `amount_off`.", param="percent_off"
        )
    if percent is not None and not (0 < percent <= 100):
        raise StripeError(
            400,
            "Invalid percent_off: must be greater than 0 and less than or equal to 100",
            param="percent_off",
        )
    if amount is not None and params.get("currency") is None:
        raise _missing("currency")
    if (params.get("duration") == "repeating") != ("duration_in_months" in params):
        raise StripeError(
            400,
            "`duration_in_months` is required if and only if `duration` is `repeating`.",
            param="duration_in_months",
        )
    if "name" in params and len(params["name"]) > 40:
        raise StripeError(400, "Invalid name: must be at most 40 characters", param="name")
    coupon_id = params.get("id") or store._next_id("coupon")
    if coupon_id in store.coupons:
        raise StripeError(400, "Coupon already exists.", code="resource_already_exists")
    coupon = store._coupon(coupon_id, params)
    store.coupons[coupon_id] = coupon
    return 200, coupon


@endpoint(RETRIEVE)
def _retrieve_coupon(store: StripeStore, request: web.Request, params: dict) -> tuple[int, Any]:
    coupon_id = request.match_info["coupon_id"]
    coupon = store.coupons.get(coupon_id)
    if coupon is None:
        raise StripeError(
            404, f"No such coupon: '{coupon_id}'", code="resource_missing", param="id"
        )
    return 200, coupon


# ---------------------------------------------------------------------- promotion codes
def _taken(code: str) -> StripeError:
    return StripeError(
        400,
        f"An active promotion code with `code: {code}` already exists.",
        code="resource_already_exists",
        param="code",
    )


@endpoint(PROMOTION_CODE_CREATE)
def _create_promotion_code(
    store: StripeStore, request: web.Request, params: dict
) -> tuple[int, Any]:
    promotion = params.get("promotion")
    if promotion is None:
        raise _missing("promotion")
    if "type" not in promotion:
        raise _missing("promotion[type]")
    coupon_id = promotion.get("coupon")
    if coupon_id is None:
        raise _missing("promotion[coupon]")
    if coupon_id not in store.coupons:
        message = f"No such coupon: '{coupon_id}'"
        raise StripeError(400, message, code="resource_missing", param="promotion[coupon]")
    code = params.get("code")
    if code is None:
        code = store._next_id("CODE").split("_")[1].upper()
    if not _CODE_CHARS.fullmatch(code) or len(code) > 500:
        raise StripeError(
            400,
            "Invalid code: may only contain letters (a-z, A-Z), digits (0-9) and dashes (-)",
            param="code",
        )
    if "max_redemptions" in params and params["max_redemptions"] < 1:
        raise StripeError(
            400, "Invalid max_redemptions: must be a positive integer", param="max_redemptions"
        )
    if params.get("active", True) and store.active_code(code) is not None:
        raise _taken(code)
    promo = store._promotion_code({**params, "code": code})
    store.promotion_codes[promo["id"]] = promo
    return 200, promo


def _promotion_code_or_404(store: StripeStore, request: web.Request) -> dict[str, Any]:
    promo_id = request.match_info["promo_id"]
    promo = store.promotion_codes.get(promo_id)
    if promo is None:
        raise StripeError(
            404, f"No such promotion code: '{promo_id}'", code="resource_missing", param="id"
        )
    return promo


@endpoint(PROMOTION_CODE_UPDATE)
def _update_promotion_code(
    store: StripeStore, request: web.Request, params: dict
) -> tuple[int, Any]:
    promo = _promotion_code_or_404(store, request)
    if params.get("active") and not promo["active"]:
        other = store.active_code(promo["code"])
        if other is not None:
            raise _taken(promo["code"])
    if "active" in params:
        promo["active"] = params["active"]
    if "metadata" in params:
        promo["metadata"] = {
            **promo["metadata"],
            **params["metadata"],
        }
        promo["metadata"] = {k: v for k, v in promo["metadata"].items() if v != ""}
    return 200, promo


@endpoint(RETRIEVE)
def _retrieve_promotion_code(
    store: StripeStore, request: web.Request, params: dict
) -> tuple[int, Any]:
    return 200, _promotion_code_or_404(store, request)


@endpoint(PROMOTION_CODE_LIST)
def _list_promotion_codes(
    store: StripeStore, request: web.Request, params: dict
) -> tuple[int, Any]:
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise StripeError(400, "Invalid limit: must be an integer between 1 and 100", param="limit")
    found = list(reversed(store.promotion_codes.values()))  # newest first, as Stripe lists
    if "code" in params:
        found = [p for p in found if p["code"].lower() == params["code"].lower()]
    if "active" in params:
        found = [p for p in found if p["active"] == params["active"]]
    if "coupon" in params:
        found = [p for p in found if p["promotion"]["coupon"] == params["coupon"]]
    return 200, {
        "object": "list",
        "data": found[:limit],
        "has_more": len(found) > limit,
        "url": "/v1/promotion_codes",
    }


async def _not_found(request: web.Request) -> web.Response:
    return StripeError(
        404,
        f"Unrecognized request URL ({request.method}: {request.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
    ).response()


def create_app(store: StripeStore) -> web.Application:
    app = store.tap.install(web.Application())
    app[STORE] = store
    app.router.add_post("/v1/coupons", _create_coupon)
    app.router.add_get("/v1/coupons/{coupon_id}", _retrieve_coupon)
    app.router.add_post("/v1/promotion_codes", _create_promotion_code)
    app.router.add_get("/v1/promotion_codes", _list_promotion_codes)
    app.router.add_get("/v1/promotion_codes/{promo_id}", _retrieve_promotion_code)
    app.router.add_post("/v1/promotion_codes/{promo_id}", _update_promotion_code)
    app.router.add_route("*", "/{tail:.*}", _not_found)
    return app
