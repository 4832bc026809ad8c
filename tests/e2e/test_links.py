"""Links, codes and campaigns through the real client, and a real click on the tracker."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import aiohttp
import pytest

from bot.harness import LocalDiscord
from tests.e2e._creators import approve_creator

pytestmark = pytest.mark.timeout(60)
BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
)


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
    """A program with one approved creator, anna."""
    cast = discord_world.cast
    await discord_world.services.settings.update(
        cast.guild.id,
        cast.manager.id,
        {
            "review_channel": cast.review.id,
            "shop_url": "https://shop.example.com",
            "creator_role": cast.creator_role.id,
        },
    )
    await approve_creator(discord_world, "anna", "anna.bakes", platform="instagram")
    return discord_world


async def _run(world: LocalDiscord, user, command: str, locale: str = "en-US", **options):  # type: ignore[no-untyped-def]
    """The visible answer: the response, or for a deferred one ("thinking") its followup."""
    it = await world.emu.invoke(
        user.id, command, options=options, guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_response()
    if it.response_type == 5:
        return (await it.wait_followups(1))[-1]
    return it


async def test_link_click_shows_in_creator_info(world: LocalDiscord) -> None:
    """Approve → /link → a visitor follows it → /creator info shows one click."""
    anna = world.cast.members["anna"]
    it = await _run(world, anna, "link")
    assert it.ephemeral
    url = re.search(rf"{world.tracker_url}/r/[a-z0-9]+", it.content)[0]
    async with aiohttp.ClientSession() as session:
        async with session.get(
            url, allow_redirects=False, headers={"User-Agent": BROWSER}
        ) as response:
            assert response.status == 302
            location = response.headers["Location"]
    assert location.startswith("https://shop.example.com")
    assert "utm_source=anna-bakes" in location and "cb_click=" in location
    for _ in range(50):
        info = await _run(world, world.cast.manager, "creator info", member=anna.id)
        if "**Clicks since approval:** 1 (1 unique)" in info.embeds[0]["description"]:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(info.embeds[0]["description"])


async def test_stats_show_where_clicks_came_from(world: LocalDiscord) -> None:
    """Two visitors from Instagram in the Netherlands and one without a referrer: the
    creator's /stats and the manager's /creator info (in Dutch) show the platforms and
    countries."""
    anna = world.cast.members["anna"]
    it = await _run(world, anna, "link")
    url = re.search(rf"{world.tracker_url}/r/[a-z0-9]+", it.content)[0]
    visits = [
        {
            "Referer": "https://l.instagram.com/",
            "CF-IPCountry": "NL",
            "X-Forwarded-For": "203.0.113.1",
        },
        {
            "Referer": "https://l.instagram.com/",
            "CF-IPCountry": "NL",
            "X-Forwarded-For": "203.0.113.2",
        },
        {"X-Forwarded-For": "203.0.113.3"},
    ]
    async with aiohttp.ClientSession() as session:
        for headers in visits:
            async with session.get(
                url, allow_redirects=False, headers={"User-Agent": BROWSER} | headers
            ) as response:
                assert response.status == 302
    await world.services.tracking.flush()
    stats = await _run(world, anna, "stats")
    description = stats.embeds[0]["description"]
    assert "**Clicks:** 3 (3 unique)\n**From:** Instagram 67% · no referrer 33%\n" in description
    assert "**Countries:** Netherlands 67% · unknown 33%" in description
    it = await _run(world, world.cast.manager, "creator info", locale="nl", member=anna.id)
    info = it.embeds[0]["description"]
    assert "**Herkomst:** Instagram 67% · geen verwijzer 33%" in info
    assert "**Landen:** Nederland 67% · onbekend 33%" in info


async def test_code_command(world: LocalDiscord) -> None:
    """/code shows the creator's code and discount, privately."""
    it = await _run(world, world.cast.members["anna"], "code")
    assert it.ephemeral and "**ANNABAKES15**" in it.content and "15% off" in it.content


async def test_non_creator_link_refused(world: LocalDiscord) -> None:
    """A member who is not a creator is pointed to /apply."""
    carl = world.add_member("carl")
    it = await _run(world, carl, "link")
    assert it.ephemeral and "Apply with /apply" in it.content


async def test_campaign_create_and_list(world: LocalDiscord) -> None:
    """A manager adds a campaign; the creator gets a second link; a foreign domain is refused."""
    manager = world.cast.manager
    created = await _run(
        world, manager, "campaign create", name="Summer", url="https://shop.example.com/summer"
    )
    assert "1 creator got a link" in created.content
    refused = await _run(
        world, manager, "campaign create", name="Phish", url="https://evil.example/x"
    )
    assert "is not one of the allowed domains" in refused.content
    listing = await _run(world, manager, "campaign list")
    assert "**Summer** (`summer`)" in listing.embeds[0]["description"]
    links = await _run(world, world.cast.members["anna"], "link", campaign="Summer")
    assert links.content.startswith("Your tracking link (Summer)")


async def test_codes_export_attachment(world: LocalDiscord) -> None:
    """/campaign codes attaches a CSV the shop can import."""
    it = await _run(world, world.cast.manager, "campaign codes")
    attachment = it.attachments[0]
    rows = list(csv.DictReader(io.StringIO(attachment.content.decode())))
    assert attachment.filename == "discount-codes.csv"
    assert rows[0]["code"] == "ANNABAKES15" and rows[0]["status"] == "active"
