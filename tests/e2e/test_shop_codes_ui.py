"""The Discord side of codes in the shop, through the real client: /campaign codes shows how
the codes stand per shop, /setup names the connected shops, and an erased or removed
creator's code stops working in the (local) Shopify."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from emulators.shopify import ShopifyStore
from tests.e2e._creators import approve_creator
from tests.e2e._shopify import TOKEN, shopify_program

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def store(clock: FrozenClock) -> ShopifyStore:
    return ShopifyStore(clock, token=TOKEN)


@pytest.fixture
async def world(
    tmp_path: Path, clock: FrozenClock, store: ShopifyStore
) -> AsyncIterator[LocalDiscord]:
    """A program whose Shopify store is connected (the local stand-in)."""
    async with shopify_program(tmp_path / "codes.db", clock, store) as w:
        yield w


async def _run(world: LocalDiscord, user: Any, name: str, locale: str = "en-US", **options: Any):  # type: ignore[no-untyped-def]
    it = await world.emu.invoke(
        user.id, name, options=options, guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_response()
    if it.response_type == 5:  # deferred: the answer is the first followup
        await it.wait_followups(1)
        return it.followups[0]
    return it


# --- /campaign codes ----------------------------------------------------------------------


async def test_campaign_codes_counts_live_waiting_and_conflicts(
    world: LocalDiscord, store: ShopifyStore
) -> None:
    """Two codes live, one a variant after a conflict, one waiting for a shop that was down."""
    await approve_creator(world, "anna", "anna.bakes")
    store.add_code("BERTGRILLS15")  # someone made bert's code in the Shopify admin
    await approve_creator(world, "bert", "bert.grills")
    store.fail_next(1, status=500)
    await approve_creator(world, "carl", "carl.cooks")
    answer = await _run(world, world.cast.manager, "campaign codes")
    assert (
        "**Shopify:** 2 codes live, 1 waiting for the shop (retrying), "
        "1 conflict → moved to a variant"
    ) in answer.content
    assert answer.attachments[0].filename == "discount-codes.csv"


async def test_campaign_codes_in_dutch_counts_a_paused_code(world: LocalDiscord) -> None:
    """In Dutch: one code live, a paused creator's code deactivated."""
    await approve_creator(world, "anna", "anna.bakes")
    bert = await approve_creator(world, "bert", "bert.grills")
    await _run(world, world.cast.manager, "creator pause", member=bert.id)
    answer = await _run(world, world.cast.manager, "campaign codes", locale="nl")
    assert "**Codes in je shops**" in answer.content
    assert (
        "**Shopify:** 1 code actief, 1 gedeactiveerd (gepauzeerd, verwijderd of vervangen)"
    ) in answer.content


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "1 live code gives another discount than the program's 20 % now"),
        ("nl", "1 actieve code geeft een andere korting dan de 20 % van het programma nu"),
    ],
)
async def test_campaign_codes_names_codes_at_an_old_percentage(
    world: LocalDiscord, locale: str, expected: str
) -> None:
    """After discount_percent goes from 15 to 20, the live 15 % code is pointed out."""
    await approve_creator(world, "anna", "anna.bakes")
    await _run(world, world.cast.manager, "setup", discount_percent=20)
    answer = await _run(world, world.cast.manager, "campaign codes", locale=locale)
    assert expected in answer.content


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "No shop is connected, so codes are not created at the checkout"),
        ("nl", "Er is geen shop gekoppeld, dus codes worden niet vanzelf"),
    ],
)
async def test_campaign_codes_without_a_shop_says_how_to_connect(
    discord_world: LocalDiscord, locale: str, expected: str
) -> None:
    """No shop connected: the answer says so and names the settings that connect one."""
    answer = await _run(discord_world, discord_world.cast.manager, "campaign codes", locale=locale)
    assert expected in answer.content
    assert "`CREATORBOT_SHOPIFY_ADMIN_TOKEN`" in answer.content
    assert "`CREATORBOT_STRIPE_API_KEY`" in answer.content


