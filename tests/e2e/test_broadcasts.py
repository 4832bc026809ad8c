"""/broadcast segment|status through the real client against the Discord emulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.domain.jobs import JobKind
from bot.harness import LocalDiscord
from bot.notify import send_dm
from cogs.broadcasts import broadcast_embed
from emulators.discord import Attachment
from tests.e2e._creators import approved_creators

pytestmark = pytest.mark.timeout(120)

SHOP = "https://shop.example.com"


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
    """A configured program with the shop as its only allowed domain."""
    cast = discord_world.cast
    await discord_world.services.settings.update(
        cast.guild.id, cast.manager.id, {"review_channel": cast.review.id, "shop_url": SHOP}
    )
    return discord_world


async def _segment(world: LocalDiscord, name: str, **criteria: Any) -> None:
    cast = world.cast
    await world.services.segments.create(cast.guild.id, cast.manager.id, name, **criteria)


async def _open(
    world: LocalDiscord, locale: str = "en-US", user_id: int | None = None, **options: Any
) -> Any:
    """Run /broadcast segment; return the interaction (a modal, or an error answer)."""
    it = await world.emu.invoke(
        user_id or world.cast.manager.id,
        "broadcast segment",
        options=options,
        guild_id=world.cast.guild.id,
        locale=locale,
    )
    await it.wait_response()
    return it


async def _brief(world: LocalDiscord, opened: Any, locale: str = "en-US", **values: str) -> Any:
    """Fill in the modal; return the answer (the confirmation or an error)."""
    assert opened.modal is not None, opened.content
    submitted = await world.emu.submit_modal(opened, values, locale=locale)
    await submitted.wait_followups(1)
    return submitted.followups[0]


async def _press(world: LocalDiscord, message: Any, label: str, locale: str = "en-US") -> Any:
    it = await world.emu.click(message, label=label, user_id=world.cast.manager.id, locale=locale)
    await it.wait_response()
    return it


async def _finish(world: LocalDiscord, go: Any, message: Any, word: str) -> str:
    """Wait for the broadcast's job, then for the reply to show the totals."""
    job_id = int(await world.services.db.fetch_val("SELECT max(id) FROM jobs"))
    await world.services.jobs.wait(job_id)
    assert (await world.services.jobs.get(job_id)).finished

    def shows_totals(_: Any) -> bool:
        return (world.emu.get_message(message).content or "").startswith(word)

    await go.wait_until(shows_totals, timeout=30)
    return world.emu.get_message(message).content or ""


async def _links(world: LocalDiscord, members: list[Any]) -> dict[int, str]:
    """Each member's tracking link for the default campaign (what /link shows)."""
    svc = world.services
    found = {}
    for member in members:
        links = await svc.campaigns.links(world.cast.guild.id, member.id, None)
        found[member.id] = links[0].url(svc.config.public_url)
    return found


def _the_dm(world: LocalDiscord, member: Any) -> dict[str, Any]:
    dms = world.emu.dms(member.id)
    assert len(dms) == 1, f"{member.name} got {len(dms)} DMs"
    assert len(dms[0].embeds) == 1
    return dms[0].embeds[0]


