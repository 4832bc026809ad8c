"""/creators and /leaderboard through the real client against the Discord emulator."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from emulators.discord import EmulatorError
from tests.e2e._creators import command

pytestmark = pytest.mark.timeout(120)
CREATORS = 12


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """A program of twelve creators; creator n sold n orders of €10.00 this week."""
    async with LocalDiscord(tmp_path / "roster.db", clock=clock) as w:
        cast = w.cast
        svc = w.services
        await svc.settings.update(
            cast.guild.id,
            cast.manager.id,
            {"review_channel": cast.review.id, "shop_url": "https://shop.example.com"},
        )
        for n in range(1, CREATORS + 1):
            member = w.add_member(f"creator{n:02d}")
            applied = await svc.onboarding.apply(
                cast.guild.id,
                member.id,
                platform="instagram",
                handle=f"maker{n:02d}",
                followers=5_000,
                niche="baking",
            )
            await svc.onboarding.approve(cast.guild.id, applied.application.id, cast.manager.id)
            for k in range(n):
                await svc.conversions.add_manual(
                    cast.guild.id, cast.manager.id, member.id, 1_000, f"o{n}-{k}"
                )
        yield w


def _description(message: Any) -> str:
    return "\n".join(e.get("description", "") for e in message.embeds)


def _footer(message: Any) -> str:
    return message.embeds[0]["footer"]["text"]


async def _roster(world: LocalDiscord, locale: str = "en-US", **options: Any) -> Any:
    it = await world.emu.invoke(
        world.cast.manager.id,
        "creators",
        options=options,
        guild_id=world.cast.guild.id,
        locale=locale,
    )
    await it.wait_response()
    (message,) = await it.wait_followups(1)
    return message


async def test_next_button_shows_page_two(world: LocalDiscord) -> None:
    """Page 1 holds the ten best sellers; Next edits the reply into page 2 (ranks 11-12)."""
    first = await _roster(world)
    assert first.ephemeral
    assert "Page 1 of 2 · 12 creators" in _footer(first)
    assert "maker12" in _description(first) and "maker02" not in _description(first)
    click = await world.emu.click(first, label="Next ▶", user_id=world.cast.manager.id)
    await click.wait_response()
    assert click.response_type == 7
    second = world.emu.get_message(first.id)
    assert "Page 2 of 2" in _footer(second)
    text = _description(second)
    assert "**11.**" in text and "maker02" in text and "maker01" in text
    assert "maker12" not in text
    world.emu.assert_no_violations()


async def test_next_button_works_after_a_restart(world: LocalDiscord) -> None:
    """A page shown before a restart still turns: the button carries the filter and page."""
    first = await _roster(world, sort="joined", period="all")
    await world.restart_bot()
    click = await world.emu.click(first, label="Next ▶", user_id=world.cast.manager.id)
    await click.wait_response()
    second = world.emu.get_message(first.id)
    assert "Page 2 of 2" in _footer(second)
    assert "since the start" in second.embeds[0]["title"]
    assert "maker01" in _description(second) and "maker12" not in _description(second)


async def test_csv_of_the_whole_list_is_attached(world: LocalDiscord) -> None:
    """csv:True attaches every creator, not only the page, without e-mail addresses."""
    message = await _roster(world, csv=True, sort="orders")
    (attachment,) = message.attachments
    assert attachment.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(attachment.content.decode())))
    assert len(rows) == CREATORS
    assert (rows[0]["handle"], rows[0]["orders"]) == ("maker12", "12")
    assert not any("mail" in column for column in rows[0])
    assert "@" not in attachment.content.decode()


async def test_roster_in_dutch(world: LocalDiscord) -> None:
    """A Dutch manager gets the page, the footer and the buttons in Dutch."""
    message = await _roster(world, locale="nl", period="week")
    assert "Actieve creators · deze week" in message.embeds[0]["title"]
    assert "Pagina 1 van 2" in _footer(message)
    assert "bestellingen" in _description(message)
    assert {b["label"] for b in message.buttons} == {"◀ Vorige", "Volgende ▶"}
    click = await world.emu.click(message, label="Volgende ▶", locale="nl")
    await click.wait_response()
    assert "Pagina 2 van 2" in _footer(world.emu.get_message(message.id))


async def test_unknown_campaign_is_named(world: LocalDiscord) -> None:
    """A campaign that does not exist is named in the answer."""
    it = await command(world, world.cast.manager, "creators", campaign="Winterfest")
    assert "Winterfest" in it.followups[0].content
    assert "/campaign list" in it.followups[0].content


async def test_members_cannot_list_the_roster(world: LocalDiscord) -> None:
    """/creators is for managers only: Discord hides it from other members."""
    member = world.cast.members["creator01"]
    with pytest.raises(EmulatorError, match="hidden"):
        await command(world, member, "creators")


async def _leaderboard(world: LocalDiscord, locale: str, **options: Any) -> Any:
    user = world.cast.members["creator01"]
    it = await world.emu.invoke(
        user.id, "leaderboard", options=options, guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_response()
    return it


@pytest.mark.parametrize(
    ("locale", "earned", "title"),
    [("en-US", "earned", "Top creators by orders"), ("nl", "verdiend", "Beste creators op")],
)
async def test_leaderboard_shows_earnings_only_of_opted_in(
    world: LocalDiscord, locale: str, earned: str, title: str
) -> None:
    """Public, top ten, without pings; only the creator who opted in shows earnings."""
    guild = world.cast.guild.id
    opted = world.cast.members["creator11"]
    await world.services.summaries.set_public_earnings(guild, opted.id, True)
    it = await _leaderboard(world, locale)
    assert not it.ephemeral
    assert title in it.embeds[0]["title"]
    lines = [line for line in it.embeds[0]["description"].split("\n") if line.startswith("**")]
    assert len(lines) == 10
    assert lines[0].startswith(f"**1.** <@{world.cast.members['creator12'].id}>")
    with_earnings = [line for line in lines if earned in line]
    assert len(with_earnings) == 1 and f"<@{opted.id}>" in with_earnings[0]
    assert it.message.allowed_mentions == {"parse": []}


async def test_leaderboard_by_clicks_with_nobody_says_so(world: LocalDiscord) -> None:
    """No clicks yet: the board says nobody has any instead of an empty list."""
    it = await _leaderboard(world, "en-US", metric="clicks", period="month")
    assert "Nobody has any clicks in this period yet." in it.embeds[0]["description"]
