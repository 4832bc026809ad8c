"""/segment create|list|show|delete through the real client against the Discord emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from emulators.discord import EmulatorError

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """Twelve creators: maker01-maker08 nano on Instagram, maker09-maker12 on TikTok."""
    async with LocalDiscord(tmp_path / "segments.db", clock=clock) as w:
        cast = w.cast
        svc = w.services
        await svc.settings.update(
            cast.guild.id,
            cast.manager.id,
            {"review_channel": cast.review.id, "shop_url": "https://shop.example.com"},
        )
        for n in range(1, 13):
            member = w.add_member(f"creator{n:02d}")
            applied = await svc.onboarding.apply(
                cast.guild.id,
                member.id,
                platform="instagram" if n <= 8 else "tiktok",
                handle=f"maker{n:02d}",
                followers=5_000,
                niche="baking",
            )
            await svc.onboarding.approve(cast.guild.id, applied.application.id, cast.manager.id)
        yield w


async def _segment(
    world: LocalDiscord, sub: str, locale: str = "en-US", user_id: int | None = None, **options: Any
) -> Any:
    it = await world.emu.invoke(
        user_id or world.cast.manager.id,
        f"segment {sub}",
        options=options,
        guild_id=world.cast.guild.id,
        locale=locale,
    )
    await it.wait_response()
    if it.response_type == 5:  # deferred: the answer is the first followup
        await it.wait_followups(1)
        return it.followups[0]
    return it


async def test_create_then_show_in_english(world: LocalDiscord) -> None:
    """A saved segment says how many match; show lists the count and the first ten handles."""
    created = await _segment(world, "create", name="insta", platform="instagram")
    assert created.ephemeral
    assert "Segment **insta** saved: platform **instagram**" in created.content
    assert "8 creators now" in created.content
    shown = await _segment(world, "show", name="insta")
    assert "It matches **8** creators now" in shown.content
    assert "maker01" in shown.content and "maker08" in shown.content
    assert "maker09" not in shown.content
    world.emu.assert_no_violations()


async def test_show_all_twelve_lists_the_first_ten(world: LocalDiscord) -> None:
    """A segment of twelve shows 12 and only the first ten handles."""
    await _segment(world, "create", name="bakers", niche="baking")
    shown = await _segment(world, "show", name="bakers")
    assert "**12** creators now; the first 10" in shown.content
    assert "maker10" in shown.content and "maker11" not in shown.content


async def test_empty_segment_says_so(world: LocalDiscord) -> None:
    """A segment nobody matches says a bulk action would send nothing."""
    await _segment(world, "create", name="mega", tier="mega")
    shown = await _segment(world, "show", name="mega")
    assert "matches no creators right now" in shown.content


async def test_list_and_delete_in_english(world: LocalDiscord) -> None:
    """list shows the saved segment; after delete, list says there are none."""
    await _segment(world, "create", name="tiktok", platform="tiktok")
    listed = await _segment(world, "list")
    assert "**tiktok**: platform **tiktok**" in listed.embeds[0]["description"]
    deleted = await _segment(world, "delete", name="TikTok")
    assert "Segment **tiktok** deleted" in deleted.content
    listed = await _segment(world, "list")
    assert "No segments yet" in listed.embeds[0]["description"]


async def test_create_show_list_delete_in_dutch(world: LocalDiscord) -> None:
    """A Dutch manager gets every answer in Dutch."""
    created = await _segment(world, "create", locale="nl", name="tiktok", platform="tiktok")
    assert "Segment **tiktok** opgeslagen" in created.content
    assert "bevat nu 4 creators" in created.content
    shown = await _segment(world, "show", locale="nl", name="tiktok")
    assert "Het bevat nu **4** creators" in shown.content and "maker12" in shown.content
    listed = await _segment(world, "list", locale="nl")
    assert listed.embeds[0]["title"] == "Segmenten"
    deleted = await _segment(world, "delete", locale="nl", name="tiktok")
    assert "Segment **tiktok** verwijderd" in deleted.content
    listed = await _segment(world, "list", locale="nl")
    assert "Nog geen segmenten" in listed.embeds[0]["description"]


@pytest.mark.parametrize(
    ("locale", "said"), [("en-US", "There is no campaign called"), ("nl", "Er is geen campagne")]
)
async def test_unknown_campaign_is_named(world: LocalDiscord, locale: str, said: str) -> None:
    """A campaign that does not exist is named, and nothing is saved."""
    answer = await _segment(world, "create", locale=locale, name="winter", campaign="Winterfest")
    assert said in answer.content and "Winterfest" in answer.content
    assert await world.services.segments.list(world.cast.guild.id) == []


async def test_unknown_segment_is_named(world: LocalDiscord) -> None:
    """show of a segment that does not exist names it and points at /segment list."""
    answer = await _segment(world, "show", name="ghost")
    assert "There is no segment called “ghost”" in answer.content


async def test_members_cannot_use_segments(world: LocalDiscord) -> None:
    """/segment is for managers only: Discord hides it from other members."""
    member = world.cast.members["creator01"]
    with pytest.raises(EmulatorError, match="hidden"):
        await _segment(world, "list", user_id=member.id)
