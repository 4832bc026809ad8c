"""/gift and the offer DM's Accept / Decline through the real client against the emulator."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from tests.e2e._creators import approved_creators

pytestmark = pytest.mark.timeout(120)

SHOP = "https://shop.example.com"
ANNA = {
    "name": "Anna Jansen",
    "street": "Oudegracht 12",
    "postcode": "3511ab",
    "city": "Utrecht",
    "country": "nl",
}


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
    """A configured program (server timezone UTC)."""
    cast = discord_world.cast
    await discord_world.services.settings.update(
        cast.guild.id, cast.manager.id, {"review_channel": cast.review.id, "shop_url": SHOP}
    )
    return discord_world


async def _gift(
    world: LocalDiscord, sub: str, locale: str = "en-US", user_id: int | None = None, **options: Any
) -> Any:
    """Run /gift <sub>; return the interaction once answered (a deferred one's followup)."""
    it = await world.emu.invoke(
        user_id or world.cast.manager.id,
        f"gift {sub}",
        options=options,
        guild_id=world.cast.guild.id,
        locale=locale,
    )
    await it.wait_response()
    if it.response_type == 5:
        await it.wait_followups(1)
    return it


def _answer(it: Any) -> str:
    return it.followups[0].content if it.followups else it.content


async def _offer(world: LocalDiscord, **options: Any) -> int:
    """/gift create with the given options (defaults: hoodie S/M/L, 100, to all); wait until
    every offer DM went out; return the offer id."""
    fields = {
        "product": "Winter hoodie",
        "variants": "S, M, L",
        "cost": "24.95",
        "quantity": 100,
        "deadline": "2026-12-01 18:00",
        "segment": "all",
        **options,
    }
    it = await _gift(world, "create", **fields)
    assert it.ephemeral and it.content.startswith("Offering"), it.content
    job_id = int(await world.services.db.fetch_val("SELECT max(id) FROM jobs"))
    await world.services.jobs.wait(job_id)
    await it.wait_until(lambda i: (i.content or "").startswith("Done:"), timeout=30)
    return int(await world.services.db.fetch_val("SELECT max(id) FROM gift_offers"))


def _offer_dm(world: LocalDiscord, member: Any) -> Any:
    dms = [m for m in world.emu.dms(member.id) if m.components]
    assert len(dms) == 1, f"{member.name} got {len(dms)} offer DMs"
    return dms[0]


async def _press(world: LocalDiscord, member: Any, label: str, locale: str = "en-US") -> Any:
    it = await world.emu.click(
        _offer_dm(world, member), label=label, user_id=member.id, locale=locale
    )
    await it.wait_response()
    return it


async def _choose(world: LocalDiscord, member: Any, variant: str, locale: str = "en-US") -> Any:
    """Accept, then pick ``variant`` in the menu; return the interaction holding the modal."""
    accepted = await _press(world, member, "Aannemen" if locale == "nl" else "Accept", locale)
    assert accepted.message is not None, accepted.content
    menu = accepted.message.components[0]["components"][0]
    value = next(o["value"] for o in menu["options"] if o["label"] == variant)
    chosen = await world.emu.select(
        accepted.message,
        custom_id=menu["custom_id"],
        values=[value],
        user_id=member.id,
        locale=locale,
    )
    await chosen.wait_response()
    assert chosen.modal is not None, chosen.content
    return chosen


async def _submit(
    world: LocalDiscord, opened: Any, member: Any, locale: str = "en-US", **values: str
) -> Any:
    submitted = await world.emu.submit_modal(opened, values, user_id=member.id, locale=locale)
    await submitted.wait_followups(1)
    return submitted.followups[0]


async def _accept(
    world: LocalDiscord, member: Any, variant: str, locale: str = "en-US", **address: str
) -> Any:
    opened = await _choose(world, member, variant, locale)
    return await _submit(world, opened, member, locale, **{**ANNA, **address})


async def test_an_offer_to_five_with_three_accepting(world: LocalDiscord) -> None:
    """Five creators: three accept (two the same size), one declines, one stays silent."""
    members = await approved_creators(world, 5, prefix="seed")
    offer_id = await _offer(world)
    dm = _offer_dm(world, members[0])
    assert "Winter hoodie" in dm.content and "S, M, L" in dm.content
    for member, size in zip(members[:3], ("M", "M", "L"), strict=True):
        done = await _accept(world, member, size)
        assert done.ephemeral
        assert done.content == (
            f"🎉 It is yours: **Winter hoodie** ({size}), going to A. Jansen, 35\\*\\* AB, NL."
            " We will let you know when it arrives."
        )
    declined = await _press(world, members[3], "Decline")
    assert declined.content == "Noted: you declined **Winter hoodie**. Thanks for letting us know."
    status = await _gift(world, "status", offer=str(offer_id))
    text = status.content
    assert "Offered: 5 · Accepted: 3 · Declined: 1 · No answer: 1" in text
    assert "Shipped: 0 · Delivered: 0" in text
    assert "Accepted per variant: S 0 · M 2 · L 1" in text
    again = await _press(world, members[3], "Accept")
    assert again.content.startswith("You already answered this offer (declined)")


async def test_two_acceptances_race_for_the_last_unit(world: LocalDiscord) -> None:
    """A one-unit offer, two address forms sent at once: one gets it, one is told it is gone."""
    members = await approved_creators(world, 2, prefix="race")
    offer_id = await _offer(world, quantity=1)
    opened = [await _choose(world, m, "S") for m in members]
    answers = await asyncio.gather(
        *(_submit(world, o, m, **ANNA) for o, m in zip(opened, members, strict=True))
    )
    gone = "Sorry, this gift is gone: every unit has been claimed. Nothing was stored."
    [lost] = [a.content for a in answers if a.content == gone]
    [won] = [a.content for a in answers if a.content != gone]
    assert won.startswith("🎉 It is yours: **Winter hoodie** (S)") and lost == gone
    status = await _gift(world, "status", offer=str(offer_id))
    assert "1/1 taken" in status.content and "Accepted: 1" in status.content


async def test_the_export_is_a_sendcloud_csv(world: LocalDiscord) -> None:
    """Two accepted gifts: a private CSV with Sendcloud's columns, one row each, declines left
    out."""
    members = await approved_creators(world, 3, prefix="ship")
    offer_id = await _offer(world)
    await _accept(world, members[0], "M")
    await _accept(
        world,
        members[1],
        "L",
        name="Ben Smith",
        street="10 Downing Street",
        postcode="sw1a2aa",
        city="London",
        country="GB",
    )
    await _press(world, members[2], "Decline")
    it = await _gift(world, "export", offer=str(offer_id))
    assert it.ephemeral
    assert it.content.startswith(f"Shipping CSV for **\\#{offer_id} Winter hoodie**")
    [attachment] = it.attachments
    assert attachment.filename == f"gift-{offer_id}-sendcloud.csv"
    rows = list(csv.reader(io.StringIO(attachment.content.decode("utf-8"))))
    claims = await world.services.db.fetch_all("SELECT id FROM gift_claims ORDER BY id")
    assert rows == [
        ["Customer name", "Country code", "Postal code", "Address", "City", "Order reference"],
        [
            "Anna Jansen",
            "NL",
            "3511 AB",
            "Oudegracht 12",
            "Utrecht",
            f"GIFT{offer_id}-{claims[0][0]} M",
        ],
        [
            "Ben Smith",
            "GB",
            "SW1A 2AA",
            "10 Downing Street",
            "London",
            f"GIFT{offer_id}-{claims[1][0]} L",
        ],
    ]
    world.emu.assert_no_violations()


async def test_delivery_starts_the_content_clock(world: LocalDiscord, clock: FrozenClock) -> None:
    """Delivered: the creator is told the Reel's due date, and its reminder comes on time."""
    [anna] = await approved_creators(world, 1, prefix="reel")
    offer_id = await _offer(
        world, content_platform="instagram", content_kind="reel", content_days=14
    )
    await _accept(world, anna, "S")
    shipped = await _gift(world, "shipped", offer=str(offer_id), members=f"<@{anna.id}>")
    assert _answer(shipped).startswith(f"1 gift of **\\#{offer_id} Winter hoodie** marked shipped")
    delivered = await _gift(world, "delivered", offer=str(offer_id), members="all")
    assert _answer(delivered).startswith(
        f"1 gift of **\\#{offer_id} Winter hoodie** marked delivered. Their content is now due."
    )
    # The DMs go out as a job; the reply counts them.
    await world.services.jobs.wait(
        int(await world.services.db.fetch_val("SELECT max(id) FROM jobs"))
    )
    await delivered.wait_until(lambda i: "Done: 1 of 1 creators told" in _answer(i), timeout=10)
    told = world.emu.dms(anna.id)[-1]
    assert told.content == (
        "🎁 Your gift arrived: **Winter hoodie**. Your Reel is due on 7 Dec 2026, 10:00 UTC."
        " Hand in the post URL with /submit."
    )
    row = await world.services.db.fetch_one("SELECT platform, kind, status FROM deliverables")
    assert tuple(row) == ("instagram", "reel", "planned")
    clock.advance(days=7)  # the 7-day reminder before the due time
    await world.services.schedule.sweep()
    reminder = world.emu.dms(anna.id)[-1]
    assert reminder.content.startswith("⏳ Reminder: your Instagram reel")
    assert "7 Dec 2026, 10:00 UTC" in reminder.content


async def test_the_address_is_gone_on_day_15(world: LocalDiscord, clock: FrozenClock) -> None:
    """14 days after delivery the sweep erases the address: not in the export, not in the
    creator's /privacy export."""
    [anna] = await approved_creators(world, 1, prefix="gone")
    offer_id = await _offer(world)
    await _accept(world, anna, "M")
    await _gift(world, "delivered", offer=str(offer_id), members=f"<@{anna.id}>")
    mine = await world.emu.invoke(
        anna.id, "privacy", options={"action": "export"}, guild_id=world.cast.guild.id
    )
    await mine.wait_followups(1)
    before = json.loads(mine.followups[0].attachments[0].content)
    assert before["gifts"][0]["address"]["postcode"] == "3511 AB"
    clock.advance(days=15)
    await world.services.schedule.sweep()
    export = await _gift(world, "export", offer=str(offer_id))
    rows = list(csv.reader(io.StringIO(export.attachments[0].content.decode("utf-8"))))
    assert len(rows) == 1  # the header only
    mine = await world.emu.invoke(
        anna.id, "privacy", options={"action": "export"}, guild_id=world.cast.guild.id
    )
    await mine.wait_followups(1)
    after = json.loads(mine.followups[0].attachments[0].content)
    assert after["gifts"][0]["address"] is None and after["gifts"][0]["state"] == "delivered"
    assert b"Jansen" not in mine.followups[0].attachments[0].content


@pytest.mark.parametrize(
    ("locale", "bad", "said", "button"),
    [
        (
            "en-US",
            {"postcode": "12"},
            "**Postcode**: a Dutch postcode looks like `1234 AB`.",
            "Edit address",
        ),
        (
            "nl",
            {"postcode": "12"},
            "**Postcode**: een Nederlandse postcode ziet eruit als `1234 AB`.",
            "Adres aanpassen",
        ),
        ("en-US", {"country": "XX"}, "**Country**: not a country code.", "Edit address"),
        ("nl", {"country": "XX"}, "**Land**: geen landcode.", "Adres aanpassen"),
    ],
)
async def test_a_bad_address_can_be_corrected_with_the_values_kept(
    world: LocalDiscord, locale: str, bad: dict[str, str], said: str, button: str
) -> None:
    """A bad postcode or unknown country: told in the creator's language, nothing stored, and
    the reopened form holds what was typed."""
    [anna] = await approved_creators(
        world, 1, prefix="typo", locale="nl" if locale == "nl" else "en"
    )
    offer_id = await _offer(world)
    opened = await _choose(world, anna, "S", locale)
    refused = await _submit(world, opened, anna, locale, **{**ANNA, **bad})
    assert refused.ephemeral and said in refused.content
    status = await world.services.gifts.status(world.cast.guild.id, offer_id)
    assert (status.accepted, status.offer.claimed) == (0, 0)
    again = await world.emu.click(refused, label=button, user_id=anna.id, locale=locale)
    await again.wait_response()
    assert again.modal is not None
    kept = {
        c["components"][0]["custom_id"]: c["components"][0].get("value")
        for c in again.modal["components"]
    }
    assert kept == {**ANNA, **bad}
    done = await _submit(world, again, anna, locale, **ANNA)
    assert "A. Jansen, 35\\*\\* AB, NL" in done.content


async def test_dutch_creators_get_the_offer_in_dutch(world: LocalDiscord) -> None:
    """A Dutch creator's DM, buttons, menu and confirmation are Dutch; a Dutch manager's status."""
    [lotte] = await approved_creators(world, 1, prefix="lotte", locale="nl")
    offer_id = await _offer(world)
    dm = _offer_dm(world, lotte)
    assert dm.content.startswith("🎁 **Brand HQ** wil je een cadeau sturen: **Winter hoodie**")
    labels = [b["label"] for b in dm.components[0]["components"]]
    assert labels == ["Aannemen", "Afslaan"]
    done = await _accept(world, lotte, "L", locale="nl")
    assert done.content.startswith("🎉 Hij is voor jou: **Winter hoodie** (L)")
    status = await _gift(world, "status", locale="nl", offer=str(offer_id))
    assert "Aangeboden: 1 · Aangenomen: 1 · Afgeslagen: 0 · Geen antwoord: 0" in status.content


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en-US", "Give at least one variant"), ("nl", "Geef minstens één variant")],
)
async def test_an_offer_without_variants_is_refused(
    world: LocalDiscord, locale: str, said: str
) -> None:
    """No variants: the reason in the manager's language, nothing stored or sent."""
    await approved_creators(world, 1, prefix="none")
    it = await _gift(
        world,
        "create",
        locale=locale,
        product="Hoodie",
        variants=" , ",
        cost="10",
        quantity=5,
        deadline="2026-12-01 18:00",
        segment="all",
    )
    assert it.ephemeral and said in it.content
    assert await world.services.db.fetch_val("SELECT count(*) FROM gift_offers") == 0


