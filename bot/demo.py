"""``creatorbot demo``: a scripted walk-through of the real bot against the local emulator.

It needs no token and no network. Every step is a real interaction sent by the emulator to
the real discord.py client; the transcript prints what a person in the server would see.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import secrets
import shutil
import tempfile
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bot.clock import SystemClock
from bot.harness import LocalDiscord
from emulators._base import LoopbackServer
from emulators.shopify import ShopifyStore, create_app

WIDTH = 88
SHOP_SECRET = secrets.token_hex(16)
# The local Shopify stand-in's Admin API token (it accepts only this one).
SHOPIFY_TOKEN = "shpat_" + secrets.token_hex(16)
BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
)
PREVIEW_BOT = "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"


def _demo_order() -> dict[str, Any]:
    return {
        "id": 820982911946154508,
        "email": "follower@example.net",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "currency": "EUR",
        "presentment_currency": "EUR",
        "subtotal_price": "51.00",
        "total_price": "61.71",
        "total_tax": "10.71",
        "test": False,
        "discount_codes": [{"code": "ANNABAKES15", "amount": "9.00", "type": "percentage"}],
        "landing_site": "/",
        "line_items": [{"id": 1, "price": "60.00", "quantity": 1, "title": "Sourdough kit"}],
    }


async def _post_shopify(world: LocalDiscord, topic: str, order: dict[str, Any]) -> int:
    raw = json.dumps(order).encode()
    digest = hmac.new(SHOP_SECRET.encode(), raw, hashlib.sha256).digest()
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Webhook-Id": "demo-delivery-1",
        "Content-Type": "application/json",
    }
    async with aiohttp.ClientSession() as session:
        url = f"{world.tracker_url}/webhooks/shopify"
        async with session.post(url, data=raw, headers=headers) as response:
            return response.status


class Transcript:
    """Prints the conversation readably."""

    def __init__(self, world: LocalDiscord) -> None:
        self.world = world
        self.names: dict[int, str] = {}
        self.roles: dict[int, str] = {}

    def name(self, user: Any) -> str:
        self.names[user.id] = user.name
        return user.name

    def _mentions(self, text: str) -> str:
        world = self.world
        assert world.cast is not None
        channels = {c.id: c.name for c in (world.cast.review, world.cast.announcements)}
        roles = {
            world.cast.creator_role.id: "Creators",
            world.cast.manager_role.id: "Program managers",
            **self.roles,
        }
        text = re.sub(r"<@!?(\d+)>", lambda m: "@" + self.names.get(int(m[1]), "member"), text)
        text = re.sub(r"<#(\d+)>", lambda m: "#" + channels.get(int(m[1]), "channel"), text)
        text = re.sub(r"<@&(\d+)>", lambda m: "@" + roles.get(int(m[1]), "role"), text)
        return text.replace("\u200b", "")

    def heading(self, text: str) -> None:
        print()
        print(f"── {text} ".ljust(WIDTH, "─"))

    def said(self, who: str, command: str) -> None:
        print(f"\n  {who} ▸ {command}")

    def shows(self, where: str, message: Any) -> None:
        print(f"  creatorbot → {where}:")
        body: list[str] = []
        content = getattr(message, "content", None)
        if content:
            body.append(content)
        for embed in getattr(message, "embeds", None) or []:
            if embed.get("title"):
                body.append(f"[{embed['title']}]")
            if embed.get("description"):
                body.append(embed["description"])
            for field in embed.get("fields", []):
                body.append(f"{field['name']}: {field['value']}")
        for attachment in getattr(message, "attachments", None) or []:
            body.append(f"📎 {attachment.filename} ({len(attachment.content)} bytes)")
        buttons = [
            c.get("label", "")
            for row in getattr(message, "components", None) or []
            for c in row.get("components", [])
            if c.get("type") == 2
        ]
        if buttons:
            body.append("  ".join(f"[ {label} ]" for label in buttons))
        for paragraph in self._mentions("\n".join(body)).splitlines():
            wrapped = textwrap.wrap(paragraph, WIDTH - 6) or [""]
            for line in wrapped:
                print(f"    │ {line}")

    def note(self, text: str) -> None:
        print(f"  · {text}")


def _reply(it: Any) -> Any:
    """The visible answer of an interaction: the last followup, else the original response."""
    return it.followups[-1] if it.followups else it


async def play(world: LocalDiscord, shop: ShopifyStore | None = None) -> None:
    emu, cast = world.emu, world.cast
    assert cast is not None
    show = Transcript(world)
    manager = show.name(cast.manager)
    guild = cast.guild.id

    show.heading("1. A manager sets up the program")
    show.said(manager, "/setup")
    it = await emu.invoke(cast.manager.id, "setup", guild_id=guild)
    await it.wait_response()
    show.shows("mia-manager (only you can see this)", it)

    options = {
        "review_channel": cast.review.id,
        "announcements_channel": cast.announcements.id,
        "creator_role": cast.creator_role.id,
        "shop_url": "https://shop.example.com",
        "timezone": "Europe/Amsterdam",
        "commission_rate": "12.5",
    }
    show.said(
        manager,
        "/setup review_channel:#creator-review announcements_channel:#announcements "
        "creator_role:@Creators shop_url:https://shop.example.com timezone:Europe/Amsterdam "
        "commission_rate:12.5",
    )
    it = await emu.invoke(cast.manager.id, "setup", options=options, guild_id=guild)
    await it.wait_response()
    show.shows("mia-manager (only you can see this)", it)

    show.said(manager, "/setup timezone:Mars/Olympus")
    it = await emu.invoke(
        cast.manager.id, "setup", options={"timezone": "Mars/Olympus"}, guild_id=guild
    )
    await it.wait_response()
    show.shows("mia-manager (only you can see this)", it)

    show.heading("2. A creator applies")
    anna = world.add_member("anna")
    show.name(anna)
    show.said(
        "anna",
        "/apply platform:Instagram handle:anna.bakes followers:8200 niche:vegan baking "
        "engagement_rate:3.4",
    )
    it = await emu.invoke(
        anna.id,
        "apply",
        options={
            "platform": "instagram",
            "handle": "anna.bakes",
            "followers": 8200,
            "niche": "vegan baking",
            "engagement_rate": "3.4",
            "profile_url": "https://www.instagram.com/anna.bakes",
        },
        guild_id=guild,
    )
    await it.wait_followups(1)
    show.shows("anna (only you can see this)", _reply(it))
    card = emu.messages(cast.review.id)[-1]
    show.shows("#creator-review", card)

    show.heading("3. The manager approves with one click")
    show.said(manager, "clicks [ Approve ]")
    click = await emu.click(card, label="Approve", user_id=cast.manager.id)
    await click.wait_followups(1)
    show.shows("mia-manager (only you can see this)", _reply(click))
    show.shows("#creator-review (the card, updated)", emu.get_message(card.id))
    show.shows("DM to anna", emu.dms(anna.id)[-1])
    has_role = cast.creator_role.id in emu.member_roles(guild, anna.id)
    show.note(f"anna has the Creators role: {'yes' if has_role else 'no'}")
    if shop is not None:
        held = shop.find("ANNABAKES15")
        if held is None:
            show.note("the local Shopify does not hold ANNABAKES15 yet (it is retried)")
        else:
            state = held.status(datetime.now(UTC)).lower()
            show.note(
                f"the local Shopify now holds {held.code} "
                f"({round(held.percentage * 100)} % off, {state})"
            )

    show.heading("4. A Dutch creator is turned down, politely and in Dutch")
    daan = world.add_member("daan", locale="nl")
    show.name(daan)
    show.said("daan", "/apply platform:TikTok handle:daan.kookt followers:1200 niche:koken")
    it = await emu.invoke(
        daan.id,
        "apply",
        options={"platform": "tiktok", "handle": "daan.kookt", "followers": 1200, "niche": "koken"},
        guild_id=guild,
        locale="nl",
    )
    await it.wait_followups(1)
    show.shows("daan (only you can see this)", _reply(it))
    card = emu.messages(cast.review.id)[-1]
    show.said(manager, "clicks [ Reject ] and writes a reason")
    opened = await emu.click(card, label="Reject", user_id=cast.manager.id)
    submitted = await emu.submit_modal(
        opened,
        values={"text": "We're looking for baking creators this season."},
        user_id=cast.manager.id,
    )
    await submitted.wait_followups(1)
    show.shows("mia-manager (only you can see this)", _reply(submitted))
    show.shows("DM to daan", emu.dms(daan.id)[-1])

    show.heading("5. anna shares her link; a follower clicks it")
    show.said("anna", "/link")
    it = await emu.invoke(anna.id, "link", guild_id=guild)
    await it.wait_response()
    show.shows("anna (only you can see this)", it)
    link = re.search(r"https?://\S+/r/[a-z0-9]+", it.content or "")
    assert link is not None
    # The follower taps the link in anna's Instagram bio; a proxy such as Cloudflare would
    # add the country.
    follower = {"User-Agent": BROWSER, "Referer": "https://l.instagram.com/", "CF-IPCountry": "NL"}
    async with aiohttp.ClientSession() as session:
        for headers in ({"User-Agent": PREVIEW_BOT}, follower, follower):
            async with session.get(link[0], allow_redirects=False, headers=headers) as response:
                who = (
                    "Discord's link preview"
                    if headers is not follower
                    else "a follower's phone (from Instagram)"
                )
                show.note(
                    f"{who} opens {link[0]} → {response.status} {response.headers['Location']}"
                )
    await world.services.tracking.flush()
    show.note("the preview is not counted; the follower's two visits count as 2 clicks, 1 unique")

    show.heading("6. The follower orders with anna's code; the shop's webhook arrives")
    order = _demo_order()
    status = await _post_shopify(world, "orders/create", order)
    show.note(f"POST /webhooks/shopify (orders/create, signed) → {status}")
    status = await _post_shopify(world, "orders/create", order)
    show.note(f"the same delivery again → {status}, and still one order")
    show.said("anna", "/stats")
    it = await emu.invoke(anna.id, "stats", guild_id=guild)
    await it.wait_followups(1)  # answered "thinking" first, then the stats
    show.shows("anna (only you can see this)", _reply(it))
    show.said("anna", "/earnings")
    it = await emu.invoke(anna.id, "earnings", guild_id=guild)
    await it.wait_response()
    show.shows("anna (only you can see this)", it)

    show.heading("7. The weekly summary")
    show.said(manager, "/summary post")
    it = await emu.invoke(cast.manager.id, "summary post", guild_id=guild)
    await it.wait_response()
    if it.response_type == 5:
        await it.wait_followups(1)
    show.shows("mia-manager (only you can see this)", _reply(it))
    show.shows("#announcements", emu.messages(cast.announcements.id)[-1])
    show.shows("DM to anna", emu.dms(anna.id)[-1])

    show.heading("8. A deliverable, and the reminder that chases it")
    due = (datetime.now(UTC) + timedelta(minutes=90)).astimezone(ZoneInfo("Europe/Amsterdam"))
    due_text = due.strftime("%Y-%m-%d %H:%M")
    show.said(
        manager,
        f"/deliverable add member:@anna platform:Instagram kind:Reel due:{due_text} fee:150",
    )
    it = await emu.invoke(
        cast.manager.id,
        "deliverable add",
        options={
            "member": anna.id,
            "platform": "instagram",
            "kind": "reel",
            "due": due_text,
            "fee": "150",
        },
        guild_id=guild,
    )
    await it.wait_response()
    show.shows("mia-manager (only you can see this)", it)
    before = len(emu.dms(anna.id))
    for _ in range(100):  # the sweep runs every second in the demo
        if len(emu.dms(anna.id)) > before:
            break
        await asyncio.sleep(0.1)
    show.note("the reminder sweep runs (every CREATORBOT_SWEEP_SECONDS; 1 s in this demo)")
    show.shows("DM to anna", emu.dms(anna.id)[-1])

    show.heading("9. The manager looks a creator up")
    show.said(manager, "/creator info member:@anna")
    it = await emu.invoke(
        cast.manager.id, "creator info", options={"member": anna.id}, guild_id=guild
    )
    await it.wait_followups(1)
    show.shows("mia-manager (only you can see this)", _reply(it))

    launched = await _launch_day(world, show)
    await _level_up(world, show, anna)
    await _broadcast(world, show, launched[0])
    await _seeding(world, show, launched[0], shop)
    await _bounty(world, show, launched[0])

    emu.assert_no_violations()
    print()
    print("Demo finished: every step above went through the real discord.py client.")


LAUNCH_DAY = (
    ("bo", "instagram", "bo.bakes", 4_100, "sourdough"),
    ("cas", "tiktok", "cas.kitchen", 12_500, "baking"),
    ("dewi", "instagram", "dewi.cakes", 2_300, "cakes"),
    ("eli", "youtube", "eli.bakes", 31_000, "bread baking"),
    ("fenna", "instagram", "fenna.patisserie", 7_800, "patisserie"),
    ("gijs", "tiktok", "gijs.deeg", 950, "pizza dough"),
)


async def _wait_for(condition: Any, seconds: float = 15.0) -> None:
    """Wait until ``condition()`` holds (the sweep and jobs run in the background)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the demo waited too long")


