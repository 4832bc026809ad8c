"""The local WooCommerce's coupons answer as WooCommerce does: the coupon schema enforced,
codes unique among published coupons, drafts out of use; WooCommerce's own client works."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from woocommerce import API

from bot.clock import FrozenClock, to_epoch
from bot.shops.woocommerce import oauth_signature
from emulators._base import LoopbackServer
from emulators.woocommerce import WooStore, create_app

KEY, SECRET = "ck_standin_coupons_0123456789", "cs_standin_coupons_0123456789"
COUPONS = "/wp-json/wc/v3/coupons"


@pytest.fixture
def store(clock: FrozenClock) -> WooStore:
    woo = WooStore(clock)
    woo.add_key(KEY, SECRET, permissions="read_write")
    return woo


@pytest.fixture
async def base_url(store: WooStore) -> AsyncIterator[str]:
    async with LoopbackServer(create_app(store)) as server:
        yield server.base_url


_nonce = iter(range(10**6))


async def _send(
    clock: FrozenClock, method: str, url: str, body: Any = None, query: dict | None = None
) -> tuple[int, Any]:
    params = dict(query or {}) | {
        "oauth_consumer_key": KEY,
        "oauth_nonce": f"n{next(_nonce)}",
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": str(to_epoch(clock.now())),
    }
    params["oauth_signature"] = oauth_signature(method, url, params, SECRET)
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, params=params, json=body) as response,
    ):
        return response.status, await response.json()


GOOD = {"code": "ANNA15", "discount_type": "percent", "amount": "15", "individual_use": True}


async def test_a_numeric_amount_is_refused(base_url: str, clock: FrozenClock, store: WooStore):
    """amount must be a string: a JSON number is rest_invalid_param naming amount."""
    status, body = await _send(clock, "POST", base_url + COUPONS, GOOD | {"amount": 15})
    assert (status, body["code"]) == (400, "rest_invalid_param")
    assert body["data"]["params"] == {"amount": "amount is not of type string."}
    assert store.coupons == {}


async def test_an_unknown_discount_type_is_refused(base_url: str, clock: FrozenClock):
    """discount_type outside percent/fixed_cart/fixed_product is refused."""
    status, body = await _send(
        clock, "POST", base_url + COUPONS, GOOD | {"discount_type": "percentage"}
    )
    assert (status, body["message"]) == (400, "Invalid parameter(s): discount_type")


async def test_a_coupon_without_code_is_refused(base_url: str, clock: FrozenClock):
    """code is required on create: rest_missing_callback_param."""
    payload = {k: v for k, v in GOOD.items() if k != "code"}
    status, body = await _send(clock, "POST", base_url + COUPONS, payload)
    assert (status, body["code"]) == (400, "rest_missing_callback_param")


async def test_a_published_code_cannot_be_made_twice(base_url: str, clock: FrozenClock):
    """anna15 after ANNA15: WooCommerce's already-exists error, word for word."""
    assert (await _send(clock, "POST", base_url + COUPONS, GOOD))[0] == 201
    status, body = await _send(clock, "POST", base_url + COUPONS, GOOD | {"code": "anna15"})
    assert (status, body) == (
        400,
        {
            "code": "woocommerce_rest_coupon_code_already_exists",
            "message": "The coupon code already exists",
            "data": {"status": 400},
        },
    )


async def test_a_draft_is_not_found_by_code(base_url: str, clock: FrozenClock) -> None:
    """A drafted coupon is out of use: ?code= does not list it, and the code is free again."""
    _, made = await _send(clock, "POST", base_url + COUPONS, GOOD)
    status, drafted = await _send(
        clock, "PUT", f"{base_url}{COUPONS}/{made['id']}", {"status": "draft"}
    )
    assert (status, drafted["status"]) == (200, "draft")
    assert (await _send(clock, "GET", base_url + COUPONS, query={"code": "ANNA15"}))[1] == []
    assert (await _send(clock, "POST", base_url + COUPONS, GOOD))[0] == 201


async def test_an_unknown_coupon_id_is_404(base_url: str, clock: FrozenClock) -> None:
    """PUT coupons/999: WooCommerce's invalid-id answer."""
    status, body = await _send(clock, "PUT", f"{base_url}{COUPONS}/999", {"status": "draft"})
    assert (status, body["code"]) == (404, "woocommerce_rest_shop_coupon_invalid_id")


async def test_an_injected_429_carries_retry_after(base_url: str, store: WooStore) -> None:
    """A throttled request is told how long to wait."""
    store.retry_after = 7
    store.tap.fail(COUPONS, 429)
    async with aiohttp.ClientSession() as session, session.get(base_url + COUPONS) as response:
        assert (response.status, response.headers["Retry-After"]) == (429, "7")


async def test_woocommerces_own_client_creates_and_drafts_a_coupon() -> None:
    """WooCommerce's Python client (OAuth 1.0a over HTTP, JSON bodies) creates a coupon,
    drafts it and reads it back from the stand-in."""
    store = WooStore(FrozenClock(datetime.now(UTC)))  # the client signs with the real time
    store.add_key(KEY, SECRET, permissions="read_write")
    async with LoopbackServer(create_app(store)) as server:
        api = API(url=server.base_url, consumer_key=KEY, consumer_secret=SECRET, timeout=10)

        def run() -> tuple[Any, Any, Any]:
            made = api.post("coupons", GOOD | {"usage_limit_per_user": 1})
            coupon_id = made.json()["id"]
            drafted = api.put(f"coupons/{coupon_id}", {"status": "draft"})
            return made, drafted, api.get(f"coupons/{coupon_id}")

        made, drafted, read = await asyncio.to_thread(run)
    assert made.status_code == 201
    assert (made.json()["code"], made.json()["amount"]) == ("anna15", "15.00")
    assert drafted.status_code == 200
    assert json.loads(read.text)["status"] == "draft"
