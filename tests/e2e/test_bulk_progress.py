"""A bulk approval's progress across a restart: the manager's reply keeps being edited while
its token lasts, and /applications names a running bulk approval."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.domain.jobs import JobKind
from bot.domain.review_queue import QueueFilter
from bot.harness import LocalDiscord
from bot.progress import resumed_progress
from cogs.review_queue import _job_text

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def world(discord_world: LocalDiscord) -> LocalDiscord:
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
            engagement_rate="3",
        )
        members.append(member)
    return members


async def _queue(world: LocalDiscord, locale: str = "en-US"):  # type: ignore[no-untyped-def]
    it = await world.emu.invoke(
        world.cast.manager.id, "applications", guild_id=world.cast.guild.id, locale=locale
    )
    await it.wait_response()
    return it


async def _wait_processed(world: LocalDiscord, job_id: int, at_least: int) -> None:
    for _ in range(2000):
        if (await world.services.jobs.get(job_id)).processed >= at_least:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the job did not get going")


@pytest.mark.parametrize(
    ("locale", "done"),
    [
        ("en-US", "Done: 12 approved, 12 welcome DMs sent, 0 closed DMs."),
        ("nl", "Klaar: 12 goedgekeurd, 12 welkomst-DM's verstuurd, 0 gesloten DM's."),
    ],
)
async def test_reply_is_edited_after_a_restart(world: LocalDiscord, locale: str, done: str) -> None:
    """A restart half-way: the resumed run finishes the manager's reply, in their language."""
    members = await _applicants(world, 12)
    it = await _queue(world, locale)
    manager = world.cast.manager.id
    first = "Alle passende goedkeuren (12)" if locale == "nl" else "Approve all matching (12)"
    go = "Ja, keur 12 goed" if locale == "nl" else "Yes, approve 12"
    ask = await world.emu.click(it.message, label=first, user_id=manager, locale=locale)
    await ask.wait_response()
    press = await world.emu.click(it.message, label=go, user_id=manager, locale=locale)
    await press.wait_response()
    job_id = int(await world.services.db.fetch_val("SELECT max(id) FROM jobs"))
    await _wait_processed(world, job_id, 2)
    await world.restart_bot()
    stopped = await world.services.jobs.get(job_id)
    assert not stopped.finished and stopped.params["reply"]["language"] == locale[:2]
    await world.services.schedule.sweep()
    await world.services.jobs.wait(job_id)
    await it.wait_until(lambda i: done in (world.emu.get_message(i.message).content or ""))
    final = await world.services.jobs.get(job_id)
    assert final.finished and "reply" not in final.params  # the token is forgotten
    assert all(len(world.emu.dms(m.id)) == 1 for m in members)
    world.emu.assert_no_violations()


async def test_no_edits_once_the_token_has_expired(world: LocalDiscord) -> None:
    """A job whose reply is older than 15 minutes resumes without reporting to it."""
    await _applicants(world, 1)
    job = await world.services.review_queue.start_approval(
        world.cast.guild.id, world.cast.manager.id, QueueFilter()
    )
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    reply = {"application_id": 1, "token": "t", "language": "en", "created_at": old.timestamp()}
    await world.services.jobs.remember_reply(job.id, reply)
    job = await world.services.jobs.get(job.id)
    assert resumed_progress(world.runtime.bot, job, _job_text) is None  # type: ignore[union-attr]
    fresh = {**reply, "created_at": dt.datetime.now(dt.UTC).timestamp()}
    await world.services.jobs.remember_reply(job.id, fresh)
    job = await world.services.jobs.get(job.id)
    assert resumed_progress(world.runtime.bot, job, _job_text) is not None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("locale", "line"),
    [
        ("en-US", "A bulk approval is running: 0/3 done."),
        ("nl", "Er loopt een bulkgoedkeuring: 0/3 klaar."),
    ],
)
async def test_applications_names_a_running_bulk_approval(
    world: LocalDiscord, locale: str, line: str
) -> None:
    """While a bulk approval runs in the server, /applications says how far it is."""
    await _applicants(world, 3)
    job = await world.services.review_queue.start_approval(
        world.cast.guild.id, world.cast.manager.id, QueueFilter()
    )
    assert job.kind is JobKind.APPROVE_APPLICATIONS
    it = await _queue(world, locale)
    assert it.content.startswith(line)


async def test_applications_without_a_running_job_has_no_such_line(world: LocalDiscord) -> None:
    """Without a bulk approval running the list starts with the queue itself."""
    await _applicants(world, 2)
    it = await _queue(world)
    assert it.content.startswith("**Waiting applications:** 2")
