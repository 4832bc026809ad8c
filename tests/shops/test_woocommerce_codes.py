"""Creator codes in WooCommerce: WooCommerceAPI's coupons against the local store."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.clock import FrozenClock
from bot.shops import ShopUnavailable
from bot.shops._backoff import Backoff
from bot.shops.codes import CodeTaken, ShopKind
from bot.shops.woocommerce import WooCommerceAPI
from emulators._base import LoopbackServer
from emulators.woocommerce import WooStore, create_app
from tests.shops._helpers import Sleeper, code_spec

KEY, SECRET = "ck_codes0123456789abcdef0123456789abcdef01", "cs_codes0123456789abcdef0123456789abcd"
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


@pytest.fixture
def sleeps() -> Sleeper:
    return Sleeper()


@pytest.fixture
def shop(base_url: str, clock: FrozenClock, sleeps: Sleeper) -> WooCommerceAPI:
    return WooCommerceAPI(base_url, KEY, SECRET, clock, backoff=Backoff(sleep=sleeps))


async def test_create_makes_a_percent_coupon(shop: WooCommerceAPI, store: WooStore) -> None:
    """The coupon exists: 15 percent, individual use, once per customer, titled, published."""
    made = await shop.create_code(code_spec("woocommerce"))
    coupon = store.coupons[int(made.shop_id)]
    assert (made.shop, made.code, made.active) == (ShopKind.WOOCOMMERCE, "annabakes15", True)
    assert (coupon["discount_type"], coupon["amount"]) == ("percent", "15.00")
    assert (coupon["individual_use"], coupon["usage_limit_per_user"]) == (True, 1)
    assert coupon["description"] == "ANNABAKES15 — Anna (Spring program)"


async def test_without_once_per_customer_there_is_no_per_user_limit(
    shop: WooCommerceAPI, store: WooStore
) -> None:
    """once_per_customer off: the coupon has no per-customer limit."""
    made = await shop.create_code(code_spec("woocommerce", once=False))
    assert store.coupons[int(made.shop_id)]["usage_limit_per_user"] is None


async def test_a_code_someone_else_has_is_taken_and_left_alone(
    shop: WooCommerceAPI, store: WooStore
) -> None:
    """A published coupon with that code (any case) → CodeTaken; it is unchanged."""
    theirs = store.add_coupon("AnnaBakes15", "5", discount_type="fixed_cart")
    before = dict(theirs)
    with pytest.raises(CodeTaken):
        await shop.create_code(code_spec("woocommerce"))
    assert list(store.coupons.values()) == [before]


async def test_a_retried_create_returns_our_coupon(shop: WooCommerceAPI, store: WooStore) -> None:
    """The same create again (its answer lost): our own coupon back, still only one."""
    first = await shop.create_code(code_spec("woocommerce"))
    again = await shop.create_code(code_spec("woocommerce"))
    assert again == first
    assert len(store.coupons) == 1


async def test_pause_and_resume_draft_and_publish_the_coupon(
    shop: WooCommerceAPI, store: WooStore
) -> None:
    """set_active(False) makes exactly that coupon a draft; True publishes it again."""
    made = await shop.create_code(code_spec("woocommerce"))
    other = await shop.create_code(code_spec("woocommerce", "BOBCOOKS15"))
    paused = await shop.set_active(made, False)
    assert (paused.active, store.coupons[int(made.shop_id)]["status"]) == (False, "draft")
    assert store.coupons[int(other.shop_id)]["status"] == "publish"
    resumed = await shop.set_active(made, True)
    assert (resumed.active, store.coupons[int(made.shop_id)]["status"]) == (True, "publish")


async def test_find_code(shop: WooCommerceAPI) -> None:
    """find_code finds the published coupon by its code; None for a code the store lacks."""
    made = await shop.create_code(code_spec("woocommerce"))
    assert await shop.find_code("ANNABAKES15") == made
    assert await shop.find_code("NOBODY10") is None


async def test_throttled_mid_batch_waits_and_creates_each_code_once(
    shop: WooCommerceAPI, store: WooStore, sleeps: Sleeper
) -> None:
    """A 429 on the third of five creates: waited Retry-After, five coupons, five creates."""
    codes = [f"creator{n}" for n in range(5)]
    for n, code in enumerate(codes):
        if n == 2:
            store.retry_after = 3
            store.tap.fail(COUPONS, 429, method="POST")
        await shop.create_code(code_spec("woocommerce", code))
    assert sorted(c["code"] for c in store.coupons.values()) == codes
    assert store.calls("POST", COUPONS, status=201) == 5
    assert store.calls("POST", COUPONS, status=429) == 1
    assert sleeps.waits == [3.0]


async def test_a_server_error_is_unavailable(shop: WooCommerceAPI, store: WooStore) -> None:
    """A 500 from the store is ShopUnavailable(500) after one request; no coupon."""
    store.tap.fail(COUPONS, 500, method="POST")
    with pytest.raises(ShopUnavailable) as failed:
        await shop.create_code(code_spec("woocommerce"))
    assert (failed.value.shop, failed.value.status) == ("woocommerce", 500)
    assert store.calls("POST", COUPONS) == 1
    assert store.coupons == {}


async def test_a_read_only_key_cannot_create(
    base_url: str, clock: FrozenClock, store: WooStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A key with read permission only: 401, ShopUnavailable, no coupon, no key in the log."""
    store.add_key("ck_readonly_key_value", "cs_readonly_secret_value", permissions="read")
    caplog.set_level(logging.DEBUG)
    shop = WooCommerceAPI(base_url, "ck_readonly_key_value", "cs_readonly_secret_value", clock)
    with pytest.raises(ShopUnavailable) as refused:
        await shop.create_code(code_spec("woocommerce"))
    assert refused.value.status == 401
    assert store.coupons == {}
    assert "cs_readonly_secret_value" not in caplog.text + repr(shop)
