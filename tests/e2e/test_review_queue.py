"""/applications: the review queue, paging, and "Approve all matching" as a resumable job."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain import notices
from bot.domain.jobs import JobKind
from bot.harness import LocalDiscord
from bot.notify import send_dm
from cogs.onboarding._flows import welcome_text

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
    """A configured program: review channel, shop and creator role."""
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
    return discord_world


async def _applicants(world: LocalDiscord, n: int) -> list:  # type: ignore[type-arg]
    """``n`` members who applied; maker0 has the lowest engagement, the last the highest."""
    members = []
    for i in range(n):
        member = world.add_member(f"maker{i}")
        await world.services.onboarding.apply(
            world.cast.guild.id,
            member.id,
            platform="instagram",
            handle=f"maker{i}",
            followers=8200,
            niche="vegan baking",
            engagement_rate=f"{1 + i * 0.5}",
        )
        members.append(member)
    return members


async def _queue(world: LocalDiscord, locale: str = "en-US", **options: object):  # type: ignore[no-untyped-def]
    it = await world.emu.invoke(
        world.cast.manager.id,
        "applications",
        options=options,
        guild_id=world.cast.guild.id,
        locale=locale,
    )
    await it.wait_response()
    return it


def _buttons(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [c["label"] for row in message.components for c in row["components"]]


async def test_lists_ten_per_page_best_engagement_first(world: LocalDiscord) -> None:
    """Twelve applications: page one shows the ten best, Next shows the other two."""
    await _applicants(world, 12)
    it = await _queue(world)
    assert it.ephemeral
    assert "**Waiting applications:** 12" in it.content and "page 1 of 2" in it.content
    lines = [line for line in it.content.splitlines() if line[:1].isdigit()]
    assert len(lines) == 10
    assert lines[0].startswith("1. **maker11** · Instagram · nano · 6.5% vs 2.71% (2.4×)")
    assert lines[0].endswith("vegan baking")
    assert _buttons(it.message) == [
        "◀ Previous",
        "Next ▶",
        "Approve all matching (12)",
        "Reject all matching (12)",
    ]
    nxt = await world.emu.click(it.message, label="Next ▶", user_id=world.cast.manager.id)
    await nxt.wait_response()
    content = world.emu.get_message(it.message).content
    assert "page 2 of 2" in content and "11. **maker1**" in content and "12. **maker0**" in content
    world.emu.assert_no_violations()


async def test_lists_in_dutch_with_filters(world: LocalDiscord) -> None:
    """A Dutch manager gets the list in Dutch; a minimum engagement narrows it."""
    await _applicants(world, 6)  # 3 % and 3.5 % beat the nano benchmark of 2.71 %
    it = await _queue(world, locale="nl", min_engagement=1.0)
    assert "**Wachtende aanmeldingen:** 2" in it.content and "pagina 1 van 1" in it.content
    assert "t.o.v. 2,71%" in it.content
    assert _buttons(it.message) == [
        "◀ Vorige",
        "Volgende ▶",
        "Alle passende goedkeuren (2)",
        "Alle passende afwijzen (2)",
    ]


async def test_empty_queue_says_so(world: LocalDiscord) -> None:
    """Without waiting applications the manager is told, in their language."""
    it = await _queue(world)
    assert it.ephemeral and "No waiting application matches" in it.content
    dutch = await _queue(world, locale="nl")
    assert "Geen wachtende aanmelding" in dutch.content


async def _confirm_all(world: LocalDiscord, it, n: int):  # type: ignore[no-untyped-def]
    manager = world.cast.manager.id
    ask = await world.emu.click(it.message, label=f"Approve all matching ({n})", user_id=manager)
    await ask.wait_response()
    asked = world.emu.get_message(it.message).content
    assert f"Approve all **{n}** matching applications?" in asked
    go = await world.emu.click(it.message, label=f"Yes, approve {n}", user_id=manager)
    await go.wait_response()
    return go


async def _job_id(world: LocalDiscord) -> int:
    return int(await world.services.db.fetch_val("SELECT max(id) FROM jobs"))


def _assert_each_approved_once(world: LocalDiscord, members: list) -> None:  # type: ignore[type-arg]
    guild, role = world.cast.guild.id, world.cast.creator_role.id
    for member in members:
        dms = world.emu.dms(member.id)
        assert len(dms) == 1, f"{member.name} got {len(dms)} DMs"
        assert "Welcome" in dms[0].content or "welcome" in dms[0].content.lower()
        assert role in world.emu.member_roles(guild, member.id)


async def test_approve_all_matching_approves_each_once(world: LocalDiscord) -> None:
    """Approve all matching of 12: 12 creators, 12 welcome DMs, and a final count."""
    members = await _applicants(world, 12)
    it = await _queue(world)
    await _confirm_all(world, it, 12)
    await world.services.jobs.wait(await _job_id(world))
    await it.wait_until(lambda i: "Done:" in (world.emu.get_message(i.message).content or ""))
    final = world.emu.get_message(it.message).content
    assert "Done: 12 approved, 12 welcome DMs sent, 0 closed DMs." in final
    assert _buttons(world.emu.get_message(it.message)) == []
    creators = await world.services.db.fetch_val("SELECT count(*) FROM creators")
    assert creators == 12
    _assert_each_approved_once(world, members)
    world.emu.assert_no_violations()


async def test_approve_all_counts_closed_dms_and_decided_meanwhile(world: LocalDiscord) -> None:
    """A closed DM is counted; an application another manager rejected first is skipped."""
    members = await _applicants(world, 3)
    world.emu.close_dms(members[0].id)
    it = await _queue(world)
    application = await world.services.onboarding.pending_application(
        world.cast.guild.id, members[1].id
    )
    await world.services.onboarding.reject(
        world.cast.guild.id, application.id, world.cast.owner.id, "Not a fit"
    )
    manager = world.cast.manager.id
    ask = await world.emu.click(it.message, label="Approve all matching (3)", user_id=manager)
    await ask.wait_response()
    # The count is taken again at confirmation: two are still waiting.
    assert "Approve all **2**" in world.emu.get_message(it.message).content
    go = await world.emu.click(it.message, label="Yes, approve 2", user_id=manager)
    await go.wait_response()
    await world.services.jobs.wait(await _job_id(world))
    await it.wait_until(lambda i: "Done:" in (world.emu.get_message(i.message).content or ""))
    final = world.emu.get_message(it.message).content
    assert "Done: 2 approved, 1 welcome DMs sent, 1 closed DMs." in final


async def test_restart_half_way_resumes_and_approves_each_once(world: LocalDiscord) -> None:
    """The bot stops after some items; after a restart the sweep finishes the job, once each."""
    members = await _applicants(world, 12)
    it = await _queue(world)

    async def pace() -> None:
        # Discord answers a message now and then with 429: discord.py waits and retries, so
        # the run takes long enough for the restart to land half-way.
        fault = None
        while True:
            if fault is None or not fault.remaining:
                fault = world.emu.inject_rate_limit(
                    "POST", r"/channels/\d+/messages", retry_after=0.1
                )
            await asyncio.sleep(0.15)

    pacer = asyncio.create_task(pace())
    await _confirm_all(world, it, 12)
    job_id = await _job_id(world)
    for _ in range(2000):
        if (await world.services.jobs.get(job_id)).processed >= 2:
            break
        await asyncio.sleep(0.005)
    pacer.cancel()
    await world.restart_bot()
    stopped = await world.services.jobs.get(job_id)
    assert not stopped.finished and 3 <= stopped.processed < 12
    await world.services.schedule.sweep()
    await world.services.jobs.wait(job_id)
    final = await world.services.jobs.get(job_id)
    assert final.finished and final.count("done") == 12 and final.count("dm_sent") == 12
    approvals = await world.services.db.fetch_val(
        "SELECT count(*) FROM audit_log WHERE action = 'application.approve'"
    )
    assert approvals == 12
    _assert_each_approved_once(world, members)


@pytest.mark.parametrize("sent_before_the_crash", [True, False])
async def test_a_welcome_cut_off_by_a_crash_is_neither_lost_nor_doubled(
    world: LocalDiscord, sent_before_the_crash: bool
) -> None:
    """The process stops after claiming a welcome DM, with or without sending it: after the
    restart the applicant has exactly one welcome."""
    [member] = await _applicants(world, 1)
    svc = world.services
    await svc.jobs.unregister(JobKind.APPROVE_APPLICATIONS)  # this test runs the item
    it = await _queue(world)
    await _confirm_all(world, it, 1)
    job_id = await _job_id(world)
    job = await svc.jobs.get(job_id)
    item = await svc.jobs.claim(job_id)
    assert item is not None
    step = await svc.review_queue.approval_step(job, item)
    assert step.approval is not None
    application = step.approval.application
    notice = notices.welcome(
        application.guild_id, member.id, step.approval.creator.id, application.id
    )

    profile = await svc.onboarding.profile(application.guild_id, member.id)
    welcome = welcome_text(profile, svc.config.public_url)

    async def crash() -> None:
        if sent_before_the_crash:
            await send_dm(world.runtime.bot, member.id, content=welcome)
        raise asyncio.CancelledError  # the process dies here: nothing is recorded

    with pytest.raises(asyncio.CancelledError):
        await svc.notifications.send(notice, crash)
    assert len(world.emu.dms(member.id)) == int(sent_before_the_crash)

    await world.restart_bot()
    svc = world.services
    await svc.schedule.sweep()
    await svc.jobs.wait(job_id)
    final = await svc.jobs.get(job_id)
    assert final.finished and final.count("dm_sent") == 1
    dms = world.emu.dms(member.id)
    assert len(dms) == 1, [d.content[:40] for d in dms]


# --- Reject all matching ---------------------------------------------------------------------


async def _reject_all(world: LocalDiscord, it, n: int, reason: str, locale: str = "en-US"):  # type: ignore[no-untyped-def]
    """Press Reject all matching, type the reason in the modal, then confirm."""
    manager = world.cast.manager.id
    label, go_label = (
        (f"Alle passende afwijzen ({n})", f"Ja, wijs {n} af")
        if locale == "nl"
        else (f"Reject all matching ({n})", f"Yes, reject {n}")
    )
    ask = await world.emu.click(it.message, label=label, user_id=manager, locale=locale)
    await ask.wait_response()
    assert ask.modal is not None
    submitted = await world.emu.submit_modal(ask, {"text": reason}, locale=locale)
    await submitted.wait_response()
    asked = world.emu.get_message(it.message).content
    go = await world.emu.click(it.message, label=go_label, user_id=manager, locale=locale)
    await go.wait_response()
    return asked


async def test_reject_all_matching_rejects_each_once_with_one_dm(world: LocalDiscord) -> None:
    """Reject all of 5 with a reason: 5 rejected, 5 rejection DMs with it, none twice."""
    members = await _applicants(world, 5)
    it = await _queue(world)
    asked = await _reject_all(world, it, 5, "We are full this season")
    assert "Reject all **5** matching applications?" in asked
    assert "> We are full this season" in asked
    await world.services.jobs.wait(await _job_id(world))
    await it.wait_until(lambda i: "Done:" in (world.emu.get_message(i.message).content or ""))
    final = world.emu.get_message(it.message).content
    assert "Done: 5 rejected, 5 DMs sent, 0 closed DMs." in final
    rejected = await world.services.db.fetch_val(
        "SELECT count(*) FROM applications WHERE status = 'rejected'"
    )
    audit = await world.services.db.fetch_val(
        "SELECT count(*) FROM audit_log WHERE action = 'application.reject'"
    )
    assert (rejected, audit) == (5, 5)
    for member in members:
        dms = world.emu.dms(member.id)
        assert len(dms) == 1, f"{member.name} got {len(dms)} DMs"
        assert "We are full this season" in dms[0].content
    assert await world.services.db.fetch_val("SELECT count(*) FROM creators") == 0
    world.emu.assert_no_violations()


async def test_reject_all_matching_in_dutch_counts_closed_dms(world: LocalDiscord) -> None:
    """A Dutch manager is asked and answered in Dutch; a closed DM is counted."""
    members = await _applicants(world, 3)
    world.emu.close_dms(members[0].id)
    it = await _queue(world, locale="nl")
    asked = await _reject_all(world, it, 3, "Niet passend bij ons merk", locale="nl")
    assert "Alle **3** passende aanmeldingen afwijzen?" in asked
    await world.services.jobs.wait(await _job_id(world))
    await it.wait_until(lambda i: "Klaar:" in (world.emu.get_message(i.message).content or ""))
    final = world.emu.get_message(it.message).content
    assert "Klaar: 3 afgewezen, 2 DM's verstuurd, 1 gesloten DM's." in final
    assert [len(world.emu.dms(m.id)) for m in members] == [0, 1, 1]
