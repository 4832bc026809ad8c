"""The local Stripe refuses what Stripe refuses: wrong shapes, unknown parameters, reused
idempotency keys, taken codes; and Stripe's own Python library works against it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import stripe

from bot.clock import FrozenClock
from emulators._base import LoopbackServer
from emulators.stripe import StripeStore, create_app

KEY = "sk_test_standin0000000000000000000000000"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def store(clock: FrozenClock) -> StripeStore:
    stripe_store = StripeStore(clock)
    stripe_store.add_key(KEY)
    stripe_store.add_coupon("creatorbot-15pct", 15, duration="forever")
    return stripe_store


@pytest.fixture
async def base_url(store: StripeStore) -> AsyncIterator[str]:
    async with LoopbackServer(create_app(store)) as server:
        yield server.base_url


async def _post(
    url: str, body: str | bytes, *, key: str | None = KEY, headers: dict | None = None
) -> tuple[int, dict, Any]:
    sent = dict(FORM) | (headers or {})
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=sent) as response,
    ):
        return response.status, await response.json(), response.headers


NEW_CODE = "code=ANNA15&promotion[type]=coupon&promotion[coupon]=creatorbot-15pct"


async def test_the_old_coupon_parameter_is_unknown(base_url: str, store: StripeStore) -> None:
    """`coupon=` at the top level (before 2025-09-30.clover) is refused as Stripe does."""
    status, body, _ = await _post(f"{base_url}/v1/promotion_codes", "code=A1&coupon=x")
    assert status == 400
    assert body["error"] == {
        "type": "invalid_request_error",
        "code": "parameter_unknown",
        "doc_url": "https://stripe.com/docs/error-codes/parameter-unknown",
        "message": "Received unknown parameter: coupon",
        "param": "coupon",
    }
    assert store.promotion_codes == {}


async def test_a_misspelt_nested_parameter_is_named(base_url: str) -> None:
    """restrictions[first_time] is not a parameter: the error names it in brackets."""
    status, body, _ = await _post(
        f"{base_url}/v1/promotion_codes", NEW_CODE + "&restrictions[first_time]=true"
    )
    assert (status, body["error"]["param"]) == (400, "restrictions[first_time]")


async def test_a_json_body_is_not_read(base_url: str) -> None:
    """Stripe takes form bodies only: a JSON body leaves the required promotion missing."""
    payload = json.dumps({"code": "ANNA15", "promotion": {"type": "coupon"}})
    status, body, _ = await _post(
        f"{base_url}/v1/promotion_codes", payload, headers={"Content-Type": "application/json"}
    )
    assert (status, body["error"]["code"]) == (400, "parameter_missing")


async def test_a_boolean_must_be_true_or_false(base_url: str) -> None:
    """restrictions[first_time_transaction]=yes is an invalid boolean."""
    status, body, _ = await _post(
        f"{base_url}/v1/promotion_codes", NEW_CODE + "&restrictions[first_time_transaction]=yes"
    )
    assert (status, body["error"]["message"]) == (400, "Invalid boolean: yes")


async def test_no_key_is_401(base_url: str) -> None:
    """Without Authorization: 401 invalid_request_error asking for Bearer auth."""
    status, body, _ = await _post(f"{base_url}/v1/promotion_codes", NEW_CODE, key=None)
    assert status == 401
    assert body["error"]["type"] == "invalid_request_error"
    assert "Bearer" in body["error"]["message"]


async def test_same_idempotency_key_replays_the_first_answer(
    base_url: str, store: StripeStore
) -> None:
    """A retry with the same key and parameters gets the same code back, marked replayed."""
    url, key = f"{base_url}/v1/promotion_codes", {"Idempotency-Key": "k1"}
    first = await _post(url, NEW_CODE, headers=key)
    second = await _post(url, NEW_CODE, headers=key)
    assert first[1]["id"] == second[1]["id"]
    assert second[2]["Idempotent-Replayed"] == "true"
    assert len(store.promotion_codes) == 1


async def test_same_key_with_other_parameters_is_an_idempotency_error(base_url: str) -> None:
    """The key reused for another code: 400 idempotency_error."""
    url, key = f"{base_url}/v1/promotion_codes", {"Idempotency-Key": "k1"}
    await _post(url, NEW_CODE, headers=key)
    status, body, _ = await _post(url, NEW_CODE.replace("ANNA15", "BOB15"), headers=key)
    assert (status, body["error"]["type"]) == (400, "idempotency_error")


async def test_an_idempotency_key_expires_after_24_hours(
    base_url: str, store: StripeStore, clock: FrozenClock
) -> None:
    """25 hours later the same key runs the request again (here: the code is taken)."""
    url, key = f"{base_url}/v1/promotion_codes", {"Idempotency-Key": "k1"}
    await _post(url, NEW_CODE, headers=key)
    clock.advance(hours=25)
    status, body, _ = await _post(url, NEW_CODE, headers=key)
    assert (status, body["error"]["code"]) == (400, "resource_already_exists")


async def test_an_active_code_text_is_unique_case_insensitively(
    base_url: str, store: StripeStore
) -> None:
    """anna15 while ANNA15 is active: 400; once ANNA15 is inactive, anna15 can be made."""
    url = f"{base_url}/v1/promotion_codes"
    _, made, _ = await _post(url, NEW_CODE)
    status, body, _ = await _post(url, NEW_CODE.replace("ANNA15", "anna15"))
    assert status == 400
    taken = "An active promotion code with `code: anna15` already exists."
    assert body["error"]["message"] == taken
    await _post(f"{url}/{made['id']}", "active=false")
    status, _, _ = await _post(url, NEW_CODE.replace("ANNA15", "anna15"))
    assert status == 200


async def test_an_existing_coupon_id_is_resource_already_exists(base_url: str) -> None:
    """POST /v1/coupons with an id in use: 400 resource_already_exists."""
    status, body, _ = await _post(
        f"{base_url}/v1/coupons", "id=creatorbot-15pct&percent_off=15&duration=forever"
    )
    assert (status, body["error"]["code"]) == (400, "resource_already_exists")


async def test_an_injected_429_says_when_to_retry(base_url: str, store: StripeStore) -> None:
    """A throttled request gets Stripe's rate_limit error with Retry-After and Should-Retry."""
    store.tap.fail("/v1/promotion_codes", 429)
    status, body, headers = await _post(f"{base_url}/v1/promotion_codes", NEW_CODE)
    assert (status, body["error"]["code"]) == (429, "rate_limit")
    assert (headers["Retry-After"], headers["Stripe-Should-Retry"]) == ("1", "true")


