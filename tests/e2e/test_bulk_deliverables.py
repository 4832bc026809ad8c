"""/deliverable add segment: through the real client: one confirmation, a resumable job, a
summary that names the skipped creators, one DM per creator, and reminders afterwards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.domain.jobs import JobKind
from bot.harness import LocalDiscord
from bot.services.bulk_requests import BulkNotADraft
from tests.e2e._creators import approved_creators, command

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
    """A configured program (shop set, Amsterdam time)."""
    cast = discord_world.cast
    await discord_world.services.settings.update(
        cast.guild.id,
        cast.manager.id,
        {
            "review_channel": cast.review.id,
            "shop_url": "https://shop.example.com",
            "timezone": "Europe/Amsterdam",
        },
    )
    return discord_world


async def _add(
    world: LocalDiscord, locale: str = "en-US", user_id: int | None = None, **options: Any
) -> Any:
    it = await world.emu.invoke(
        user_id or world.cast.manager.id,
        "deliverable add",
        options=options,
        guild_id=world.cast.guild.id,
        locale=locale,
    )
    await it.wait_response()
    return it


async def _confirm(world: LocalDiscord, asked: Any, label: str, locale: str = "en-US") -> str:
    """Press the confirmation, wait for the job, and return the final summary."""
    manager = world.cast.manager.id
    go = await world.emu.click(asked.message, label=label, user_id=manager, locale=locale)
    await go.wait_response()
    job_id = int(await world.services.db.fetch_val("SELECT max(id) FROM jobs"))
    await world.services.jobs.wait(job_id)
    assert (await world.services.jobs.get(job_id)).finished
    words = ("Done:", "Klaar:")

    def finished(_: Any) -> bool:
        return (world.emu.get_message(asked.message).content or "").startswith(words)

    await go.wait_until(finished, timeout=30)
    return world.emu.get_message(asked.message).content or ""


async def _planned(world: LocalDiscord, member: Any) -> list[Any]:
    return await world.services.deliverables.mine(world.cast.guild.id, member.id)


async def test_segment_gets_two_reels_each_with_one_skipped(world: LocalDiscord) -> None:
    """Four in the segment: three get 2 reels and one DM, one already has a reel (skipped)."""
    members = await approved_creators(world, 4, prefix="insta")
    outsider = (await approved_creators(world, 1, prefix="tok", platform="tiktok"))[0]
    svc, guild = world.services, world.cast.guild.id
    await svc.segments.create(guild, world.cast.manager.id, "spring", platform="instagram")
    due = svc.clock.now() + timedelta(days=14, hours=3)
    await svc.deliverables.add(
        guild,
        world.cast.manager.id,
        members[0].id,
        platform="instagram",
        kind="reel",
        due=due.isoformat(),
    )
    world.emu.close_dms(members[3].id)

    asked = await _add(
        world, segment="spring", platform="instagram", kind="reel", due="14d", fee="50", count=2
    )
    assert asked.ephemeral
    assert "Plan for each of the **4** creators of **spring**: 2 × Instagram reel" in asked.content
    assert "fee €50.00 each?" in asked.content and "That is 8 deliverables." in asked.content
    assert (
        await svc.db.fetch_val("SELECT count(*) FROM deliverables WHERE bulk_id IS NOT NULL") == 0
    )

    final = await _confirm(world, asked, "Yes, plan for 4")
    assert final == (
        "Done: created 6 deliverables for 3 creators; skipped 1: 1 already has one due within "
        "a day. 1 has closed DMs and will see it in /deliverables."
    )
    assert len(await _planned(world, members[0])) == 1  # only the one it had
    for member in members[1:]:
        planned = await _planned(world, member)
        assert [(d.platform, d.kind.value, d.fee_minor) for d in planned] == [
            ("instagram", "reel", 5_000)
        ] * 2
    for member in members[1:3]:
        dms = world.emu.dms(member.id)
        assert len(dms) == 1, f"{member.name} got {len(dms)} DMs"
        assert dms[0].content.startswith("📋 **New for you:** 2 × Instagram reel, due ")
        assert "fee €50.00 each" in dms[0].content
    assert world.emu.dms(members[0].id) == [] and world.emu.dms(outsider.id) == []
    assert await _planned(world, outsider) == []
    world.emu.assert_no_violations()


async def test_in_dutch(world: LocalDiscord) -> None:
    """A Dutch manager is asked and answered in Dutch; a Dutch creator reads a Dutch DM."""
    members = await approved_creators(world, 2, prefix="maker", locale="nl")
    asked = await _add(
        world, locale="nl", segment="all", platform="tiktok", kind="video", due="2026-12-01 18:00"
    )
    assert "Voor elk van de **2** creators van **all** plannen: 1 × TikTok-video" in asked.content
    assert "deadline 1 dec 2026" in asked.content
    final = await _confirm(world, asked, "Ja, plan voor 2", locale="nl")
    assert final == "Klaar: 2 deliverables aangemaakt voor 2 creators."
    for member in members:
        dms = world.emu.dms(member.id)
        assert len(dms) == 1
        assert dms[0].content.startswith("📋 **Nieuw voor jou:** 1 × TikTok-video, deadline ")


async def test_reminders_run_for_bulk_deliverables(world: LocalDiscord, clock: FrozenClock) -> None:
    """A deliverable made by a bulk request is chased like any other: the 2-hour reminder."""
    member = (await approved_creators(world, 1, prefix="maker"))[0]
    asked = await _add(world, segment="all", platform="instagram", kind="story", due="3d")
    await _confirm(world, asked, "Yes, plan for 1")
    [item] = await _planned(world, member)
    clock.set(item.due_at - timedelta(hours=1, minutes=30))
    await world.services.schedule.sweep()  # the sweep sends the reminders it finds due
    assert len(world.emu.dms(member.id)) == 2
    assert (
        f"Reminder: your Instagram story (#{item.id}) is due"
        in world.emu.dms(member.id)[-1].content
    )


async def test_empty_segment_plans_nothing(world: LocalDiscord) -> None:
    """A segment of nobody says so in the manager's language; nothing is stored."""
    await approved_creators(world, 1, prefix="maker")
    svc = world.services
    await svc.segments.create(world.cast.guild.id, world.cast.manager.id, "macros", tier="macro")
    for locale, said in (("en-US", "matches no active creators"), ("nl", "geen actieve creators")):
        it = await _add(
            world, locale=locale, segment="macros", platform="instagram", kind="reel", due="14d"
        )
        assert it.ephemeral and said in it.content and it.message.components == []
    assert await svc.db.fetch_val("SELECT count(*) FROM bulk_requests") == 0


