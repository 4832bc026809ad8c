"""JobService and the bulk approval of the review queue, on a real SQLite file."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.db.jobs_repo import JobRepository
from bot.domain import notices
from bot.domain.applications import Status
from bot.domain.jobs import ItemResult, ItemState, Job, JobItem, JobKind, JobState
from bot.domain.review_queue import QueueFilter
from bot.pacing import Pacer
from bot.registry import Services
from bot.services.jobs import JobService
from bot.services.onboarding import InvalidReason
from bot.services.review_queue import DECIDED_ELSEWHERE, DM_SENT

GUILD, MANAGER = 1, 900
KIND = JobKind.APPROVE_APPLICATIONS


def _counting_handler(seen: Counter[int]):  # type: ignore[no-untyped-def]
    async def handle(job: Job, item: JobItem) -> ItemResult:
        seen[item.subject_id] += 1
        return ItemResult(ItemState.DONE, "ok")

    return handle


async def test_create_writes_job_and_items(services: Services) -> None:
    """A job is created running, with one pending item per subject (duplicates collapse)."""
    job = await services.jobs.create(GUILD, KIND, MANAGER, [3, 1, 2, 3], params={"tier": "nano"})
    assert (job.state, job.total, job.params) == (JobState.RUNNING, 3, {"tier": "nano"})
    items = await services.jobs.items(job.id)
    assert [(i.subject_id, i.state) for i in items] == [(s, ItemState.PENDING) for s in (3, 1, 2)]


async def test_run_handles_every_item_once_and_counts(services: Services) -> None:
    """A run hands each item to the handler once, counts outcomes and finishes the job."""
    seen: Counter[int] = Counter()
    services.jobs.register(KIND, _counting_handler(seen))
    job = await services.jobs.create(GUILD, KIND, MANAGER, [1, 2, 3])
    reports: list[int] = []

    async def progress(current: Job) -> None:
        reports.append(current.processed)

    done = await services.jobs.run(job.id, progress)
    assert seen == Counter({1: 1, 2: 1, 3: 1})
    assert done.finished and done.count("done") == 3 and done.count("ok") == 3
    assert reports[-1] == 3


async def test_resume_after_crash_finishes_once(services: Services) -> None:
    """Items claimed but never recorded (a crash) are redone on resume, the job finished once."""
    job = await services.jobs.create(GUILD, KIND, MANAGER, [1, 2, 3, 4])
    first = await services.jobs.claim(job.id)
    assert first is not None
    await services.jobs.record(job.id, first.subject_id, ItemResult(ItemState.DONE, "ok"))
    crashed = await services.jobs.claim(job.id)  # claimed, then the process died
    assert crashed is not None and crashed.subject_id == 2
    # A new process: a fresh service on the same database, resumed by the sweep.
    restarted = JobService(services.db, JobRepository(), services.clock)
    interrupted: list[int] = []
    seen: Counter[int] = Counter()

    async def handle(job: Job, item: JobItem) -> ItemResult:
        seen[item.subject_id] += 1
        if item.interrupted:
            interrupted.append(item.subject_id)
        return ItemResult(ItemState.DONE, "ok")

    restarted.register(KIND, handle)
    assert await restarted.resume() == 1
    assert await restarted.resume() == 0  # already running here: not started twice
    await restarted.wait(job.id)
    final = await restarted.get(job.id)
    assert seen == Counter({2: 1, 3: 1, 4: 1}) and interrupted == [2]
    assert final.finished and final.count("done") == 4 and final.processed == 4
    assert await restarted.resume() == 0


async def test_record_twice_counts_once(services: Services) -> None:
    """Recording an item that is no longer claimed changes nothing."""
    job = await services.jobs.create(GUILD, KIND, MANAGER, [1])
    item = await services.jobs.claim(job.id)
    assert item is not None
    assert await services.jobs.record(job.id, 1, ItemResult(ItemState.DONE, "ok"))
    assert not await services.jobs.record(job.id, 1, ItemResult(ItemState.DONE, "ok"))
    assert (await services.jobs.get(job.id)).count("done") == 1


async def test_failing_handler_marks_item_failed(services: Services) -> None:
    """An unexpected error fails that item only; the job still finishes."""

    async def handle(job: Job, item: JobItem) -> ItemResult:
        if item.subject_id == 2:
            raise RuntimeError("boom")
        return ItemResult(ItemState.DONE)

    services.jobs.register(KIND, handle)
    job = await services.jobs.create(GUILD, KIND, MANAGER, [1, 2, 3])
    final = await services.jobs.run(job.id)
    assert (final.count("done"), final.count("failed"), final.count("error")) == (2, 1, 1)


async def test_unregister_stops_the_run_and_resume_picks_it_up(services: Services) -> None:
    """Stopping a run half-way (a restart) leaves the job running; a resume completes it."""
    gate, reached = asyncio.Event(), asyncio.Event()
    seen: Counter[int] = Counter()

    async def slow(job: Job, item: JobItem) -> ItemResult:
        seen[item.subject_id] += 1
        if item.subject_id == 2:
            reached.set()
            await gate.wait()
        return ItemResult(ItemState.DONE)

    services.jobs.register(KIND, slow)
    job = await services.jobs.create(GUILD, KIND, MANAGER, [1, 2, 3])
    services.jobs.start(job)
    await asyncio.wait_for(reached.wait(), 5)
    await services.jobs.unregister(KIND, grace_seconds=0.1)
    assert not (await services.jobs.get(job.id)).finished
    gate.set()
    services.jobs.register(KIND, _counting_handler(seen))
    await services.jobs.resume()
    await services.jobs.wait(job.id)
    assert (await services.jobs.get(job.id)).finished
    assert seen == Counter({1: 1, 2: 2, 3: 1})


# --- the review queue ----------------------------------------------------------------------


async def _queue(services: Services, n: int) -> list[int]:
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    ids = []
    for i in range(n):
        result = await services.onboarding.apply(
            GUILD,
            500 + i,
            platform="instagram",
            handle=f"maker{i}",
            followers=8200,
            niche="baking",
            engagement_rate=str(1 + i),
        )
        ids.append(result.application.id)
    return ids


async def test_queue_sorted_by_engagement_ratio(services: Services) -> None:
    """The queue shows the best engagement first and filters by minimum ratio."""
    await _queue(services, 4)
    rows = await services.review_queue.matching(GUILD, QueueFilter())
    assert [a.handle for a in rows] == ["maker3", "maker2", "maker1", "maker0"]
    strong = await services.review_queue.matching(GUILD, QueueFilter(min_engagement=1.0))
    assert [a.handle for a in strong] == ["maker3", "maker2"]  # 2 % is below 2.71 %


async def _deliver_welcome(services: Services, job: Job, item: JobItem) -> ItemResult:
    """What the Discord glue does, with a DM that always arrives."""
    step = await services.review_queue.approval_step(job, item)
    if step.skipped:
        return ItemResult(ItemState.SKIPPED, step.skipped)
    assert step.approval is not None
    if step.welcome is None:
        a = step.approval
        assert a.application.user_id is not None
        notice = notices.welcome(GUILD, a.application.user_id, a.creator.id, a.application.id)

        async def send() -> None:
            return None

        await services.notifications.send(notice, send)
    return ItemResult(ItemState.DONE, await services.review_queue.welcome_outcome(step.approval))


async def test_bulk_approval_recovers_interrupted_item(services: Services) -> None:
    """An item approved just before a crash is completed on resume, never approved twice."""
    ids = await _queue(services, 3)
    job = await services.review_queue.start_approval(GUILD, MANAGER, QueueFilter())
    item = await services.jobs.claim(job.id)
    assert item is not None
    await services.onboarding.approve(GUILD, item.subject_id, MANAGER)  # then the crash

    async def handle(job: Job, item: JobItem) -> ItemResult:
        return await _deliver_welcome(services, job, item)

    services.jobs.register(KIND, handle)
    final = await services.jobs.run(job.id)
    assert (final.count("done"), final.count(DM_SENT), final.count("skipped")) == (3, 3, 0)
    for application_id in ids:
        application = await services.onboarding.application(GUILD, application_id)
        assert application.status is Status.APPROVED
    audit = await services.db.fetch_val(
        "SELECT count(*) FROM audit_log WHERE action = 'application.approve'"
    )
    assert audit == 3


async def test_bulk_approval_skips_application_decided_meanwhile(services: Services) -> None:
    """An application another manager decided after the job started is skipped and counted."""
    ids = await _queue(services, 2)
    job = await services.review_queue.start_approval(GUILD, MANAGER, QueueFilter())
    await services.onboarding.reject(GUILD, ids[0], 901, "Not a fit for us")

    async def handle(job: Job, item: JobItem) -> ItemResult:
        return await _deliver_welcome(services, job, item)

    services.jobs.register(KIND, handle)
    final = await services.jobs.run(job.id)
    assert (final.count("done"), final.count("skipped"), final.count(DECIDED_ELSEWHERE)) == (
        1,
        1,
        1,
    )


# --- reject all matching ---------------------------------------------------------------------


def _rejecting_handler(services: Services, sent: Counter[int]):  # type: ignore[no-untyped-def]
    """What the Discord glue does for a bulk rejection, with a DM that always arrives."""

    async def handle(job: Job, item: JobItem) -> ItemResult:
        step = await services.review_queue.rejection_step(job, item)
        if step.skipped:
            return ItemResult(ItemState.SKIPPED, step.skipped)
        assert step.rejection is not None
        if step.dm is None:
            await _send_rejection_dm(services, step.rejection.application, sent)
        outcome = await services.review_queue.rejection_outcome(step.rejection)
        return ItemResult(ItemState.DONE, outcome)

    return handle


async def _send_rejection_dm(services: Services, application, sent: Counter[int]) -> None:  # type: ignore[no-untyped-def]
    notice = notices.rejection(GUILD, application.user_id, application.id)

    async def send() -> None:
        sent[application.user_id] += 1

    await services.notifications.send(notice, send)


async def test_bulk_rejection_resumes_after_crash_rejecting_each_once(services: Services) -> None:
    """A crash after one rejection and its DM, and one more claim: on resume each is
    rejected once, with the reason, and told once."""
    ids = await _queue(services, 4)
    job = await services.review_queue.start_rejection(
        GUILD, MANAGER, QueueFilter(), "  We are   full this season "
    )
    assert job.kind is JobKind.REJECT_APPLICATIONS and job.total == 4
    sent: Counter[int] = Counter()
    first = await services.jobs.claim(job.id)
    assert first is not None
    rejection = await services.onboarding.reject(GUILD, first.subject_id, MANAGER, "whatever")
    await _send_rejection_dm(services, rejection.application, sent)  # then the crash
    second = await services.jobs.claim(job.id)  # claimed, never started
    assert second is not None
    restarted = JobService(services.db, JobRepository(), services.clock)
    restarted.register(JobKind.REJECT_APPLICATIONS, _rejecting_handler(services, sent))
    assert await restarted.resume() == 1
    await restarted.wait(job.id)
    final = await restarted.get(job.id)
    assert final.finished and (final.count("done"), final.count(DM_SENT)) == (4, 4)
    for application_id in ids:
        application = await services.onboarding.application(GUILD, application_id)
        assert application.status is Status.REJECTED
        assert application.decided_by == MANAGER
    assert sorted(sent.values()) == [1, 1, 1, 1]
    audit = await services.db.fetch_val(
        "SELECT count(*) FROM audit_log WHERE action = 'application.reject'"
    )
    assert audit == 4
    reasons = await services.db.fetch_all(
        "SELECT DISTINCT decision_reason FROM applications WHERE id != ?", first.subject_id
    )
    assert [tuple(r) for r in reasons] == [("We are full this season",)]


async def test_bulk_rejection_needs_a_reason(services: Services) -> None:
    """An empty reason is refused before any job is created."""
    await _queue(services, 1)
    with pytest.raises(InvalidReason):
        await services.review_queue.start_rejection(GUILD, MANAGER, QueueFilter(), "   ")
    assert await services.db.fetch_val("SELECT count(*) FROM jobs") == 0


# --- pacing and the manager's reply ---------------------------------------------------------


class _FakeTime:
    """A monotonic clock that only moves when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def _paced_jobs(services: Services, time: _FakeTime) -> JobService:
    pacer = Pacer(burst=0.0, now=time, sleep=time.sleep)
    return JobService(services.db, JobRepository(), services.clock, pacer)