async def test_stripes_own_library_creates_and_lists_codes(
    base_url: str, store: StripeStore
) -> None:
    """stripe-python (its own encoding and API version) creates, finds and deactivates a code,
    and reads the duplicate error as an InvalidRequestError with Stripe's code."""
    client = stripe.StripeClient(KEY, base_addresses={"api": base_url}, max_network_retries=0)

    def run() -> tuple[Any, Any, Any, Any]:
        promo = client.v1.promotion_codes.create(
            {
                "code": "ANNA15",
                "promotion": {"type": "coupon", "coupon": "creatorbot-15pct"},
                "restrictions": {"first_time_transaction": True},
                "metadata": {"creatorbot_key": "k"},
            }
        )
        try:
            client.v1.promotion_codes.create(
                {"code": "anna15", "promotion": {"type": "coupon", "coupon": "creatorbot-15pct"}}
            )
            duplicate = None
        except stripe.InvalidRequestError as exc:
            duplicate = exc
        listed = client.v1.promotion_codes.list({"code": "anna15"})
        paused = client.v1.promotion_codes.update(promo.id, {"active": False})
        return promo, duplicate, listed, paused

    promo, duplicate, listed, paused = await asyncio.to_thread(run)
    assert promo.promotion.coupon == "creatorbot-15pct"
    assert promo.restrictions.first_time_transaction is True
    assert duplicate is not None and duplicate.code == "resource_already_exists"
    assert [p.id for p in listed.data] == [promo.id]
    assert paused.active is False
    assert store.promotion_codes[promo.id]["active"] is False