async def _launch_day(world: LocalDiscord, show: Transcript) -> list[Any]:
    emu, cast = world.emu, world.cast
    assert cast is not None
    guild = cast.guild.id
    show.heading("10. Launch day: six applications, approved in one go")
    members = []
    for name, platform, handle, followers, niche in LAUNCH_DAY:
        member = world.add_member(name)
        show.name(member)
        members.append(member)
        it = await emu.invoke(
            member.id,
            "apply",
            options={
                "platform": platform,
                "handle": handle,
                "followers": followers,
                "niche": niche,
            },
            guild_id=guild,
        )
        await it.wait_followups(1)
    show.note(f"{len(members)} members ran /apply; six cards wait in #creator-review")
    show.said(cast.manager.name, "/applications")
    it = await emu.invoke(cast.manager.id, "applications", guild_id=guild)
    await it.wait_response()
    show.shows("mia-manager (only you can see this)", it)
    show.said(cast.manager.name, "clicks [ Approve all matching (6) ], then [ Yes, approve 6 ]")
    ask = await emu.click(it.message, label="Approve all matching (6)", user_id=cast.manager.id)
    await ask.wait_response()
    go = await emu.click(it.message, label="Yes, approve 6", user_id=cast.manager.id)
    await go.wait_response()
    await _wait_for(lambda: all(emu.dms(m.id) for m in members))
    await _wait_for(lambda: "Done:" in (emu.get_message(it.message).content or ""))
    show.shows("mia-manager (the reply, edited as the job runs)", emu.get_message(it.message))
    show.shows("DM to eli", emu.dms(members[3].id)[-1])
    show.note("a bulk decision is a job: a restart half-way resumes it, nobody twice")
    return members