async def test_a_job_runs_at_its_kinds_pace(services: Services) -> None:
    """Ten items at 5 per second take 1.8 s on the pacer's clock (the first starts at once)."""
    time = _FakeTime()
    jobs = _paced_jobs(services, time)
    jobs.register(KIND, _counting_handler(Counter()), per_second=5)
    job = await jobs.create(GUILD, KIND, MANAGER, list(range(10)))
    await jobs.run(job.id)
    assert time.now == pytest.approx(9 * 0.2 + 0.2)  # plus the slot that found nothing left


async def test_jobs_running_together_share_one_pace(services: Services) -> None:
    """Two jobs of five items at once take as long as one job of ten: the pace is per bot."""
    time = _FakeTime()
    jobs = _paced_jobs(services, time)
    seen: Counter[int] = Counter()
    jobs.register(KIND, _counting_handler(seen), per_second=5)
    first = await jobs.create(GUILD, KIND, MANAGER, [1, 2, 3, 4, 5])
    second = await jobs.create(GUILD + 1, KIND, MANAGER, [6, 7, 8, 9, 10])
    await asyncio.gather(jobs.run(first.id), jobs.run(second.id))
    assert sum(seen.values()) == 10
    assert time.now >= 9 * 0.2


async def test_register_without_pace_keeps_working(services: Services) -> None:
    """register(kind, handler) alone is valid and uses the default pace."""
    seen: Counter[int] = Counter()
    services.jobs.register(KIND, _counting_handler(seen))
    job = await services.jobs.create(GUILD, KIND, MANAGER, [1, 2])
    assert (await services.jobs.run(job.id)).finished and sum(seen.values()) == 2
    with pytest.raises(ValueError):
        services.jobs.register(KIND, _counting_handler(seen), per_second=0)


