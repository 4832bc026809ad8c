"""Creator codes in a Shopify store: the real client against the local Shopify stand-in,
which validates the GraphQL request shapes and throttles by cost as Shopify does."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.clock import FrozenClock
from bot.shops import ShopUnavailable
from bot.shops.codes import CodeTaken, ShopCode, ShopKind
from bot.shops.shopify import ShopifyAdmin, admin_base
from emulators._base import LoopbackServer
from emulators.shopify import ShopifyStore, create_app
from tests.shops._helpers import Sleeper, code_spec

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
CREATE = "discountCodeBasicCreate"


@pytest.fixture
def sleeper(clock: FrozenClock) -> Sleeper:
    return Sleeper(clock)


def _store(clock: FrozenClock, **kw: float) -> ShopifyStore:
    return ShopifyStore(clock, token=TOKEN, **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(clock: FrozenClock) -> ShopifyStore:
    return _store(clock)


@pytest.fixture
async def shop(
    store: ShopifyStore, clock: FrozenClock, sleeper: Sleeper
) -> AsyncIterator[ShopifyAdmin]:
    async with (
        LoopbackServer(create_app(store)) as server,
        ShopifyAdmin(server.base_url, TOKEN, clock=clock, sleep=sleeper) as client,
    ):
        yield client


async def test_create_puts_the_code_in_the_shop(shop: ShopifyAdmin, store: ShopifyStore) -> None:
    """The shop holds the code: the percentage, all customers, once per customer, the title."""
    created = await shop.create_code(code_spec("shopify"))
    held = store.find("ANNABAKES15")
    assert held is not None
    assert created.shop is ShopKind.SHOPIFY and shop.kind is ShopKind.SHOPIFY
    assert (created.shop_id, created.code, created.active) == (held.gid, "ANNABAKES15", True)
    assert (held.percentage, held.applies_once_per_customer) == (0.15, True)
    assert held.title == "ANNABAKES15 — Anna (Spring program)"
    assert store.requests[0].path == "/admin/api/2026-10/graphql.json"
    assert store.requests[0].headers["X-Shopify-Access-Token"] == TOKEN


async def test_a_code_taken_by_someone_else_is_code_taken(
    shop: ShopifyAdmin, store: ShopifyStore
) -> None:
    """Shopify's TAKEN is CodeTaken; the shop's own discount is not touched."""
    theirs = store.add_code("annabakes15", 40, title="Staff")
    with pytest.raises(CodeTaken) as taken:
        await shop.create_code(code_spec("shopify"))
    assert taken.value.code == "ANNABAKES15"
    assert list(store.discounts.values()) == [theirs]
    assert (theirs.title, theirs.percentage, theirs.code) == ("Staff", 0.4, "annabakes15")
    assert store.calls[CREATE] == 1


async def test_pause_and_resume_flip_the_code(
    shop: ShopifyAdmin, store: ShopifyStore, clock: FrozenClock
) -> None:
    """Deactivating makes the code unusable in the shop; activating makes it work again."""
    created = await shop.create_code(code_spec("shopify", once=False))
    clock.advance(hours=1)
    paused = await shop.set_active(created, False)
    assert paused.active is False and paused.shop_id == created.shop_id
    assert store.find("ANNABAKES15").status(clock.now()) == "EXPIRED"  # type: ignore[union-attr]
    resumed = await shop.set_active(paused, True)
    assert resumed.active is True
    assert store.find("ANNABAKES15").status(clock.now()) == "ACTIVE"  # type: ignore[union-attr]
    assert store.calls == {CREATE: 1, "discountCodeDeactivate": 1, "discountCodeActivate": 1}


async def test_find_code(shop: ShopifyAdmin, store: ShopifyStore) -> None:
    """A code the shop has is found (any case) with its id; one it lacks is None."""
    gid = store.add_code("ANNABAKES15").gid
    found = await shop.find_code("annabakes15")
    assert found is not None and (found.shop_id, found.code, found.active) == (
        gid,
        "ANNABAKES15",
        True,
    )
    assert await shop.find_code("NOSUCHCODE") is None


async def test_throttled_mid_batch_waits_and_creates_each_code_once(
    clock: FrozenClock, sleeper: Sleeper
) -> None:
    """With the bucket drained at the start and again mid-batch, every code is created
    exactly once: throttled requests are waited out, never run twice."""
    store = _store(clock, maximum_available=40, restore_rate=10)
    codes = [f"CREATOR{n:02d}" for n in range(12)]
    store.bucket.drain(to=5)  # another process of this app spent the bucket
    async with (
        LoopbackServer(create_app(store)) as server,
        ShopifyAdmin(server.base_url, TOKEN, clock=clock, sleep=sleeper) as shop,
    ):
        for n, code in enumerate(codes):
            if n == 6:
                store.bucket.drain(to=0)
            await shop.create_code(code_spec("shopify", code))
            clock.advance(seconds=1)  # the next approval comes a second later
    assert sorted(d.code for d in store.discounts.values()) == codes
    assert store.calls[CREATE] == 12
    assert store.throttled[CREATE] == 2
    # Each throttled request waited (requested - available) / restoreRate: 0.5 s, then 1 s.
    assert [round(w, 2) for w in sleeper.waits] == [0.5, 1.0]


async def test_the_client_paces_itself_by_the_reported_bucket(
    clock: FrozenClock, sleeper: Sleeper
) -> None:
    """After the first answer the client waits for the bucket itself: a burst of creates
    past the bucket is never THROTTLED, so no request is sent in vain."""
    store = _store(clock, maximum_available=30, restore_rate=10)
    async with (
        LoopbackServer(create_app(store)) as server,
        ShopifyAdmin(server.base_url, TOKEN, clock=clock, sleep=sleeper) as shop,
    ):
        for n in range(8):
            await shop.create_code(code_spec("shopify", f"BURST{n}"))
    assert (store.calls[CREATE], store.throttled[CREATE], len(store.requests)) == (8, 0, 8)
    assert round(sum(sleeper.waits), 1) == 5.0  # (8 × 10 − 30) / 10


async def test_still_throttled_after_the_attempts_is_shop_unavailable(
    clock: FrozenClock, sleeper: Sleeper
) -> None:
    """A bucket that never refills ends in ShopUnavailable after a bounded number of tries."""
    store = _store(clock, maximum_available=40, restore_rate=10)
    store.bucket.drain(to=0)
    async with LoopbackServer(create_app(store)) as server:
        # A sleep that does not move the clock: the bucket never refills.
        async def stuck(seconds: float) -> None:
            sleeper.waits.append(seconds)

        async with ShopifyAdmin(
            server.base_url, TOKEN, clock=clock, sleep=stuck, max_attempts=3
        ) as shop:
            with pytest.raises(ShopUnavailable) as failed:
                await shop.create_code(code_spec("shopify"))
    assert (failed.value.status, failed.value.reason) == (200, "throttled")
    assert store.throttled[CREATE] == 3 and store.discounts == {}


async def test_a_500_is_shop_unavailable_and_not_retried(
    shop: ShopifyAdmin, store: ShopifyStore
) -> None:
    """A 500 from Shopify is ShopUnavailable with the status; the create is not resent."""
    store.fail_next(1, 500)
    with pytest.raises(ShopUnavailable) as failed:
        await shop.create_code(code_spec("shopify"))
    assert (failed.value.shop, failed.value.status) == ("shopify", 500)
    assert [r.status for r in store.requests] == [500]


async def test_a_429_waits_retry_after_and_retries(
    shop: ShopifyAdmin, store: ShopifyStore, sleeper: Sleeper
) -> None:
    """A 429 is waited out for Retry-After seconds, then the code is created once."""
    store.rate_limit_next(1, retry_after=3)
    created = await shop.create_code(code_spec("shopify"))
    assert created.active is True
    assert sleeper.waits == [3.0]
    assert [r.status for r in store.requests] == [429, 200]
    assert store.calls[CREATE] == 1


async def test_a_refused_token_is_shop_unavailable_and_never_logged(
    store: ShopifyStore, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong token is a 401 and ShopUnavailable; no log line or repr shows a token."""
    caplog.set_level(logging.DEBUG)
    wrong = "shpat_ffffffffffffffffffffffffffffffff"
    async with (
        LoopbackServer(create_app(store)) as server,
        ShopifyAdmin(server.base_url, wrong, clock=clock) as shop,
    ):
        with pytest.raises(ShopUnavailable) as refused:
            await shop.find_code("ANNABAKES15")
        assert wrong not in repr(shop)
    assert refused.value.status == 401
    assert wrong not in caplog.text and TOKEN not in caplog.text