async def _level_up(world: LocalDiscord, show: Transcript, anna: Any) -> None:
    emu, cast = world.emu, world.cast
    assert cast is not None
    guild = cast.guild.id
    show.heading("11. Levels: anna reaches Silver")
    silver = cast.guild.create_role("Silver creators")
    show.roles[silver.id] = "Silver creators"
    show.said(
        cast.manager.name,
        "/level create name:Silver basis:orders (30 days) threshold:1 rate:15 "
        "role:@Silver creators",
    )
    it = await emu.invoke(
        cast.manager.id,
        "level create",
        options={
            "name": "Silver",
            "basis": "orders30",
            "threshold": "1",
            "rate": "15",
            "role": silver.id,
        },
        guild_id=guild,
    )
    await it.wait_response()
    show.shows("mia-manager (only you can see this)", _reply(it))
    before = len(emu.dms(anna.id))
    await _wait_for(lambda: len(emu.dms(anna.id)) > before)
    show.note("the next sweep promotes anna: one order in the last 30 days")
    show.shows("DM to anna", emu.dms(anna.id)[-1])
    has_role = silver.id in emu.member_roles(guild, anna.id)
    show.note(f"anna has the Silver creators role: {'yes' if has_role else 'no'}")


async def _broadcast(world: LocalDiscord, show: Transcript, bo: Any) -> None:
    emu, cast = world.emu, world.cast
    assert cast is not None
    guild = cast.guild.id
    show.heading("12. A segment and a broadcast to it")
    show.said(cast.manager.name, "/segment create name:instagram-nano tier:nano platform:Instagram")
    it = await emu.invoke(
        cast.manager.id,
        "segment create",
        options={"name": "instagram-nano", "tier": "nano", "platform": "instagram"},
        guild_id=guild,
    )
    await it.wait_response()
    if it.response_type == 5:  # "thinking" first, then the answer
        await it.wait_followups(1)
    show.shows("mia-manager (only you can see this)", _reply(it))
    show.said(cast.manager.name, "/broadcast segment segment:instagram-nano")
    opened = await emu.invoke(
        cast.manager.id,
        "broadcast segment",
        options={"segment": "instagram-nano"},
        guild_id=guild,
    )
    await opened.wait_response()
    brief = {
        "title": "Spring drop",
        "text": "The lemon loaf is back. Post it this week and tell your followers!",
        "link": "https://shop.example.com/spring",
    }
    show.note(f"a form opens; mia writes: {brief['title']} · {brief['text']} · {brief['link']}")
    submitted = await emu.submit_modal(opened, brief, user_id=cast.manager.id)
    await submitted.wait_followups(1)
    asked = submitted.followups[0]
    show.shows("mia-manager (only you can see this)", asked)
    label = next(
        c["label"]
        for row in asked.components
        for c in row["components"]
        if c.get("label", "").startswith("Send to")
    )
    show.said(cast.manager.name, f"clicks [ {label} ]")
    go = await emu.click(asked, label=label, user_id=cast.manager.id)
    await go.wait_response()
    await _wait_for(lambda: (emu.get_message(asked).content or "").startswith("Done:"))
    show.shows("mia-manager (the reply, edited as the job runs)", emu.get_message(asked))
    show.shows("DM to bo", emu.dms(bo.id)[-1])
    show.note("each creator's link is their own tracking link; a restart never sends it twice")