async def test_zero_stock_and_a_past_deadline_are_refused(world: LocalDiscord) -> None:
    """Zero stock and a deadline in the past: each refused with the reason, nothing stored."""
    await approved_creators(world, 1, prefix="zero")
    base = {"product": "Hoodie", "variants": "S", "cost": "10", "segment": "all"}
    zero = await _gift(world, "create", quantity=0, deadline="2026-12-01 18:00", **base)
    assert "an offer with zero stock cannot be accepted" in zero.content
    past = await _gift(world, "create", quantity=5, deadline="2026-11-01 18:00", **base)
    assert "is in the past" in past.content
    assert await world.services.db.fetch_val("SELECT count(*) FROM gift_offers") == 0


async def test_a_creator_cannot_use_gift_commands(world: LocalDiscord) -> None:
    """A creator allowed to see /gift is still refused, privately, in their language."""
    [anna] = await approved_creators(world, 1, prefix="nosy")
    offer_id = await _offer(world)
    world.emu.allow_command(world.cast.guild.id, "gift", user_id=anna.id)
    it = await _gift(world, "status", user_id=anna.id, offer=str(offer_id))
    assert it.ephemeral
    assert it.content.startswith("Only program managers can do this")
    export = await _gift(world, "export", locale="nl", user_id=anna.id, offer=str(offer_id))
    assert export.ephemeral and "Alleen programmamanagers" in export.content
    assert export.attachments == []


