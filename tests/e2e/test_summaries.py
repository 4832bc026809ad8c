"""The weekly summary and /report through the real client and the Discord emulator."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.charts import PNG_MAGIC
from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from bot.services.summaries import SummaryService
from tests.e2e._creators import approve_creator, command, sell

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """A program with an announcements channel; anna (English) and bert (Dutch) are creators."""
    async with LocalDiscord(tmp_path / "summaries.db", clock=clock) as w:
        cast = w.cast
        await w.services.settings.update(
            cast.guild.id,
            cast.manager.id,
            {
                "review_channel": cast.review.id,
                "announcements_channel": cast.announcements.id,
                "shop_url": "https://shop.example.com",
            },
        )
        await approve_creator(w, "anna", "anna.bakes")
        await approve_creator(w, "bert", "bert.grills", locale="nl")
        yield w


async def test_summary_post_announces_with_chart_and_dms(
    world: LocalDiscord, clock: FrozenClock
) -> None:
    """/summary post → embed + PNG chart in #announcements, DMs, bert's closed DMs noted."""
    cast = world.cast
    anna, bert = cast.members["anna"], cast.members["bert"]
    await sell(world, clock, "1001", 8_000, "annabakes15")
    await command(world, anna, "public-earnings", show="on")
    world.emu.close_dms(bert.id)

    it = await command(world, cast.manager, "summary post")

    [post] = world.emu.messages(cast.announcements.id)
    embed = post.embeds[0]
    assert embed["title"].startswith("📊 The last 7 days")
    assert "**Orders:** 1 · **Net revenue:** €80.00" in embed["description"]
    assert f"**1.** <@{anna.id}> · 1 order · 0 clicks · earned €8.00" in embed["fields"][0]["value"]
    assert embed["image"]["url"] == "attachment://summary.png"
    [chart] = post.attachments
    assert chart.filename == "summary.png" and chart.content.startswith(PNG_MAGIC)
    assert post.allowed_mentions == {"parse": []}
    dm = world.emu.dms(anna.id)[-1].embeds[0]
    assert dm["title"].startswith("📊 Your last 7 days")
    assert "**Commission earned:** €8.00" in dm["description"]
    assert "Pending (in the hold period): €8.00" in dm["description"]
    status = await world.services.db.fetch_val(
        "SELECT status FROM notifications WHERE user_id = ? AND kind = 'weekly_summary'", bert.id
    )
    assert status == "undeliverable"
    answer = it.followups[0].content
    assert it.ephemeral and "1 sent" in answer and f"<@{bert.id}>" in answer


async def test_scheduled_week_is_not_posted_again_after_a_restart(
    world: LocalDiscord, clock: FrozenClock
) -> None:
    """Monday 09:00: the job posts the week once; after a restart neither job nor sweep
    posts it again, and nobody gets a second DM."""
    cast = world.cast
    anna, bert = cast.members["anna"], cast.members["bert"]
    clock.set(datetime(2026, 11, 30, 9, 0, 30, tzinfo=UTC))
    job_id = SummaryService.job_id(cast.guild.id)
    job = world.services.schedule.scheduler.get_job(job_id)
    await job.func(*job.args)
    [post] = world.emu.messages(cast.announcements.id)
    assert post.embeds[0]["title"] == "📊 Weekly summary · 23 Nov – 29 Nov 2026"
    assert world.emu.dms(bert.id)[-1].embeds[0]["title"].startswith("📊 Jouw week")
    dms = len(world.emu.dms(anna.id)), len(world.emu.dms(bert.id))

    await world.restart_bot()
    job = world.services.schedule.scheduler.get_job(job_id)
    await job.func(*job.args)
    await world.services.summaries.sweep()

    assert len(world.emu.messages(cast.announcements.id)) == 1
    assert (len(world.emu.dms(anna.id)), len(world.emu.dms(bert.id))) == dms


async def test_report_answers_with_embed_and_csv(world: LocalDiscord, clock: FrozenClock) -> None:
    """/report → an embed with the headline numbers and tier table, and the CSV."""
    await sell(world, clock, "1001", 8_000, "annabakes15")
    it = await command(world, world.cast.manager, "report")
    message = it.followups[0]
    embed = message.embeds[0]
    assert it.ephemeral and embed["title"] == "📈 Program report · this month"
    assert "**Orders:** 1" in embed["description"]
    assert "**Cost:** €8.00" in embed["description"]
    assert "nano" in embed["fields"][0]["value"]
    [attachment] = message.attachments
    assert attachment.filename == "creator-report-month-2026-11-23.csv"
    rows = list(csv.DictReader(io.StringIO(attachment.content.decode())))
    anna = next(r for r in rows if r["handle"] == "anna.bakes")
    assert (anna["orders"], anna["net_revenue"], anna["commissions"]) == ("1", "80.00", "8.00")
    assert [r["tier"] for r in rows if r["row"] == "tier"] == ["nano", "micro", "macro", "mega"]