async def test_campaign_codes_is_refused_to_a_member(world: LocalDiscord) -> None:
    """A member who is no manager (the command opened to everyone under Integrations) gets a
    private refusal and no counts."""
    member = world.add_member("zoe")
    world.emu.allow_command(world.cast.guild.id, "campaign", role_id=world.cast.guild.id)
    answer = await _run(world, member, "campaign codes")
    assert answer.ephemeral and "Only program managers" in answer.content
    assert "Shopify" not in answer.content


# --- /setup -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "en-US",
            "**Shops (creator codes):** Shopify ✅ connected · WooCommerce — not connected · "
            "Stripe — not connected",
        ),
        (
            "nl",
            "**Shops (creatorcodes):** Shopify ✅ gekoppeld · WooCommerce — niet gekoppeld · "
            "Stripe — niet gekoppeld",
        ),
    ],
)
async def test_setup_shows_the_connected_shop(
    world: LocalDiscord, locale: str, expected: str
) -> None:
    """/setup lists Shopify as connected and the others as not, never a key."""
    answer = await _run(world, world.cast.manager, "setup", locale=locale)
    description = answer.embeds[0]["description"]
    assert expected in description
    assert TOKEN not in description


async def test_setup_without_shops_says_none_is_connected(discord_world: LocalDiscord) -> None:
    """With no shop settings, every shop shows as not connected."""
    answer = await _run(discord_world, discord_world.cast.manager, "setup")
    assert (
        "**Shops (creator codes):** Shopify — not connected · WooCommerce — not connected · "
        "Stripe — not connected"
    ) in answer.embeds[0]["description"]


# --- erasure and removal ------------------------------------------------------------------


async def _erase(world: LocalDiscord, member: Any, locale: str, label: str):  # type: ignore[no-untyped-def]
    prompt = await _run(world, member, "privacy", locale=locale, action="delete")
    click = await world.emu.click(prompt.message, label=label, user_id=member.id, locale=locale)
    await click.wait_until(lambda it: it.message is not None and not it.message.components)
    return click.message.content


@pytest.mark.parametrize(
    ("locale", "label", "said"),
    [
        ("en-US", "Erase my data", "Your discount code no longer works at the checkout."),
        ("nl", "Wis mijn gegevens", "Je kortingscode werkt niet meer bij het afrekenen."),
    ],
)
async def test_erasure_deactivates_the_code_in_the_shop(
    world: LocalDiscord,
    store: ShopifyStore,
    clock: FrozenClock,
    locale: str,
    label: str,
    said: str,
) -> None:
    """/privacy delete, confirmed: ANNABAKES15 is expired in Shopify and the answer says so."""
    anna = await approve_creator(world, "anna", "anna.bakes", locale=locale)
    assert store.find("ANNABAKES15").status(clock.now()) == "ACTIVE"  # type: ignore[union-attr]
    content = await _erase(world, anna, locale, label)
    assert said in content
    held = store.find("ANNABAKES15")
    assert held is not None and held.status(clock.now()) == "EXPIRED"


async def test_erasure_while_the_shop_is_down_is_retried(
    world: LocalDiscord, store: ShopifyStore, clock: FrozenClock
) -> None:
    """Shopify answers 500 at the erasure: the answer says "shortly", the sweep after the
    retry time deactivates the code."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    store.fail_next(1, status=500)
    content = await _erase(world, anna, "en-US", "Erase my data")
    assert "Your discount code will stop working at the checkout shortly." in content
    assert store.find("ANNABAKES15").status(clock.now()) == "ACTIVE"  # type: ignore[union-attr]
    clock.advance(minutes=6)  # the second wait (the code's create was the first call)
    await world.services.schedule.sweep()
    assert store.find("ANNABAKES15").status(clock.now()) == "EXPIRED"  # type: ignore[union-attr]


async def test_remove_deactivates_the_code_in_the_shop(
    world: LocalDiscord, store: ShopifyStore, clock: FrozenClock
) -> None:
    """/creator remove takes anna's code out of Shopify."""
    anna = await approve_creator(world, "anna", "anna.bakes")
    await _run(world, world.cast.manager, "creator remove", member=anna.id)
    held = store.find("ANNABAKES15")
    assert held is not None and held.status(clock.now()) == "EXPIRED"
