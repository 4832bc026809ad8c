"""SummaryService: the numbers, exactly once per server and week, catch-up and resuming."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Services, open_services
from bot.clock import FrozenClock
from bot.domain.settings import GuildSettings
from bot.services.notifications import RecipientUnreachable
from bot.services.summaries import (
    RESUME_AFTER,
    CreatorWeek,
    SummaryCooldown,
    SummaryData,
    SummaryService,
)

GUILD, MANAGER, CHANNEL = 1, 900, 20
ANNA, BERT, CLEO = 501, 502, 503
# The conftest clock starts on Monday 23 Nov 2026, 10:00 UTC, when the program is set up; the
# default schedule is Mondays 09:00 UTC, so the first week due is 23–30 Nov on 30 Nov 09:00.
FIRST_DUE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class ProcessKilled(BaseException):
    """Stands for the process dying at that point (nothing after it runs)."""


class RecordingPublisher:
    """The Discord edge for these tests: remembers what was posted and DMed.

    ``closed`` users refuse DMs; ``die_on_post`` / ``die_on_dm_to`` end the "process" there.
    """

    def __init__(
        self, closed: tuple[int, ...] = (), die_on_post: bool = False, die_on_dm_to: int = 0
    ) -> None:
        self.posts: list[SummaryData] = []
        self.dms: list[tuple[str, int]] = []
        self.closed = set(closed)
        self.die_on_post = die_on_post
        self.die_on_dm_to = die_on_dm_to

    def ready(self) -> bool:
        return True

    async def post(self, settings: GuildSettings, summary: SummaryData) -> tuple[int, int]:
        await asyncio.sleep(0)  # a real post yields to the loop
        if self.die_on_post:
            raise ProcessKilled()
        self.posts.append(summary)
        assert settings.announcements_channel_id is not None
        return settings.announcements_channel_id, 7000 + len(self.posts)

    async def send_dm(
        self, settings: GuildSettings, summary: SummaryData, creator: CreatorWeek
    ) -> None:
        assert creator.user_id is not None
        if creator.user_id == self.die_on_dm_to:
            raise ProcessKilled()
        if creator.user_id in self.closed:
            raise RecipientUnreachable()
        self.dms.append((summary.key, creator.user_id))


async def _creator(services: Services, user_id: int, handle: str, followers: int = 5000) -> int:
    result = await services.onboarding.apply(
        GUILD, user_id, platform="tiktok", handle=handle, followers=followers, niche="food"
    )
    approval = await services.onboarding.approve(GUILD, result.application.id, MANAGER)
    return approval.creator.id


@pytest.fixture
async def program(services: Services) -> Services:
    """A server with an announcements channel and three creators: anna, bert and cleo."""
    await services.settings.update(
        GUILD,
        MANAGER,
        {
            "review_channel": 10,
            "announcements_channel": CHANNEL,
            "shop_url": "https://shop.example.com",
        },
    )
    for user_id, handle in ((ANNA, "anna"), (BERT, "bert"), (CLEO, "cleo")):
        await _creator(services, user_id, handle)
    return services


@pytest.fixture
async def second_process(program: Services, clock: FrozenClock) -> AsyncIterator[Services]:
    """Another process on the same database file (its own connections and services)."""
    other = await open_services(program.config, clock)
    yield other
    await other.db.close()


async def _rows(services: Services) -> list[dict]:
    rows = await services.db.fetch_all(
        "SELECT week_start, kind, status, message_id FROM weekly_summaries ORDER BY id"
    )
    return [dict(r) for r in rows]


async def test_two_processes_racing_the_same_week_post_once(
    program: Services, second_process: Services, clock: FrozenClock
) -> None:
    """Two runs of the same server and week at the same moment: one posts, one does nothing."""
    first, second = RecordingPublisher(), RecordingPublisher()
    await program.summaries.attach(first)
    await second_process.summaries.attach(second)
    clock.set(FIRST_DUE + timedelta(minutes=1))
    outcomes = await asyncio.gather(
        program.summaries.post_due(GUILD), second_process.summaries.post_due(GUILD)
    )
    assert sum(o is not None for o in outcomes) == 1
    assert len(first.posts) + len(second.posts) == 1
    assert sorted(u for _, u in first.dms + second.dms) == [ANNA, BERT, CLEO]
    assert await _rows(program) == [
        {"week_start": "2026-11-23", "kind": "weekly", "status": "posted", "message_id": 7001}
    ]


async def test_cron_job_and_sweep_at_once_post_once(program: Services, clock: FrozenClock) -> None:
    """The scheduled job and the sweep of one process firing together post one summary."""
    publisher = RecordingPublisher()
    await program.summaries.attach(publisher)
    clock.set(FIRST_DUE)
    await asyncio.gather(program.summaries.post_due(GUILD), program.summaries.sweep())
    assert [p.key for p in publisher.posts] == ["2026-11-23"]
    assert len(publisher.dms) == 3


async def test_nothing_before_the_scheduled_time(program: Services, clock: FrozenClock) -> None:
    """A minute before Monday 09:00 the finished week is not posted yet."""
    publisher = RecordingPublisher()
    await program.summaries.attach(publisher)
    clock.set(FIRST_DUE - timedelta(minutes=1))
    assert await program.summaries.sweep() == 0
    assert publisher.posts == []


async def test_catch_up_after_three_weeks_down_posts_only_the_latest_week(
    program: Services, clock: FrozenClock
) -> None:
    """Down from before the first summary until three weeks later: one post, the last week."""
    publisher = RecordingPublisher()
    await program.summaries.attach(publisher)
    clock.set(FIRST_DUE + timedelta(weeks=3, hours=3))  # 21 Dec, 12:00
    await program.summaries.sweep()
    await program.summaries.sweep()
    assert [p.key for p in publisher.posts] == ["2026-12-14"]
    assert [r["week_start"] for r in await _rows(program)] == ["2026-12-14"]


async def test_a_server_set_up_after_the_due_time_waits_for_next_week(
    program: Services, clock: FrozenClock
) -> None:
    """The week before set-up is not posted: the first summary comes on the next schedule."""
    publisher = RecordingPublisher()
    await program.summaries.attach(publisher)
    # 23 Nov 10:00: the week of 16 Nov was due at 09:00, before /setup ran.
    assert await program.summaries.sweep() == 0
    assert publisher.posts == []


async def test_restart_after_the_channel_post_sends_only_missing_dms(
    program: Services, second_process: Services, clock: FrozenClock
) -> None:
    """Cut off while DMing bert: after a restart cleo gets hers; nobody gets a second."""
    dying = RecordingPublisher(die_on_dm_to=BERT)
    await program.summaries.attach(dying)
    clock.set(FIRST_DUE)
    with pytest.raises(ProcessKilled):
        await program.summaries.post_due(GUILD)
    assert [u for _, u in dying.dms] == [ANNA]

    restarted = RecordingPublisher()
    await second_process.summaries.attach(restarted)
    clock.advance(seconds=RESUME_AFTER.total_seconds() + 60)
    await second_process.summaries.sweep()
    assert restarted.posts == []
    # bert's DM was claimed when the process died: at most once, so it is not sent again.
    assert restarted.dms == [("2026-11-23", CLEO)]
    assert (await _rows(program))[0]["status"] == "posted"


async def test_restart_between_claim_and_post_does_not_post_again(
    program: Services, second_process: Services, clock: FrozenClock
) -> None:
    """Cut off before the message id was stored: never re-posted (at most once), DMs sent."""
    await program.summaries.attach(RecordingPublisher(die_on_post=True))
    clock.set(FIRST_DUE)
    with pytest.raises(ProcessKilled):
        await program.summaries.post_due(GUILD)

    restarted = RecordingPublisher()
    await second_process.summaries.attach(restarted)
    await second_process.summaries.sweep()  # too soon: the run may still be going
    assert restarted.dms == []
    clock.advance(seconds=RESUME_AFTER.total_seconds() + 60)
    await second_process.summaries.sweep()
    assert restarted.posts == []
    assert sorted(u for _, u in restarted.dms) == [ANNA, BERT, CLEO]
    row = (await _rows(program))[0]
    assert (row["status"], row["message_id"]) == ("abandoned", None)


async def test_closed_dms_are_recorded_not_fatal(program: Services, clock: FrozenClock) -> None:
    """bert's DMs are closed: the others get theirs and bert is listed for managers."""
    publisher = RecordingPublisher(closed=(BERT,))
    await program.summaries.attach(publisher)
    clock.set(FIRST_DUE)
    outcome = await program.summaries.post_due(GUILD)
    assert outcome is not None
    assert outcome.dms == {"sent": 2, "undeliverable": 1}
    assert outcome.undeliverable == (BERT,)
    assert (await program.summaries.status(GUILD)).undeliverable == (BERT,)


