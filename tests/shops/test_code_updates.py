"""A changed discount reaches codes that exist already, in each shop, through the real
clients against the local stand-ins; repeating an update changes nothing more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.clock import FrozenClock
from bot.shops._backoff import Backoff
from bot.shops.shopify import ShopifyAdmin
from bot.shops.stripe import StripeCodes
from bot.shops.woocommerce import WooCommerceAPI
from emulators._base import LoopbackServer
from emulators.shopify import ShopifyStore
from emulators.shopify import create_app as shopify_app
from emulators.stripe import StripeStore
from emulators.stripe import create_app as stripe_app
from emulators.woocommerce import WooStore
from emulators.woocommerce import create_app as woo_app
from tests.shops._helpers import Sleeper, code_spec

SHOPIFY_TOKEN = "shpat_0123456789abcdef0123456789abcdef"
STRIPE_KEY = "rk_test_51Creatorbot0000000000000000000000"
WOO_KEY, WOO_SECRET = (
    "ck_codes0123456789abcdef0123456789abcdef01",
    "cs_codes0123456789abcdef0123456789abcd",
)


@pytest.fixture
def shopify_store(clock: FrozenClock) -> ShopifyStore:
    return ShopifyStore(clock, token=SHOPIFY_TOKEN)


@pytest.fixture
async def shopify(shopify_store: ShopifyStore, clock: FrozenClock) -> AsyncIterator[ShopifyAdmin]:
    async with (
        LoopbackServer(shopify_app(shopify_store)) as server,
        ShopifyAdmin(server.base_url, SHOPIFY_TOKEN, clock=clock, sleep=Sleeper(clock)) as client,
    ):
        yield client


@pytest.fixture
def stripe_store(clock: FrozenClock) -> StripeStore:
    store = StripeStore(clock)
    store.add_key(STRIPE_KEY)
    return store


@pytest.fixture
async def stripe(stripe_store: StripeStore) -> AsyncIterator[StripeCodes]:
    async with LoopbackServer(stripe_app(stripe_store)) as server:
        yield StripeCodes(server.base_url, STRIPE_KEY, backoff=Backoff(sleep=Sleeper()))


@pytest.fixture
def woo_store(clock: FrozenClock) -> WooStore:
    store = WooStore(clock)
    store.add_key(WOO_KEY, WOO_SECRET, permissions="read_write")
    return store


@pytest.fixture
async def woo(woo_store: WooStore, clock: FrozenClock) -> AsyncIterator[WooCommerceAPI]:
    async with LoopbackServer(woo_app(woo_store)) as server:
        yield WooCommerceAPI(
            server.base_url, WOO_KEY, WOO_SECRET, clock, backoff=Backoff(sleep=Sleeper())
        )


async def test_shopify_discount_is_updated_in_place(
    shopify: ShopifyAdmin, shopify_store: ShopifyStore
) -> None:
    """discountCodeBasicUpdate changes the percentage and the once-per-customer rule of the
    same discount; its id, code and state stay."""
    made = await shopify.create_code(code_spec("shopify", once=True))
    updated = await shopify.update_code(made, code_spec("shopify", percent=20, once=False))
    held = shopify_store.find("ANNABAKES15")
    assert held is not None and updated == made
    assert (held.percentage, held.applies_once_per_customer) == (0.2, False)
    assert shopify_store.calls["discountCodeBasicUpdate"] == 1


async def test_shopify_refuses_an_update_out_of_range(
    shopify: ShopifyAdmin, shopify_store: ShopifyStore
) -> None:
    """A percentage Shopify refuses is a refusal, and the discount keeps its terms."""
    made = await shopify.create_code(code_spec("shopify"))
    with pytest.raises(Exception, match="VALUE_OUTSIDE_RANGE"):
        await shopify.update_code(made, replace(code_spec("shopify"), percent=150))
    held = shopify_store.find("ANNABAKES15")
    assert held is not None and held.percentage == 0.15


async def test_woocommerce_coupon_amount_is_updated(
    woo: WooCommerceAPI, woo_store: WooStore
) -> None:
    """The same coupon gets the new amount and no per-user limit any more."""
    made = await woo.create_code(code_spec("woocommerce", once=True))
    updated = await woo.update_code(made, code_spec("woocommerce", percent=20, once=False))
    coupon = woo_store.coupons[int(made.shop_id)]
    assert updated.shop_id == made.shop_id and len(woo_store.coupons) == 1
    # 0 is "no limit", which WooCommerce shows as null.
    assert (coupon["amount"], coupon["usage_limit_per_user"]) == ("20.00", None)


async def test_stripe_code_moves_to_the_new_coupon_once(
    stripe: StripeCodes, stripe_store: StripeStore
) -> None:
    """Stripe cannot change a coupon or a promotion code's coupon: the old promotion code
    is deactivated and a new one with the same text is made on the 20 % coupon. Doing it
    again (a retry after a crash) makes nothing more."""
    made = await stripe.create_code(code_spec("stripe", once=False))
    spec = code_spec("stripe", percent=20, once=False)
    moved = await stripe.update_code(made, spec)
    again = await stripe.update_code(moved, spec)
    promos = stripe_store.promotion_codes
    assert again == moved and moved.shop_id != made.shop_id
    assert len(promos) == 2
    assert promos[made.shop_id]["active"] is False
    assert promos[moved.shop_id]["active"] is True
    assert promos[moved.shop_id]["code"] == "ANNABAKES15"
    coupon = promos[moved.shop_id]["promotion"]["coupon"]
    assert stripe_store.coupons[coupon]["percent_off"] == 20


async def test_stripe_paused_code_stays_paused(
    stripe: StripeCodes, stripe_store: StripeStore
) -> None:
    """A deactivated code gets the new coupon and stays deactivated."""
    made = await stripe.create_code(code_spec("stripe", once=False))
    paused = await stripe.set_active(made, False)
    moved = await stripe.update_code(paused, code_spec("stripe", percent=20, once=False))
    assert moved.active is False
    assert [p["active"] for p in stripe_store.promotion_codes.values()] == [False, False]