async def test_broadcast_to_a_segment_with_closed_dms(world: LocalDiscord) -> None:
    """Four in the segment: two get one DM each with their own link, one closed, one left."""
    members = await approved_creators(world, 4, prefix="insta")
    outsider = (await approved_creators(world, 1, prefix="tok", platform="tiktok"))[0]
    await _segment(world, "spring", platform="instagram")
    links = await _links(world, members)
    world.emu.close_dms(members[1].id)
    world.cast.guild.remove_member(members[2].id)
    opened = await _open(
        world,
        segment="spring",
        image=Attachment("spring.png", b"\x89PNG\r\n\x1a\n"),
        channel=world.cast.announcements.id,
    )
    asked = await _brief(
        world,
        opened,
        title="Spring drop @everyone",
        text="New flavours are out — share them this week!",
        link=f"{SHOP}/spring",
    )
    assert asked.ephemeral
    assert "Send to **4** creators of **spring**?" in asked.content
    assert "own tracking link" in asked.content
    go = await _press(world, asked, "Send to 4")
    final = await _finish(world, go, asked, "Done:")
    assert final == (
        "Done: “Spring drop @\u200beveryone” sent to 2 of 4 creators, 1 closed DMs,"
        " 1 left the server."
    )
    for member in (members[0], members[3]):
        embed = _the_dm(world, member)
        assert embed["title"] == "Spring drop @everyone"
        assert embed["author"]["name"] == "A message from Brand HQ"
        assert embed["fields"] == [
            {"name": "Your link", "value": links[member.id], "inline": False}
        ]
        assert embed["image"]["url"].endswith("/spring.png")
    assert links[members[0].id] != links[members[3].id]
    assert world.emu.dms(members[1].id) == [] and world.emu.dms(outsider.id) == []
    posts = world.emu.messages(world.cast.announcements.id)
    assert len(posts) == 1 and posts[0].embeds[0]["title"] == "Spring drop @everyone"
    assert posts[0].embeds[0]["fields"] == [
        {"name": "Link", "value": f"{SHOP}/spring", "inline": False}
    ]
    world.emu.assert_no_violations()


async def test_broadcast_in_dutch(world: LocalDiscord) -> None:
    """A Dutch manager is asked and answered in Dutch; Dutch creators read a Dutch frame."""
    members = await approved_creators(world, 3, prefix="bakker", locale="nl")
    await _segment(world, "lente", niche="baking")
    links = await _links(world, members)
    world.emu.close_dms(members[0].id)
    opened = await _open(world, locale="nl", segment="lente")
    asked = await _brief(
        world, opened, locale="nl", title="Lentedrop", text="Nieuwe smaken!", link=SHOP
    )
    assert "Versturen naar **3** creators van **lente**?" in asked.content
    go = await _press(world, asked, "Versturen naar 3", locale="nl")
    final = await _finish(world, go, asked, "Klaar:")
    assert final == (
        "Klaar: “Lentedrop” verstuurd naar 2 van 3 creators, 1 gesloten DM's,"
        " 0 hebben de server verlaten."
    )
    for member in members[1:]:
        embed = _the_dm(world, member)
        assert embed["author"]["name"] == "Een bericht van Brand HQ"
        assert embed["description"] == "Nieuwe smaken!"
        assert embed["fields"][0] == {
            "name": "Jouw link",
            "value": links[member.id],
            "inline": False,
        }


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en-US", "matches no creators right now"), ("nl", "bevat nu geen creators")],
)
async def test_empty_segment_says_so(world: LocalDiscord, locale: str, said: str) -> None:
    """A segment of nobody is answered at once: no modal, nothing stored or sent."""
    await approved_creators(world, 2, prefix="maker")
    await _segment(world, "knitters", niche="knitting")
    it = await _open(world, locale=locale, segment="knitters")
    assert it.modal is None and it.ephemeral
    assert said in it.content and "knitters" in it.content
    assert await world.services.db.fetch_val("SELECT count(*) FROM broadcasts") == 0


async def test_members_are_refused(world: LocalDiscord) -> None:
    """A creator allowed to see the command is still refused, ephemerally."""
    member = (await approved_creators(world, 1, prefix="maker"))[0]
    world.emu.allow_command(world.cast.guild.id, "broadcast", user_id=member.id)
    it = await _open(world, user_id=member.id, segment="all")
    assert it.modal is None and it.ephemeral
    assert "Only program managers can do this" in it.content
    status = await world.emu.invoke(
        member.id, "broadcast status", guild_id=world.cast.guild.id, locale="nl"
    )
    await status.wait_response()
    assert status.ephemeral and "Alleen programmamanagers" in status.content