@pytest.mark.parametrize(
    ("locale", "options", "said"),
    [
        ("en-US", {}, "not neither"),
        ("nl", {"segment": "all"}, "niet allebei"),
    ],
)
async def test_member_or_segment_not_both(
    world: LocalDiscord, locale: str, options: dict[str, Any], said: str
) -> None:
    """Both `member` and `segment`, or neither, is refused and plans nothing."""
    member = (await approved_creators(world, 1, prefix="maker"))[0]
    if "segment" in options:
        options = {**options, "member": member.id}
    it = await _add(world, locale=locale, platform="instagram", kind="reel", due="14d", **options)
    assert it.ephemeral and said in it.content
    assert await world.services.db.fetch_val("SELECT count(*) FROM deliverables") == 0


async def test_members_are_refused(world: LocalDiscord) -> None:
    """A creator allowed to see the command is still refused, ephemerally."""
    member = (await approved_creators(world, 1, prefix="maker"))[0]
    world.emu.allow_command(world.cast.guild.id, "deliverable", user_id=member.id)
    it = await _add(
        world, user_id=member.id, segment="all", platform="instagram", kind="reel", due="14d"
    )
    assert it.ephemeral and "Only program managers can do this" in it.content
    assert await world.services.db.fetch_val("SELECT count(*) FROM bulk_requests") == 0


async def test_cancel_plans_nothing(world: LocalDiscord) -> None:
    """Cancel on the confirmation plans nothing, and Confirm afterwards says it was cancelled."""
    await approved_creators(world, 2, prefix="maker")
    asked = await _add(world, segment="all", platform="instagram", kind="reel", due="14d")
    manager = world.cast.manager.id
    no = await world.emu.click(asked.message, label="Cancel", user_id=manager)
    await no.wait_response()
    assert world.emu.get_message(asked.message).content == "Cancelled. Nothing was planned."
    # Confirming it later (an old message, a second manager) is refused and starts nothing.
    with pytest.raises(BulkNotADraft):
        await world.services.bulk_requests.start(world.cast.guild.id, manager, 1)
    assert await world.services.db.fetch_val("SELECT count(*) FROM jobs") == 0
    assert await world.services.db.fetch_val("SELECT count(*) FROM deliverables") == 0