async def _seeding(
    world: LocalDiscord, show: Transcript, bo: Any, shop: ShopifyStore | None
) -> None:
    emu, cast = world.emu, world.cast
    assert cast is not None
    guild, manager = cast.guild.id, cast.manager
    show.heading("13. Product seeding: a gift offer, accepted, drafted in Shopify, delivered")
    deadline = (datetime.now(UTC) + timedelta(days=7)).astimezone(ZoneInfo("Europe/Amsterdam"))
    options = {
        "product": "Lemon loaf baking kit",
        "variants": "Classic, Gluten-free",
        "cost": "18.50",
        "quantity": 10,
        "deadline": deadline.strftime("%Y-%m-%d %H:%M"),
        "segment": "instagram-nano",
        "content_platform": "instagram",
        "content_kind": "reel",
        "content_days": 14,
    }
    show.said(
        manager.name,
        "/gift create product:Lemon loaf baking kit variants:Classic, Gluten-free cost:18.50 "
        "quantity:10 segment:instagram-nano content:1 Instagram Reel within 14 days",
    )
    it = await emu.invoke(manager.id, "gift create", options=options, guild_id=guild)
    await it.wait_response()
    await _wait_for(lambda: (it.content or "").startswith("Done:"))
    show.shows("mia-manager (the reply, edited as the job runs)", it)
    offer = next(m for m in emu.dms(bo.id) if m.components)
    show.shows("DM to bo", offer)
    show.said("bo", "clicks [ Accept ], picks Gluten-free, fills in the address form")
    pressed = await emu.click(offer, label="Accept", user_id=bo.id)
    await pressed.wait_response()
    assert pressed.message is not None
    menu = pressed.message.components[0]["components"][0]
    value = next(o["value"] for o in menu["options"] if o["label"] == "Gluten-free")
    chosen = await emu.select(
        pressed.message, custom_id=menu["custom_id"], values=[value], user_id=bo.id
    )
    await chosen.wait_response()
    address = {
        "name": "Bo de Vries",
        "street": "Oudegracht 12",
        "postcode": "3511ab",
        "city": "Utrecht",
        "country": "NL",
    }
    submitted = await emu.submit_modal(chosen, address, user_id=bo.id)
    await submitted.wait_followups(1)
    show.shows("bo (only you can see this; the address shown masked)", submitted.followups[0])
    show.said(manager.name, "/gift export offer:1")
    it = await emu.invoke(manager.id, "gift export", options={"offer": "1"}, guild_id=guild)
    await it.wait_response()
    if it.response_type == 5:
        await it.wait_followups(1)
    show.shows("mia-manager (only you can see this)", _reply(it))
    if shop is not None and shop.drafts:
        draft = shop.drafts[-1]
        show.note(
            f"the local Shopify now holds draft order {draft.name}: {draft.lines[0].title}, "
            f"100 % off, tags {', '.join(sorted(draft.tags))}"
        )
    show.said(manager.name, "/gift delivered offer:1 members:@bo")
    it = await emu.invoke(
        manager.id,
        "gift delivered",
        options={"offer": "1", "members": f"<@{bo.id}>"},
        guild_id=guild,
    )
    await it.wait_response()
    if it.response_type == 5:
        await it.wait_followups(1)
    show.shows("mia-manager (only you can see this)", _reply(it))
    await _wait_for(lambda: "arrived" in (emu.dms(bo.id)[-1].content or ""))
    show.shows("DM to bo", emu.dms(bo.id)[-1])
    show.note("the address is erased 14 days after delivery (gift_address_retention_days)")