async def test_the_offer_buttons_work_after_a_restart(world: LocalDiscord) -> None:
    """After a restart nobody gets the offer again, and its old DM's Accept still works."""
    members = await approved_creators(world, 2, prefix="again")
    await _offer(world)
    await world.restart_bot()
    await world.services.schedule.sweep()
    assert all(len([m for m in world.emu.dms(x.id) if m.components]) == 1 for x in members)
    done = await _accept(world, members[0], "M")
    assert done.content.startswith("🎉 It is yours: **Winter hoodie** (M)")


async def test_the_report_shows_each_offer_of_the_period(
    world: LocalDiscord, clock: FrozenClock
) -> None:
    """/report has a seeding field per offer and an ``offer`` row in its CSV."""
    members = await approved_creators(world, 2, prefix="rep")
    offer_id = await _offer(world)
    await _accept(world, members[0], "M")
    clock.advance(minutes=1)
    it = await world.emu.invoke(
        world.cast.manager.id, "report", options={"period": "all"}, guild_id=world.cast.guild.id
    )
    await it.wait_followups(1)
    answer = it.followups[0]
    [field] = [f for f in answer.embeds[0]["fields"] if f["name"].startswith("Seeding")]
    assert field["value"].startswith("**Winter hoodie** · cost €24.95 · 1 accepted, 0 delivered")
    rows = list(csv.DictReader(io.StringIO(answer.attachments[0].content.decode("utf-8"))))
    [row] = [r for r in rows if r["row"] == "offer"]
    assert (row["creator_id"], row["creators"], row["gift_costs"]) == (str(offer_id), "1", "24.95")