async def test_everyone_above_a_hundred_asks_twice(world: LocalDiscord) -> None:
    """`all` with 101 creators asks a second confirmation; Yes sends 101 DMs, once each."""
    members = await approved_creators(world, 101, prefix="c")
    opened = await _open(world, segment="all")
    asked = await _brief(world, opened, title="Big news", text="We are growing!")
    assert "Send to **101** creators — everyone in the program?" in asked.content
    await _press(world, asked, "Send to 101")
    again = world.emu.get_message(asked).content
    assert again == "This goes to **101** creators — everyone in the program. Send?"
    assert await world.services.db.fetch_val("SELECT count(*) FROM jobs") == 0
    go = await _press(world, asked, "Yes, send to all 101")
    final = await _finish(world, go, asked, "Done:")
    assert final.startswith("Done: “Big news” sent to 101 of 101 creators, 0 closed DMs")
    assert all(len(world.emu.dms(m.id)) == 1 for m in members)
    assert "fields" not in world.emu.dms(members[0].id)[0].embeds[0]  # no link, none given
    world.emu.assert_no_violations()


async def test_cancel_sends_nothing(world: LocalDiscord) -> None:
    """Cancel on the confirmation sends nothing, and Send afterwards starts nothing."""
    members = await approved_creators(world, 2, prefix="maker")
    asked = await _brief(world, await _open(world, segment="all"), title="Hi", text="Hello")
    await _press(world, asked, "Cancel")
    assert world.emu.get_message(asked).content == "Cancelled. Nothing was sent."
    assert [world.emu.dms(m.id) for m in members] == [[], []]
    assert await world.services.db.fetch_val("SELECT state FROM broadcasts") == "cancelled"


async def test_restart_half_way_sends_each_creator_once(world: LocalDiscord) -> None:
    """Items done, sent-but-unrecorded and claimed-only before a crash: after the restart
    the sweep finishes the job and every creator has exactly one DM."""
    members = await approved_creators(world, 6, prefix="maker")
    svc = world.services
    # No handler in this process: Send creates the job, and this test runs the items.
    await svc.jobs.unregister(JobKind.BROADCAST)
    asked = await _brief(world, await _open(world, segment="all"), title="Drop", text="Go!")
    await _press(world, asked, "Send to 6")
    job_id = int(await svc.db.fetch_val("SELECT max(id) FROM jobs"))
    cog: Any = world.runtime.bot.get_cog("BroadcastsCog")  # type: ignore[union-attr]
    job = await svc.jobs.get(job_id)
    for _ in range(2):  # two creators fully handled and recorded
        item = await svc.jobs.claim(job_id)
        assert item is not None
        await svc.jobs.record(job_id, item.subject_id, await cog.send_item(job, item))
    sent_not_recorded = await svc.jobs.claim(job_id)  # the DM went out, then the crash
    assert sent_not_recorded is not None
    await cog.send_item(job, sent_not_recorded)
    assert await svc.jobs.claim(job_id) is not None  # claimed, nothing sent, then the crash
    assert sum(len(world.emu.dms(m.id)) for m in members) == 3
    await world.restart_bot()
    svc = world.services
    await svc.schedule.sweep()
    await svc.jobs.wait(job_id)
    final = await svc.jobs.get(job_id)
    assert final.finished and final.count("dm_sent") == 6 and final.processed == 6
    # The resumed run went on editing the manager's reply (its token still valid).
    await world.emu.interactions[-1].wait_until(
        lambda _: (world.emu.get_message(asked).content or "").startswith("Done:"), timeout=10
    )
    assert world.emu.get_message(asked).content.startswith("Done: “Drop” sent to 6 of 6")
    assert [len(world.emu.dms(m.id)) for m in members] == [1] * 6
    world.emu.assert_no_violations()