async def test_restart_half_way_creates_nothing_twice(world: LocalDiscord) -> None:
    """Items done, planned-but-unrecorded and claimed-only before a crash: after the restart
    every creator has exactly two deliverables and one DM."""
    members = await approved_creators(world, 5, prefix="maker")
    svc = world.services
    # No handler in this process: Confirm creates the job, and this test runs the items.
    await svc.jobs.unregister(JobKind.BULK_DELIVERABLES)
    asked = await _add(world, segment="all", platform="instagram", kind="reel", due="14d", count=2)
    go = await world.emu.click(
        asked.message, label="Yes, plan for 5", user_id=world.cast.manager.id
    )
    await go.wait_response()
    job_id = int(await svc.db.fetch_val("SELECT max(id) FROM jobs"))
    cog: Any = world.runtime.bot.get_cog("DeliverablesCog")  # type: ignore[union-attr]
    job = await svc.jobs.get(job_id)
    item = await svc.jobs.claim(job_id)  # one creator fully handled and recorded
    assert item is not None
    await svc.jobs.record(job_id, item.subject_id, await cog.plan_item(job, item))
    planned_not_recorded = await svc.jobs.claim(job_id)  # planned and told, then the crash
    assert planned_not_recorded is not None
    await cog.plan_item(job, planned_not_recorded)
    assert await svc.jobs.claim(job_id) is not None  # claimed, nothing done, then the crash
    assert await svc.db.fetch_val("SELECT count(*) FROM deliverables") == 4

    await world.restart_bot()
    svc = world.services
    await svc.schedule.sweep()
    await svc.jobs.wait(job_id)
    final = await svc.jobs.get(job_id)
    assert final.finished and final.count("done") == 5 and final.count("dm_sent") == 5
    # The resumed run went on editing the manager's reply (its token still valid).
    await go.wait_until(
        lambda _: (world.emu.get_message(asked.message).content or "").startswith("Done:"),
        timeout=10,
    )
    assert world.emu.get_message(asked.message).content == (
        "Done: created 10 deliverables for 5 creators."
    )
    assert await svc.db.fetch_val("SELECT count(*) FROM deliverables") == 10
    for member in members:
        assert len(await _planned(world, member)) == 2
        assert len(world.emu.dms(member.id)) == 1
    world.emu.assert_no_violations()


async def test_confirm_after_a_restart_still_plans(world: LocalDiscord) -> None:
    """The confirmation outlives a restart: Confirm pressed afterwards plans and summarises."""
    members = await approved_creators(world, 2, prefix="maker")
    asked = await _add(world, segment="all", platform="instagram", kind="reel", due="14d")
    await world.restart_bot()
    final = await _confirm(world, asked, "Yes, plan for 2")
    assert final == "Done: created 2 deliverables for 2 creators."
    for member in members:
        assert len(await _planned(world, member)) == 1
        assert len(world.emu.dms(member.id)) == 1


async def test_confirm_pressed_twice_plans_once(world: LocalDiscord) -> None:
    """Two presses of Confirm at once (a double click): one job, the other press is told so."""
    members = await approved_creators(world, 3, prefix="maker")
    asked = await _add(world, segment="all", platform="tiktok", kind="video", due="7d", count=2)
    manager = world.cast.manager.id
    first = await world.emu.click(
        asked.message, label="Yes, plan for 3", user_id=manager, wait=False
    )
    second = await world.emu.click(
        asked.message, label="Yes, plan for 3", user_id=manager, wait=False
    )
    await first.wait_response()
    await second.wait_response()
    refused = [
        it for it in (first, second) if it.response_type == 4 or it.followups
    ]  # an ephemeral answer instead of editing the confirmation
    assert len(refused) == 1
    said = refused[0].content or refused[0].followups[0].content
    assert said == "This request is already being carried out; nobody gets it twice."
    job_id = int(await world.services.db.fetch_val("SELECT max(id) FROM jobs"))
    await world.services.jobs.wait(job_id)
    assert await world.services.db.fetch_val("SELECT count(*) FROM jobs") == 1
    for member in members:
        assert len(await _planned(world, member)) == 2
        assert len(world.emu.dms(member.id)) == 1


async def test_members_are_refused_in_dutch(world: LocalDiscord) -> None:
    """A Dutch creator allowed to see the command is refused in Dutch; nothing is stored."""
    member = (await approved_creators(world, 1, prefix="maker", locale="nl"))[0]
    world.emu.allow_command(world.cast.guild.id, "deliverable", user_id=member.id)
    it = await _add(
        world,
        locale="nl",
        user_id=member.id,
        segment="all",
        platform="instagram",
        kind="reel",
        due="14d",
    )
    assert it.ephemeral and "Alleen programmamanagers kunnen dit doen" in it.content
    assert await world.services.db.fetch_val("SELECT count(*) FROM bulk_requests") == 0