async def test_an_unreachable_shop_is_shop_unavailable(clock: FrozenClock) -> None:
    """Nothing listening: ShopUnavailable without a status."""
    server = LoopbackServer(create_app(_store(clock)))
    await server.start()
    base = server.base_url
    await server.stop()
    async with ShopifyAdmin(base, TOKEN, clock=clock) as shop:
        with pytest.raises(ShopUnavailable) as failed:
            await shop.create_code(code_spec("shopify"))
    assert failed.value.status is None


def test_a_store_domain_means_https_and_a_scheme_is_kept() -> None:
    """brand.myshopify.com is reached over HTTPS; http://127.0.0.1:9100 is used as given."""
    assert admin_base("Brand.myshopify.com/") == "https://brand.myshopify.com"
    assert admin_base("http://127.0.0.1:9100") == "http://127.0.0.1:9100"
    client = ShopifyAdmin("brand.myshopify.com", TOKEN)
    assert client.endpoint == "https://brand.myshopify.com/admin/api/2026-10/graphql.json"


async def test_pausing_a_code_the_shop_no_longer_has(shop: ShopifyAdmin) -> None:
    """A stored id the shop does not know (deleted in the admin) is refused, not invented."""
    gone = ShopCode(ShopKind.SHOPIFY, "gid://shopify/DiscountCodeNode/1", "ANNABAKES15", True)
    with pytest.raises(ShopUnavailable) as refused:
        await shop.set_active(gone, False)
    assert refused.value.reason == "refused: UNKNOWN"