async def _phone_step(world: LocalDiscord, step: Any, member: Any, phone: str) -> Any:
    """Press "Add phone number" under ``step`` and send ``phone``; the answer."""
    opened = await world.emu.click(step, label="Add phone number", user_id=member.id)
    await opened.wait_response()
    assert opened.modal is not None, opened.content
    [row] = opened.modal["components"]
    submitted = await world.emu.submit_modal(opened, {"phone": phone}, user_id=member.id)
    await submitted.wait_followups(1)
    return submitted.followups[0], row["components"][0].get("value")


async def test_an_offer_that_asks_for_a_phone_number(world: LocalDiscord) -> None:
    """The address first, then the number in a second step; a bad number is named and kept;
    the gift is taken only with a valid one, and the export has the number."""
    [anna] = await approved_creators(world, 1, prefix="phone")
    offer_id = await _offer(world, phone_required=True)
    step = await _submit(world, await _choose(world, anna, "M"), anna, **ANNA)
    assert step.content.startswith("Address checked. One more step")
    status = await world.services.gifts.status(world.cast.guild.id, offer_id)
    assert (status.accepted, status.offer.claimed) == (0, 0)  # nothing reserved yet

    refused, shown = await _phone_step(world, step, anna, "06 1234")
    assert shown is None
    assert "**Phone number**: not a phone number in Netherlands" in refused.content
    assert "Press **Add phone number** to correct it" in refused.content
    assert await world.services.db.fetch_val("SELECT address FROM gift_claims") is None
    done, shown = await _phone_step(world, refused, anna, "06 12345678")
    assert shown == "06 1234"  # what was typed is kept
    assert "A. Jansen, 35\\*\\* AB, NL" in done.content and "612345678" not in done.content

    export = await _gift(world, "export", offer=str(offer_id))
    rows = list(csv.reader(io.StringIO(export.attachments[0].content.decode("utf-8"))))
    assert rows[0][-1] == "Phone number" and rows[1][-1] == "+31612345678"


async def test_a_restart_before_the_phone_step_asks_for_the_address_again(
    world: LocalDiscord,
) -> None:
    """The address waiting for its number lives in memory only: after a restart the creator
    is asked for it again, and nothing was stored meanwhile."""
    [anna] = await approved_creators(world, 1, prefix="lost")
    offer_id = await _offer(world, phone_required=True)
    step = await _submit(world, await _choose(world, anna, "S"), anna, **ANNA)
    await world.restart_bot()
    pressed = await world.emu.click(step, label="Add phone number", user_id=anna.id)
    await pressed.wait_response()
    assert pressed.content.startswith("Your address was not kept")
    again = await world.emu.click(pressed.message or pressed, label="Edit address", user_id=anna.id)
    await again.wait_response()
    assert again.modal is not None
    status = await world.services.gifts.status(world.cast.guild.id, offer_id)
    assert (status.accepted, status.no_answer) == (0, 1)
