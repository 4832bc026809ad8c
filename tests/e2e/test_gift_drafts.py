"""With Shopify connected, accepted gifts become draft orders in the (local) Shopify through
/gift export, through the real client: 100 % off, the creator's address, tagged, once each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from emulators.shopify import ShopifyStore
from tests.e2e._creators import approved_creators
from tests.e2e._shopify import TOKEN, shopify_program
from tests.e2e.test_gifts import _accept, _answer, _gift, _offer

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def store(clock: FrozenClock) -> ShopifyStore:
    return ShopifyStore(clock, token=TOKEN)


@pytest.fixture
async def world(
    tmp_path: Path, clock: FrozenClock, store: ShopifyStore
) -> AsyncIterator[LocalDiscord]:
    async with shopify_program(tmp_path / "drafts.db", clock, store) as w:
        yield w


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en-US", "2 new draft orders"), ("nl", "2 nieuwe conceptbestellingen")],
)
async def test_accepted_gifts_become_draft_orders_once(
    world: LocalDiscord, store: ShopifyStore, locale: str, said: str
) -> None:
    """Two of three creators accept; /gift export makes their two drafts in Shopify (the
    variant at the unit cost, 100 % off, the address); a second export makes none."""
    members = await approved_creators(world, 3, prefix="seed")
    offer_id = await _offer(world)
    await _accept(world, members[0], "M")
    await _accept(world, members[1], "L", name="Bram de Vries", postcode="1015 CJ")
    first = await _gift(world, "export", locale=locale, offer=str(offer_id))
    assert said in _answer(first)
    assert not first.followups[0].attachments
    drafts = store.drafts
    assert [d.lines[0].title for d in drafts] == ["Winter hoodie — M", "Winter hoodie — L"]
    assert [str(d.lines[0].unit_price) for d in drafts] == ["24.95", "24.95"]
    assert all(d.lines[0].discount["value"] == 100.0 for d in drafts)
    assert all("creator-gift" in d.tags for d in drafts)
    assert drafts[1].address == {
        "firstName": "Bram de",
        "lastName": "Vries",
        "address1": "Oudegracht 12",
        "zip": "1015 CJ",
        "city": "Utrecht",
        "countryCode": "NL",
    }
    again = await _gift(world, "export", offer=str(offer_id))
    assert "0 new draft orders, 2 made before" in _answer(again)
    assert store.calls["draftOrderCreate"] == 2


async def test_a_shop_failure_is_retried_by_exporting_again(
    world: LocalDiscord, store: ShopifyStore
) -> None:
    """Shopify fails once: that gift is counted, and the next export makes only it."""
    members = await approved_creators(world, 2, prefix="seed")
    offer_id = await _offer(world)
    await _accept(world, members[0], "M")
    await _accept(world, members[1], "S")
    store.fail_next(1, status=500)
    first = await _gift(world, "export", offer=str(offer_id))
    assert "1 new draft order" in _answer(first) and "1 could not be made" in _answer(first)
    again = await _gift(world, "export", offer=str(offer_id))
    assert "1 new draft order, 1 made before" in _answer(again)
    assert len(store.drafts) == 2