async def test_the_reply_is_kept_while_running_and_forgotten_when_done(services: Services) -> None:
    """The way back to the manager's reply is on the job until it finishes, then gone."""
    services.jobs.register(KIND, _counting_handler(Counter()))
    job = await services.jobs.create(GUILD, KIND, MANAGER, [1], params={"tier": "nano"})
    await services.jobs.remember_reply(job.id, {"token": "secret", "language": "nl"})
    kept = await services.jobs.get(job.id)
    assert kept.params == {"tier": "nano", "reply": {"token": "secret", "language": "nl"}}
    assert "secret" not in repr(kept)
    assert [j.id for j in await services.jobs.running_in(GUILD, KIND)] == [job.id]
    done = await services.jobs.run(job.id)
    assert done.params == {"tier": "nano"}
    assert await services.jobs.running_in(GUILD, KIND) == []


async def test_resume_builds_the_report_from_the_kept_reply(services: Services) -> None:
    """A run resumed by the sweep reports through the progress its kind builds from the job."""
    reports: list[tuple[str, int]] = []

    def build(job: Job):  # type: ignore[no-untyped-def]
        language = job.params["reply"]["language"]

        async def progress(current: Job) -> None:
            reports.append((language, current.processed))

        return progress

    job = await services.jobs.create(GUILD, KIND, MANAGER, [1, 2])
    await services.jobs.remember_reply(job.id, {"token": "t", "language": "nl"})
    services.jobs.register(KIND, _counting_handler(Counter()), resumed_progress=build)
    assert await services.jobs.resume() == 1
    await services.jobs.wait(job.id)
    assert reports[-1] == ("nl", 2)
