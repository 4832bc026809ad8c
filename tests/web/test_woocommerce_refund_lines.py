"""With the store's REST keys, a WooCommerce refund is measured by its own lines: the real
client against the local WooCommerce stand-in, which authenticates as WooCommerce does."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from woocommerce.oauth import OAuth

from bot.app import Services, open_services
from bot.clock import FrozenClock, to_epoch
from bot.config import load_settings
from bot.shops import ShopUnavailable
from bot.shops.woocommerce import WooCommerceAPI, oauth_signature
from bot.web.app import create_app as create_tracker
from bot.web.signatures import sign_base64
from emulators._base import LoopbackServer
from emulators.woocommerce import WooStore, create_app

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "shops" / "woocommerce"
KEY, SECRET = (
    "ck_0123456789abcdef0123456789abcdef01234567",
    "cs_fedcba9876543210fedcba9876543210fedcba98",
)
WEBHOOK_SECRET = "wc_webhook_secret"
GUILD, MANAGER = 1, 900


@pytest.fixture
def store(clock: FrozenClock) -> WooStore:
    """A store with one read key and the refunds of order 723 from WooCommerce's docs."""
    woo = WooStore(clock)
    woo.add_key(KEY, SECRET)
    woo.add_refunds("723", json.loads((SHOP / "rest" / "refunds-723-docs.json").read_text()))
    return woo


@pytest.fixture
async def base_url(store: WooStore) -> AsyncIterator[str]:
    async with LoopbackServer(create_app(store)) as server:
        yield server.base_url


async def test_signed_request_reads_a_refund(base_url: str, clock: FrozenClock) -> None:
    """OAuth 1.0a over HTTP: the refund comes back with its line items."""
    api = WooCommerceAPI(base_url, KEY, SECRET, clock)
    refund = await api.refund("723", "724")
    assert refund is not None
    assert [line["total"] for line in refund["line_items"]] == ["-9.00"]


async def test_unknown_refund_is_none(base_url: str, clock: FrozenClock) -> None:
    """A refund the order does not have is 404 in the store and None here."""
    assert await WooCommerceAPI(base_url, KEY, SECRET, clock).refund("723", "999") is None


async def test_wrong_secret_is_refused(base_url: str, clock: FrozenClock) -> None:
    """A bad signature is a 401 from the store and ShopUnavailable here."""
    with pytest.raises(ShopUnavailable) as refused:
        await WooCommerceAPI(base_url, KEY, "cs_wrong", clock).refund("723", "724")
    assert refused.value.status == 401


async def test_store_failing_is_shop_unavailable(
    store: WooStore, base_url: str, clock: FrozenClock
) -> None:
    """A 503 from the store (injected) is ShopUnavailable here, with the store's status."""
    store.tap.fail(r".*/orders/723/refunds/724", 503)
    with pytest.raises(ShopUnavailable) as failed:
        await WooCommerceAPI(base_url, KEY, SECRET, clock).refund("723", "724")
    assert failed.value.status == 503
    assert [r.status for r in store.requests] == [503]


async def _raw_get(url: str, **kw: Any) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url, **kw) as response:
        return response.status, await response.json()


def _signed(url: str, clock: FrozenClock, nonce: str = "n1", age: int = 0) -> dict[str, str]:
    params = {
        "oauth_consumer_key": KEY,
        "oauth_nonce": nonce,
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": str(to_epoch(clock.now()) - age),
    }
    params["oauth_signature"] = oauth_signature("GET", url, params, SECRET)
    return params


def test_signature_matches_woocommerces_own_client(clock: FrozenClock) -> None:
    """Our OAuth 1.0a signature equals the one WooCommerce's Python client computes."""
    url = "http://shop.example.com/wp-json/wc/v3/orders/723/refunds/724"
    params = {
        "oauth_consumer_key": KEY,
        "oauth_timestamp": str(to_epoch(clock.now())),
        "oauth_nonce": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "oauth_signature_method": "HMAC-SHA256",
    }
    theirs = OAuth(url, KEY, SECRET).generate_oauth_signature(dict(params), url)
    assert oauth_signature("GET", url, params, SECRET) == theirs


async def test_standin_accepts_woocommerces_own_client(base_url: str, clock: FrozenClock):
    """A URL signed by WooCommerce's Python client is accepted by the stand-in."""
    url = f"{base_url}/wp-json/wc/v3/orders/723/refunds/726"
    signed = OAuth(url, KEY, SECRET, oauth_timestamp=to_epoch(clock.now())).get_oauth_url()
    status, body = await _raw_get(signed)
    assert (status, body["id"], body["line_items"]) == (200, 726, [])