async def test_paused_before_its_turn_is_named_in_dutch(world: LocalDiscord) -> None:
    """A creator paused with /creator pause after Confirm but before their turn (the bot
    restarted in between) is skipped, and the Dutch manager's reply names why."""
    members = await approved_creators(world, 3, prefix="maker", locale="nl")
    svc, manager = world.services, world.cast.manager.id
    await svc.jobs.unregister(JobKind.BULK_DELIVERABLES)  # the job waits for the restart
    asked = await _add(
        world, locale="nl", segment="all", platform="instagram", kind="reel", due="14d"
    )
    go = await world.emu.click(asked.message, label="Ja, plan voor 3", user_id=manager, locale="nl")
    await go.wait_response()
    paused = await command(world, world.cast.manager, "creator pause", member=members[1].id)
    assert "is paused" in paused.content or "is paused" in paused.followups[0].content
    await world.restart_bot()
    await world.services.schedule.sweep()
    await go.wait_until(
        lambda _: (world.emu.get_message(asked.message).content or "").startswith("Klaar:"),
        timeout=10,
    )
    assert world.emu.get_message(asked.message).content == (
        "Klaar: 2 deliverables aangemaakt voor 2 creators; 1 overgeslagen: 1 gepauzeerd."
    )
    assert await _planned(world, members[1]) == []
    assert [len(world.emu.dms(m.id)) for m in members] == [1, 0, 1]


async def _template(world: LocalDiscord) -> None:
    """A contract template: 2 Instagram reels over 14 days, €75 each."""
    await world.services.deliverables.create_template(
        world.cast.guild.id,
        world.cast.manager.id,
        name="spring-duo",
        platform="instagram",
        kind="reel",
        count=2,
        days=14,
        fee="75",
    )


async def test_contract_from_a_template_for_a_segment(world: LocalDiscord) -> None:
    """Three creators: two get the contract with its two reels and one DM; the one who
    already has an active contract of that title is skipped and named."""
    members = await approved_creators(world, 3, prefix="maker")
    await _template(world)
    svc, guild, manager = world.services, world.cast.guild.id, world.cast.manager.id
    await svc.deliverables.create_contract(
        guild, manager, members[0].id, title="Spring", start="2026-11-23", end="2026-12-20 18:00"
    )
    asked = await world.emu.invoke(
        manager,
        "contract create",
        options={
            "segment": "all",
            "title": "Spring",
            "start": "2026-11-24",
            "template": "spring-duo",
        },
        guild_id=guild,
    )
    await asked.wait_response()
    assert asked.ephemeral
    assert (
        "Give each of the **3** creators of **all** the contract “Spring” from 24 Nov 2026"
        in asked.content
    )
    assert "with 2 × Instagram reel, €75.00 per deliverable?" in asked.content
    final = await _confirm(world, asked, "Yes, plan for 3")
    assert final == (
        "Done: 2 contracts with 4 deliverables in all; skipped 1: 1 already has an active "
        "contract with this title."
    )
    for member in members[1:]:
        planned = await _planned(world, member)
        assert [(d.kind.value, d.fee_minor) for d in planned] == [("reel", 7_500)] * 2
        assert all(d.contract_id is not None for d in planned)
        [dm] = world.emu.dms(member.id)
        assert dm.content.startswith("📋 **New contract:** “Spring”, from 24 Nov 2026")
        assert f"#{planned[0].id} Instagram reel due" in dm.content
    assert world.emu.dms(members[0].id) == []
    contracts = await svc.db.fetch_val("SELECT count(*) FROM contracts WHERE title = 'Spring'")
    assert contracts == 3


async def test_contract_for_a_segment_in_dutch(world: LocalDiscord) -> None:
    """A Dutch manager confirms in Dutch; the Dutch creator's DM is in Dutch."""
    [member] = await approved_creators(world, 1, prefix="maker", locale="nl")
    await _template(world)
    asked = await world.emu.invoke(
        world.cast.manager.id,
        "contract create",
        options={
            "segment": "all",
            "title": "Lente",
            "start": "2026-11-24",
            "template": "spring-duo",
        },
        guild_id=world.cast.guild.id,
        locale="nl",
    )
    await asked.wait_response()
    assert "Elk van de **1** creator van **all** het contract “Lente” geven" in asked.content
    final = await _confirm(world, asked, "Ja, plan voor 1", locale="nl")
    assert final == "Klaar: 1 contract met in totaal 2 deliverables."
    [dm] = world.emu.dms(member.id)
    assert dm.content.startswith("📋 **Nieuw contract:** “Lente”, van 24 nov 2026")
