"""Creator codes in Stripe: StripeCodes against the local Stripe stand-in."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.clock import FrozenClock
from bot.shops import ShopUnavailable
from bot.shops._backoff import Backoff
from bot.shops.codes import CodeTaken, ShopKind
from bot.shops.stripe import API_VERSION, StripeCodes
from emulators._base import LoopbackServer
from emulators.stripe import StripeStore, create_app
from tests.shops._helpers import Sleeper, code_spec

KEY = "rk_test_51Creatorbot0000000000000000000000"
PROMOS = "/v1/promotion_codes"


@pytest.fixture
def store(clock: FrozenClock) -> StripeStore:
    stripe = StripeStore(clock)
    stripe.add_key(KEY)
    return stripe


@pytest.fixture
async def base_url(store: StripeStore) -> AsyncIterator[str]:
    async with LoopbackServer(create_app(store)) as server:
        yield server.base_url


@pytest.fixture
def sleeps() -> Sleeper:
    return Sleeper()


@pytest.fixture
def shop(base_url: str, sleeps: Sleeper) -> StripeCodes:
    return StripeCodes(base_url, KEY, backoff=Backoff(sleep=sleeps))


async def test_create_makes_a_promotion_code_on_the_programs_coupon(
    shop: StripeCodes, store: StripeStore
) -> None:
    """The code exists in Stripe, active, on a forever 15% coupon, first purchase only."""
    made = await shop.create_code(code_spec("stripe"))
    promo = store.promotion_codes[made.shop_id]
    assert (made.shop, made.code, made.active) == (ShopKind.STRIPE, "ANNABAKES15", True)
    assert promo["promotion"] == {"type": "coupon", "coupon": "creatorbot-15pct"}
    assert promo["restrictions"]["first_time_transaction"] is True
    coupon = store.coupons["creatorbot-15pct"]
    assert (coupon["percent_off"], coupon["duration"]) == (15.0, "forever")
    assert store.requests[-1].headers["Stripe-Version"] == API_VERSION


async def test_codes_of_one_percentage_share_one_coupon(
    shop: StripeCodes, store: StripeStore
) -> None:
    """Two creators at 15%: one coupon created once, two promotion codes on it."""
    await shop.create_code(code_spec("stripe", "ANNABAKES15"))
    await shop.create_code(code_spec("stripe", "BOBCOOKS15", once=False))
    assert list(store.coupons) == ["creatorbot-15pct"]
    assert store.calls("POST", "/v1/coupons") == 1
    assert store.calls("GET", "/v1/coupons/.*") == 1
    codes = sorted(p["code"] for p in store.promotion_codes.values())
    assert codes == ["ANNABAKES15", "BOBCOOKS15"]


async def test_an_existing_coupon_of_ours_is_reused(
    base_url: str, store: StripeStore, sleeps: Sleeper
) -> None:
    """A new process finds creatorbot-20pct already there and creates no coupon."""
    store.add_coupon("creatorbot-20pct", 20, duration="forever")
    await StripeCodes(base_url, KEY, backoff=Backoff(sleep=sleeps)).create_code(
        code_spec("stripe", "ANNA20", 20)
    )
    assert store.calls("POST", "/v1/coupons") == 0


async def test_a_code_someone_else_has_is_taken_and_left_alone(
    shop: StripeCodes, store: StripeStore
) -> None:
    """An active promotion code with the same text (any case) → CodeTaken; it is unchanged."""
    store.add_coupon("SPRING", 50, duration="once")
    theirs = store.add_promotion_code("annabakes15", "SPRING")
    before = dict(theirs)
    with pytest.raises(CodeTaken) as taken:
        await shop.create_code(code_spec("stripe"))
    assert taken.value.code == "ANNABAKES15"
    assert list(store.promotion_codes.values()) == [before]


async def test_our_own_earlier_code_is_recognised(
    shop: StripeCodes, store: StripeStore, clock: FrozenClock, base_url: str
) -> None:
    """Made by creatorbot a week ago (the key's replay expired): returned, not a conflict."""
    first = await shop.create_code(code_spec("stripe"))
    clock.advance(days=7)
    again = await StripeCodes(base_url, KEY).create_code(code_spec("stripe"))
    assert again == first
    assert len(store.promotion_codes) == 1


async def test_pause_and_resume_switch_the_code_off_and_on(
    shop: StripeCodes, store: StripeStore
) -> None:
    """set_active(False) deactivates exactly that code in Stripe; True reactivates it."""
    made = await shop.create_code(code_spec("stripe"))
    paused = await shop.set_active(made, False)
    assert (paused.active, store.promotion_codes[made.shop_id]["active"]) == (False, False)
    resumed = await shop.set_active(made, True)
    assert (resumed.active, store.promotion_codes[made.shop_id]["active"]) == (True, True)


async def test_resuming_a_code_whose_text_was_taken_meanwhile(
    shop: StripeCodes, store: StripeStore
) -> None:
    """While ours was paused someone made an active code with its text: CodeTaken on resume."""
    made = await shop.create_code(code_spec("stripe"))
    await shop.set_active(made, False)
    store.add_promotion_code("ANNABAKES15", "creatorbot-15pct")
    with pytest.raises(CodeTaken):
        await shop.set_active(made, True)
    assert store.promotion_codes[made.shop_id]["active"] is False


async def test_find_code_by_its_text(shop: StripeCodes) -> None:
    """find_code finds our code case-insensitively, and None for a code Stripe lacks."""
    made = await shop.create_code(code_spec("stripe"))
    assert await shop.find_code("annabakes15") == made
    assert await shop.find_code("NOBODY10") is None


async def test_a_retried_create_makes_one_promotion_code(base_url: str, store: StripeStore) -> None:
    """The same create sent twice (answer lost): Stripe replays the first; one code exists."""
    first = await StripeCodes(base_url, KEY).create_code(code_spec("stripe"))
    second = await StripeCodes(base_url, KEY).create_code(code_spec("stripe"))
    assert second == first
    assert len(store.promotion_codes) == 1
    creates = [r for r in store.requests if r.method == "POST" and r.path == PROMOS]
    assert [r.headers["Idempotency-Key"] for r in creates] == ["creatorbot:stripe:annabakes15"] * 2


async def test_throttled_mid_batch_waits_and_creates_each_code_once(
    shop: StripeCodes, store: StripeStore, sleeps: Sleeper
) -> None:
    """A 429 on the third of five creates: waited Retry-After, then five codes, five creates."""
    codes = [f"CREATOR{n}" for n in range(5)]
    for n, code in enumerate(codes):
        if n == 2:
            store.tap.fail(PROMOS, 429, method="POST")
        await shop.create_code(code_spec("stripe", code))
    assert sorted(p["code"] for p in store.promotion_codes.values()) == codes
    assert store.calls("POST", PROMOS, status=200) == 5
    assert store.calls("POST", PROMOS, status=429) == 1
    assert sleeps.waits == [1.0]


async def test_throttled_without_end_is_unavailable(
    shop: StripeCodes, store: StripeStore, sleeps: Sleeper
) -> None:
    """Still 429 after five tries: ShopUnavailable(429), no code, four waits."""
    store.add_coupon("creatorbot-15pct", 15, duration="forever")
    store.tap.fail(PROMOS, 429, count=10, method="POST")
    with pytest.raises(ShopUnavailable) as throttled:
        await shop.create_code(code_spec("stripe"))
    assert (throttled.value.shop, throttled.value.status) == ("stripe", 429)
    assert store.promotion_codes == {}
    assert len(sleeps.waits) == 4


async def test_a_server_error_is_unavailable_without_retrying(
    shop: StripeCodes, store: StripeStore
) -> None:
    """A 500 from Stripe is ShopUnavailable(500) after one request; nothing is created."""
    store.add_coupon("creatorbot-15pct", 15, duration="forever")
    store.tap.fail(PROMOS, 500, method="POST")
    with pytest.raises(ShopUnavailable) as failed:
        await shop.create_code(code_spec("stripe"))
    assert failed.value.status == 500
    assert store.calls("POST", PROMOS) == 1
    assert store.promotion_codes == {}


async def test_a_wrong_key_is_unavailable_and_never_logged(
    base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Stripe refuses the key (401): ShopUnavailable, and the key appears in no log line."""
    wrong = "sk_test_not_the_right_key_1234567890"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ShopUnavailable) as refused:
        await StripeCodes(base_url, wrong).find_code("ANNABAKES15")
    assert refused.value.status == 401
    assert wrong not in caplog.text
    assert wrong not in repr(StripeCodes(base_url, wrong))


async def test_stripe_out_of_reach_is_unavailable(store: StripeStore) -> None:
    """Nothing listening: ShopUnavailable without a status."""
    server = LoopbackServer(create_app(store))
    await server.start()
    url = server.base_url
    await server.stop()
    with pytest.raises(ShopUnavailable) as down:
        await StripeCodes(url, KEY).find_code("ANNABAKES15")
    assert down.value.status is None