async def test_a_replayed_nonce_is_refused(base_url: str, clock: FrozenClock) -> None:
    """The same signed request twice: the second is 401, as WooCommerce answers a replay."""
    url = f"{base_url}/wp-json/wc/v3/orders/723/refunds/724"
    params = _signed(url, clock)
    assert (await _raw_get(url, params=params))[0] == 200
    status, body = await _raw_get(url, params=params)
    assert (status, body["message"]) == (401, "Invalid nonce - nonce has already been used.")


async def test_a_stale_timestamp_is_refused(base_url: str, clock: FrozenClock) -> None:
    """A request signed 16 minutes ago is outside WooCommerce's 15-minute window."""
    url = f"{base_url}/wp-json/wc/v3/orders/723/refunds/724"
    status, body = await _raw_get(url, params=_signed(url, clock, age=16 * 60))
    assert (status, body["message"]) == (401, "Invalid timestamp.")


async def test_basic_auth_over_http_is_not_enough(base_url: str) -> None:
    """Over plain HTTP WooCommerce ignores Basic auth: an anonymous 401."""
    url = f"{base_url}/wp-json/wc/v3/orders/723/refunds/724"
    token = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    status, body = await _raw_get(url, headers={"Authorization": f"Basic {token}"})
    assert (status, body["code"]) == (401, "woocommerce_rest_cannot_view")


async def test_a_write_only_key_cannot_read(store: WooStore, base_url: str, clock: FrozenClock):
    """A key without read permission is refused for GET."""
    store.add_key("ck_write", "cs_write", permissions="write")
    with pytest.raises(ShopUnavailable):
        await WooCommerceAPI(base_url, "ck_write", "cs_write", clock).refund("723", "724")


# -- through the webhook ----------------------------------------------------------------------


async def _program(tmp_path: Path, clock: FrozenClock, url: str) -> Services:
    config = load_settings(
        CREATORBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'woo.db'}",
        CREATORBOT_HTTP_PORT=0,
        CREATORBOT_WOOCOMMERCE_SECRET=WEBHOOK_SECRET,
        CREATORBOT_WOOCOMMERCE_URL=url,
        CREATORBOT_WOOCOMMERCE_CONSUMER_KEY=KEY,
        CREATORBOT_WOOCOMMERCE_CONSUMER_SECRET=SECRET,
    )
    services = await open_services(config, clock)
    await services.settings.update(
        GUILD,
        MANAGER,
        {"review_channel": 10, "shop_url": "https://shop.example.com", "currency": "USD"},
    )
    return services


@pytest.fixture
async def tracker(
    tmp_path: Path, clock: FrozenClock, base_url: str, aiohttp_client: Any
) -> AsyncIterator[tuple[Any, Services]]:
    services = await _program(tmp_path, clock, base_url)
    yield await aiohttp_client(create_tracker(services)), services
    await services.db.close()


async def _deliver(client: Any, name: str) -> dict:
    body = (SHOP / name).read_bytes()
    response = await client.post(
        "/webhooks/woocommerce",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "updated",
            "X-WC-Webhook-Signature": sign_base64(body, WEBHOOK_SECRET),
        },
    )
    assert response.status == 200
    return await response.json()


async def _refunds(services: Services) -> list[tuple[str, int, str]]:
    rows = await services.db.fetch_all(
        "SELECT refund_key, amount_minor, state FROM conversion_adjustments ORDER BY id"
    )
    return [(r["refund_key"], r["amount_minor"], r["state"]) for r in rows]


async def test_refunds_are_measured_by_their_lines(
    tracker: tuple[Any, Services], store: WooStore
) -> None:
    """Order 723: the 10.00 shipping refund takes nothing, the 9.00 line refund takes 9.00."""
    client, services = tracker
    await _deliver(client, "order-v3-docs-723-completed-before-refunds.json")
    assert await _deliver(client, "order-v3-docs-723-completed-refunds.json") == {
        "result": "recorded"
    }
    assert await _refunds(services) == [("726", 0, "applied"), ("724", 900, "applied")]
    looked_up = len(store.requests)
    assert looked_up == 2
    assert await _deliver(client, "order-v3-docs-723-completed-refunds.json") == {
        "result": "duplicate"
    }
    assert len(store.requests) == looked_up  # recorded refunds are not read again


async def test_store_down_keeps_the_estimate(
    tmp_path: Path, clock: FrozenClock, aiohttp_client: Any, unused_tcp_port: int
) -> None:
    """When the store cannot answer, the refund is estimated and marked, and the webhook is
    still acknowledged."""
    services = await _program(tmp_path, clock, f"http://127.0.0.1:{unused_tcp_port}")
    try:
        client = await aiohttp_client(create_tracker(services))
        await _deliver(client, "order-v3-docs-723-completed-before-refunds.json")
        await _deliver(client, "order-v3-docs-723-completed-refunds.json")
        assert await _refunds(services) == [("726", 1000, "estimated"), ("724", 900, "estimated")]
    finally:
        await services.db.close()