async def _bounty(world: LocalDiscord, show: Transcript, bo: Any) -> None:
    emu, cast = world.emu, world.cast
    assert cast is not None
    guild, manager = cast.guild.id, cast.manager
    show.heading("14. A bounty: announced, a post handed in, approved into a commission")
    options = {
        "title": "Your bake with #lemonloaf",
        "brief": "Post a Reel or TikTok of your lemon loaf with #lemonloaf.",
        "kind": "submission",
        "reward": "25",
        "ends": "14d",
        "segment": "all",
        "max_winners": 3,
        "channel": cast.announcements.id,
    }
    show.said(
        manager.name,
        "/bounty create title:Your bake with #lemonloaf kind:submission reward:25 ends:14d "
        "segment:all max_winners:3 channel:#announcements",
    )
    it = await emu.invoke(manager.id, "bounty create", options=options, guild_id=guild)
    await it.wait_response()
    await _wait_for(lambda: "Done:" in (it.content or ""))
    show.shows("mia-manager (the reply, edited as the job runs)", it)
    show.shows("#announcements", emu.messages(cast.announcements.id)[-1])
    show.said("bo", "/bounty submit bounty:1 url:https://www.instagram.com/reel/lemonloaf")
    it = await emu.invoke(
        bo.id,
        "bounty submit",
        options={"bounty": "1", "url": "https://www.instagram.com/reel/lemonloaf"},
        guild_id=guild,
    )
    await it.wait_followups(1)
    show.shows("bo (only you can see this)", it.followups[0])
    card = emu.messages(cast.review.id)[-1]
    show.shows("#review (the card)", card)
    show.said(manager.name, "clicks [ Approve ]")
    pressed = await emu.click(card, label="Approve", user_id=manager.id)
    await pressed.wait_followups(1)
    show.shows("mia-manager (only you can see this)", pressed.followups[0])
    show.shows("DM to bo", emu.dms(bo.id)[-1])
    show.shows("#announcements", emu.messages(cast.announcements.id)[-1])


async def run_demo(verbose: bool = False) -> int:
    folder = Path(tempfile.mkdtemp(prefix="creatorbot-demo-"))
    shop = ShopifyStore(SystemClock(), token=SHOPIFY_TOKEN)
    try:
        async with (
            LoopbackServer(create_app(shop)) as shopify,
            LocalDiscord(
                folder / "demo.db",
                CREATORBOT_SHOPIFY_SECRET=SHOP_SECRET,
                CREATORBOT_SWEEP_SECONDS=1,
                CREATORBOT_SHOPIFY_STORE=shopify.base_url,
                CREATORBOT_SHOPIFY_ADMIN_TOKEN=SHOPIFY_TOKEN,
            ) as world,
        ):
            print("creatorbot demo: the real bot against a local Discord emulator")
            print("and a local Shopify store that stands in for the shop's Admin API")
            print("(no token, no network; a temporary database that is deleted afterwards)")
            await play(world, shop)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    asyncio.run(run_demo())