async def test_manual_post_does_not_take_the_weekly_post(
    program: Services, clock: FrozenClock
) -> None:
    """/summary post an hour before the schedule; the weekly summary still goes out."""
    publisher = RecordingPublisher()
    await program.summaries.attach(publisher)
    clock.set(FIRST_DUE - timedelta(hours=1))
    await program.summaries.post_now(GUILD, MANAGER, request_id=123)
    clock.set(FIRST_DUE)
    await program.summaries.sweep()
    assert [p.kind for p in publisher.posts] == ["manual", "weekly"]
    assert len(publisher.dms) == 6


async def test_second_manual_post_within_minutes_is_refused(
    program: Services, clock: FrozenClock
) -> None:
    """Two managers clicking /summary post together: one post, the other is told to wait."""
    publisher = RecordingPublisher()
    await program.summaries.attach(publisher)
    await program.summaries.post_now(GUILD, MANAGER, request_id=1)
    clock.advance(minutes=3)
    with pytest.raises(SummaryCooldown) as refused:
        await program.summaries.post_now(GUILD, MANAGER + 1, request_id=2)
    assert refused.value.params == {"minutes": 7}
    assert len(publisher.posts) == 1


async def test_week_numbers_top_creators_and_new_creators(
    program: Services, clock: FrozenClock
) -> None:
    """Orders in the week rank the creators; the week's approvals are its new creators."""
    for user_id, net in ((BERT, 5_000), (BERT, 2_000), (ANNA, 9_000)):
        await program.conversions.add_manual(GUILD, MANAGER, user_id, net, None)
    clock.set(FIRST_DUE)
    week = await program.summaries.due_week(GUILD)
    assert week is not None
    data = await program.summaries.compute(GUILD, week, key=week.key, kind="weekly")
    assert [(c.user_id, c.numbers.orders) for c in data.top] == [(BERT, 2), (ANNA, 1)]
    assert (data.totals.orders, data.totals.revenue_minor) == (3, 16_000)
    assert data.totals.commission_minor == 1_600  # 10 % of €160
    assert {c.user_id for c in data.new_creators} == {ANNA, BERT, CLEO}
    bert = next(c for c in data.creators if c.user_id == BERT)
    assert bert.balance.pending == 700
    assert [d.orders for d in data.days] == [3, 0, 0, 0, 0, 0, 0]


async def test_public_earnings_opt_in(program: Services) -> None:
    """A creator opts in; saying it twice changes nothing."""
    assert await program.summaries.set_public_earnings(GUILD, ANNA, True) is True
    assert await program.summaries.set_public_earnings(GUILD, ANNA, True) is False
    stored = await program.db.fetch_val(
        "SELECT public_earnings FROM creators WHERE user_id = ?", ANNA
    )
    assert stored == 1


async def test_new_timezone_moves_the_weekly_job(program: Services) -> None:
    """/setup timezone and summary_cron reschedule the server's job in that zone."""
    await program.summaries.attach(RecordingPublisher())
    await program.settings.update(
        GUILD, MANAGER, {"timezone": "Europe/Amsterdam", "summary_cron": "30 8 * * 5"}
    )
    job = program.schedule.scheduler.get_job(SummaryService.job_id(GUILD))
    after = datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(None, after) == datetime(
        2026, 11, 27, 7, 30, tzinfo=UTC
    )  # Friday 08:30 in Amsterdam (CET)
