"""Gift draft orders in a Shopify store: the real client against the local Shopify
stand-in, which checks DraftOrderInput as Shopify does (types, enums, userErrors)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.clock import FrozenClock
from bot.shops.shopify import GIFT_TAG, DraftRefused, GiftDraft, ShopifyAdmin
from emulators._base import LoopbackServer
from emulators.shopify import ShopifyStore, create_app
from tests.shops._helpers import Sleeper

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
ENDPOINT = "/admin/api/2026-10/graphql.json"


def _gift(**changes: Any) -> GiftDraft:
    values: dict[str, Any] = {
        "key": "creatorbot-gift-42",
        "title": "Winter kit — M",
        "unit_price": "24.95",
        "first_name": "Anna",
        "last_name": "Jansen",
        "address1": "Keizersgracht 1",
        "zip": "1015 CJ",
        "city": "Amsterdam",
        "country_code": "NL",
        "note": "Winter kit offer",
    }
    values.update(changes)
    return GiftDraft(**values)


@pytest.fixture
def store(clock: FrozenClock) -> ShopifyStore:
    return ShopifyStore(clock, token=TOKEN)


@pytest.fixture
async def server(store: ShopifyStore) -> AsyncIterator[LoopbackServer]:
    async with LoopbackServer(create_app(store)) as running:
        yield running


@pytest.fixture
async def shop(server: LoopbackServer, clock: FrozenClock) -> AsyncIterator[ShopifyAdmin]:
    async with ShopifyAdmin(server.base_url, TOKEN, clock=clock, sleep=Sleeper(clock)) as client:
        yield client


async def test_gift_becomes_a_fully_discounted_draft_with_the_address(
    shop: ShopifyAdmin, store: ShopifyStore
) -> None:
    """One custom line at the unit price, 100 % off, tagged as a creator gift and with the
    gift's key; the shipping address is the creator's."""
    ref = await shop.create_gift_draft(_gift())
    [draft] = store.drafts
    assert (ref.shop_id, ref.status) == (draft.gid, "OPEN")
    assert set(draft.tags) == {GIFT_TAG, "creatorbot-gift-42"}
    [line] = draft.lines
    assert (line.title, str(line.unit_price), line.quantity) == ("Winter kit — M", "24.95", 1)
    assert line.discount == {
        "value": 100.0,
        "valueType": "PERCENTAGE",
        "title": "Creator gift",
        "description": "Gifted to a creator of the program",
    }
    assert draft.address == {
        "firstName": "Anna",
        "lastName": "Jansen",
        "address1": "Keizersgracht 1",
        "zip": "1015 CJ",
        "city": "Amsterdam",
        "countryCode": "NL",
    }


async def test_repeating_a_gift_finds_its_draft(shop: ShopifyAdmin, store: ShopifyStore) -> None:
    """After a crash the same gift is sent again: its tagged draft is found, none is added."""
    first = await shop.create_gift_draft(_gift())
    again = await shop.create_gift_draft(_gift())
    other = await shop.create_gift_draft(_gift(key="creatorbot-gift-43"))
    assert again == first and other != first
    assert len(store.drafts) == 2
    assert store.calls["draftOrderCreate"] == 2 and store.calls["draftOrders"] == 3


async def test_a_store_variant_is_used_when_named(shop: ShopifyAdmin, store: ShopifyStore) -> None:
    """With the offer's Shopify variant the line is that product (stock counts), not a custom
    item; an unknown variant is refused by the store and nothing is made."""
    variant = store.add_variant(43729076, "Winter kit - M", "24.95")
    await shop.create_gift_draft(_gift(variant_id=variant))
    assert store.drafts[0].lines[0].variant is not None
    with pytest.raises(DraftRefused, match=r"lineItems\.0\.variantId"):
        await shop.create_gift_draft(
            _gift(key="creatorbot-gift-44", variant_id="gid://shopify/ProductVariant/1")
        )
    assert len(store.drafts) == 1


async def test_an_unknown_country_fails_before_anything_runs(
    server: LoopbackServer, store: ShopifyStore
) -> None:
    """A country that is not a CountryCode is an INVALID_VARIABLE error, as in Shopify."""
    body = {
        "query": "mutation D($input: DraftOrderInput!) { draftOrderCreate(input: $input) "
        "{ draftOrder { id } userErrors { field message } } }",
        "variables": {
            "input": {
                "lineItems": [{"title": "Kit", "originalUnitPrice": "5.00", "quantity": 1}],
                "shippingAddress": {"countryCode": "XX"},
            }
        },
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(
            server.base_url + ENDPOINT, json=body, headers={"X-Shopify-Access-Token": TOKEN}
        ) as response:
            answer = await response.json()
    [problem] = answer["errors"]
    assert problem["extensions"]["code"] == "INVALID_VARIABLE"
    assert problem["extensions"]["problems"][0]["path"] == ["shippingAddress", "countryCode"]
    assert store.drafts == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quantity": 0}, ["lineItems", "0", "quantity"], "greater than or equal to 1"),
        ({"title": " "}, ["lineItems", "0", "title"], "Title can't be blank"),
        ({"originalUnitPrice": None}, ["lineItems", "0", "originalUnitPrice"], "can't be blank"),
    ],
)
async def test_line_problems_are_user_errors(
    server: LoopbackServer, store: ShopifyStore, changes: dict, field: list, message: str
) -> None:
    """A bad line is answered as userErrors naming the field; no draft is made."""
    line = {"title": "Kit", "originalUnitPrice": "5.00", "quantity": 1, **changes}
    line = {k: v for k, v in line.items() if v is not None}
    body = {
        "query": "mutation D($input: DraftOrderInput!) { draftOrderCreate(input: $input) "
        "{ draftOrder { id } userErrors { field message } } }",
        "variables": {"input": {"lineItems": [line]}},
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(
            server.base_url + ENDPOINT, json=body, headers={"X-Shopify-Access-Token": TOKEN}
        ) as response:
            answer = await response.json()
    payload = answer["data"]["draftOrderCreate"]
    assert payload["draftOrder"] is None
    [problem] = payload["userErrors"]
    assert problem["field"] == field and message in problem["message"]
    assert store.drafts == []


async def test_completing_a_draft_gives_an_order_number(
    shop: ShopifyAdmin, store: ShopifyStore
) -> None:
    """The manager completes the draft in Shopify; the stand-in turns it into an order."""
    ref = await shop.create_gift_draft(_gift())
    number = store.complete_draft(ref.shop_id)
    assert number == 1001 and store.drafts[0].status == "COMPLETED"
    found = await shop.find_gift_draft("creatorbot-gift-42")
    assert found is not None and found.status == "COMPLETED"
    assert "Anna" not in repr(_gift()) and "Keizersgracht" not in repr(_gift())