@pytest.mark.parametrize("sent_before_the_crash", [True, False])
async def test_a_dm_cut_off_by_a_crash_is_neither_lost_nor_doubled(
    world: LocalDiscord, sent_before_the_crash: bool
) -> None:
    """The process stops after claiming a creator's broadcast DM, with or without sending
    it: after the restart the creator has exactly one."""
    [member] = await approved_creators(world, 1, prefix="maker")
    svc = world.services
    await svc.jobs.unregister(JobKind.BROADCAST)  # this test runs the item
    asked = await _brief(world, await _open(world, segment="all"), title="Drop", text="Go!")
    await _press(world, asked, "Send to 1")
    job_id = int(await svc.db.fetch_val("SELECT max(id) FROM jobs"))
    job = await svc.jobs.get(job_id)
    item = await svc.jobs.claim(job_id)
    assert item is not None
    recipient = await svc.broadcasts.recipient(job, item)
    assert recipient.notice is not None
    embed = broadcast_embed(recipient.broadcast, "en", "Brand HQ", recipient.link_url)

    async def crash() -> None:
        if sent_before_the_crash:
            await send_dm(world.runtime.bot, member.id, embed=embed)  # type: ignore[union-attr]
        raise asyncio.CancelledError  # the process dies here: nothing is recorded

    with pytest.raises(asyncio.CancelledError):
        await svc.notifications.send(recipient.notice, crash)
    assert len(world.emu.dms(member.id)) == int(sent_before_the_crash)

    await world.restart_bot()
    svc = world.services
    await svc.schedule.sweep()
    await svc.jobs.wait(job_id)
    final = await svc.jobs.get(job_id)
    assert final.finished and final.count("dm_sent") == 1
    assert len(world.emu.dms(member.id)) == 1


async def test_link_off_the_allowed_domains_is_refused(world: LocalDiscord) -> None:
    """A link to another site is refused naming the allowed domains; nothing is stored."""
    members = await approved_creators(world, 2, prefix="maker")
    refused = await _brief(
        world,
        await _open(world, segment="all"),
        title="Deal",
        text="Look here",
        link="https://elsewhere.example.org/deal",
    )
    assert refused.ephemeral
    assert "`elsewhere.example.org`" in refused.content
    assert "allowed domains (shop.example.com)" in refused.content
    assert await world.services.db.fetch_val("SELECT count(*) FROM broadcasts") == 0
    assert [world.emu.dms(m.id) for m in members] == [[], []]
    dutch = await _brief(
        world,
        await _open(world, locale="nl", segment="all"),
        locale="nl",
        title="Deal",
        text="Kijk",
        link="https://elsewhere.example.org/deal",
    )
    assert "geen van de toegestane domeinen (shop.example.com)" in dutch.content


async def test_an_attachment_that_is_not_an_image_is_refused(world: LocalDiscord) -> None:
    """A PDF as the image is refused before the modal opens."""
    await approved_creators(world, 1, prefix="maker")
    it = await _open(world, segment="all", image=Attachment("brief.pdf", b"%PDF-1.4"))
    assert it.modal is None and "is not an image (application/pdf)" in it.content


async def test_status_lists_recent_broadcasts(world: LocalDiscord) -> None:
    """/broadcast status shows each broadcast's counts, in English and in Dutch."""
    members = await approved_creators(world, 3, prefix="maker")
    world.emu.close_dms(members[0].id)
    asked = await _brief(world, await _open(world, segment="all"), title="First", text="One")
    go = await _press(world, asked, "Send to 3")
    await _finish(world, go, asked, "Done:")
    await _brief(world, await _open(world, segment="all"), title="Second", text="Two")
    status = await world.emu.invoke(
        world.cast.manager.id, "broadcast status", guild_id=world.cast.guild.id
    )
    await status.wait_response()
    embed = status.embeds[0]
    assert status.ephemeral and embed["title"] == "Recent broadcasts"
    lines = embed["description"].splitlines()
    assert lines[0].startswith("**Second** → all · ") and lines[0].endswith(
        f"by <@{world.cast.manager.id}>"
    )
    assert lines[1].strip() == "draft, not sent (3 creators)"
    assert lines[2].startswith("**First** → all")
    assert lines[3].strip() == "2 sent · 1 closed DMs · 0 left · 0 pending (done)"
    dutch = await world.emu.invoke(
        world.cast.manager.id, "broadcast status", guild_id=world.cast.guild.id, locale="nl"
    )
    await dutch.wait_response()
    embed = dutch.embeds[0]
    assert embed["title"] == "Recente broadcasts"
    assert (
        "2 verstuurd · 1 gesloten DM's · 0 vertrokken · 0 te gaan (klaar)" in (embed["description"])
    )
    assert "concept, niet verstuurd (3 creators)" in embed["description"]
