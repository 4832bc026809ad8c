"""Bulk deliverables (BulkRequestService): the draft, Confirm once, each creator's item once
(across a restart), skips with their reasons, audit, one notice each, reminders; real SQLite."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from bot.clock import FrozenClock, to_epoch
from bot.db.deliverables_repo import DeliverableRepository
from bot.db.jobs_repo import JobRepository
from bot.domain.bulk_requests import ALREADY_HAS_ONE, PAUSED, REMOVED, BulkState, summary_of
from bot.domain.creators import CreatorStatus
from bot.domain.deliverables import InvalidDue
from bot.domain.jobs import ItemResult, ItemState, Job, JobItem, JobKind
from bot.i18n import render
from bot.registry import Services
from bot.services.bulk_requests import BulkNotADraft, InvalidCount, NobodyInSegment
from bot.services.jobs import JobService
from bot.services.notifications import Delivery, RecipientUnreachable
from bot.services.segments import UnknownSegment

GUILD, MANAGER, OTHER_MANAGER = 1, 900, 901


async def _program(services: Services, n: int) -> list[int]:
    """``n`` active Instagram creators (user ids 500…)."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    users = []
    for i in range(n):
        result = await services.onboarding.apply(
            GUILD, 500 + i, platform="instagram", handle=f"maker{i}", followers=5_000, niche="food"
        )
        await services.onboarding.approve(GUILD, result.application.id, MANAGER)
        users.append(500 + i)
    return users


async def _ask(services: Services, segment: str = "all", **options: object):  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {
        "platform": "instagram",
        "kind": "reel",
        "due": "14d",
        "fee": "50",
        "count": 2,
        **options,
    }
    return await services.bulk_requests.ask(GUILD, MANAGER, segment=segment, **fields)  # type: ignore[arg-type]


async def _count(services: Services, query: str, *args: object) -> int:
    return int(await services.db.fetch_val(query, *args))


def _handler(services: Services, told: list[int]):  # type: ignore[no-untyped-def]
    """The job's item as the Discord glue runs it, with a sender that records the DM."""

    async def handle(job: Job, item: JobItem) -> ItemResult:
        step = await services.bulk_requests.plan_item(job, item)
        if step.skipped is not None:
            return ItemResult(ItemState.SKIPPED, step.skipped)
        if step.earlier is not None:
            return ItemResult(ItemState.DONE, "dm_" + step.earlier.value)
        assert step.creator is not None and step.creator.user_id is not None
        user_id = step.creator.user_id

        async def send() -> None:
            told.append(user_id)

        delivery = await services.bulk_requests.tell(step, send)
        return ItemResult(ItemState.DONE, "dm_" + delivery.value)

    return handle


async def test_ask_stores_a_draft_and_plans_nothing(services: Services) -> None:
    """The request is stored as a draft naming 3 creators and 14 days from now; nothing else."""
    await _program(services, 3)
    request = await _ask(services)
    assert (request.state, request.recipients, request.count) == (BulkState.DRAFT, 3, 2)
    assert request.due_at == services.clock.now() + timedelta(days=14)
    assert (request.fee_minor, request.currency) == (5_000, "EUR")
    assert await _count(services, "SELECT count(*) FROM deliverables") == 0
    assert await _count(services, "SELECT count(*) FROM jobs") == 0


@pytest.mark.parametrize(
    ("segment", "options", "error"),
    [
        ("all", {"count": 11}, InvalidCount),
        ("all", {"due": "yesterday"}, InvalidDue),
        ("nobody-by-this-name", {}, UnknownSegment),
    ],
)
async def test_bad_requests_store_nothing(
    services: Services, segment: str, options: dict[str, object], error: type[Exception]
) -> None:
    """A count above 10, an unreadable due time or an unknown segment is refused, unstored."""
    await _program(services, 1)
    with pytest.raises(error):
        await _ask(services, segment, **options)
    assert await _count(services, "SELECT count(*) FROM bulk_requests") == 0


async def test_empty_segment_stores_nothing(services: Services) -> None:
    """A segment that holds nobody raises NobodyInSegment; no draft is stored."""
    await _program(services, 2)
    await services.segments.create(GUILD, MANAGER, "macros", tier="macro")
    with pytest.raises(NobodyInSegment):
        await _ask(services, "macros")
    assert await _count(services, "SELECT count(*) FROM bulk_requests") == 0


async def test_confirm_twice_starts_one_job(services: Services) -> None:
    """Confirm starts one job with an item per creator; a second Confirm is refused."""
    await _program(services, 3)
    request = await _ask(services)
    job = await services.bulk_requests.start(GUILD, MANAGER, request.id)
    assert (job.kind, job.total, job.params) == (
        JobKind.BULK_DELIVERABLES,
        3,
        {"bulk_id": request.id, "what": "deliverables", "per_creator": 2},
    )
    with pytest.raises(BulkNotADraft):
        await services.bulk_requests.start(GUILD, OTHER_MANAGER, request.id)
    assert await _count(services, "SELECT count(*) FROM jobs") == 1
    audit = "SELECT count(*) FROM audit_log WHERE action = 'deliverables.bulk' AND actor_id = ?"
    assert await _count(services, audit, MANAGER) == 1


async def test_cancelled_request_cannot_be_confirmed(services: Services) -> None:
    """Cancel drops the draft; Confirm afterwards is refused and plans nothing."""
    await _program(services, 2)
    request = await _ask(services)
    await services.bulk_requests.cancel(GUILD, MANAGER, request.id)
    with pytest.raises(BulkNotADraft):
        await services.bulk_requests.start(GUILD, MANAGER, request.id)
    assert await _count(services, "SELECT count(*) FROM jobs") == 0


async def test_run_plans_each_creator_once_audited_and_told_once(services: Services) -> None:
    """Three creators: 2 reels each, every creation audited with who and when, one DM each."""
    users = await _program(services, 3)
    request = await _ask(services)
    job = await services.bulk_requests.start(GUILD, MANAGER, request.id)
    told: list[int] = []
    services.jobs.register(JobKind.BULK_DELIVERABLES, _handler(services, told))
    final = await services.jobs.run(job.id)
    assert final.finished and final.count("done") == 3 and final.count("dm_sent") == 3
    assert sorted(told) == users
    for user in users:
        planned = await services.deliverables.mine(GUILD, user)
        assert [(d.platform, d.kind.value, d.fee_minor) for d in planned] == [
            ("instagram", "reel", 5_000)
        ] * 2
    rows = await services.db.fetch_all(
        "SELECT actor_id, created_at FROM audit_log WHERE action = 'deliverable.add'"
    )
    assert [(r["actor_id"], r["created_at"]) for r in rows] == [
        (MANAGER, to_epoch(services.clock.now()))
    ] * 6
    summary = summary_of(final)
    assert render("deliverables.bulk_done", "en", s=summary) == (
        "Done: created 6 deliverables for 3 creators."
    )


async def test_skips_are_named_already_has_one_paused_removed(services: Services) -> None:
    """One already has a reel due that day, one is paused and one removed after Confirm:
    each is skipped with its reason, and the summary names them in both languages."""
    users = await _program(services, 4)
    due = services.clock.now() + timedelta(days=14, hours=5)
    await services.deliverables.add(
        GUILD, MANAGER, users[0], platform="instagram", kind="reel", due=due.isoformat()
    )
    request = await _ask(services)
    job = await services.bulk_requests.start(GUILD, MANAGER, request.id)
    await services.onboarding.set_status(GUILD, users[1], CreatorStatus.PAUSED, MANAGER)
    await services.onboarding.set_status(GUILD, users[2], CreatorStatus.REMOVED, MANAGER)
    told: list[int] = []
    services.jobs.register(JobKind.BULK_DELIVERABLES, _handler(services, told))
    final = await services.jobs.run(job.id)
    assert (final.count(ALREADY_HAS_ONE), final.count(PAUSED), final.count(REMOVED)) == (1, 1, 1)
    assert told == [users[3]]
    assert len(await services.deliverables.mine(GUILD, users[0])) == 1  # only its own
    summary = summary_of(final)
    assert render("deliverables.bulk_done", "en", s=summary) == (
        "Done: created 2 deliverables for 1 creator; skipped 3: 1 already has one due within "
        "a day, 1 paused, 1 removed."
    )
    assert render("deliverables.bulk_done", "nl", s=summary) == (
        "Klaar: 2 deliverables aangemaakt voor 1 creator; 3 overgeslagen: 1 heeft er al een "
        "met een deadline binnen een dag, 1 gepauzeerd, 1 verwijderd."
    )


async def test_restart_half_way_plans_and_tells_nobody_twice(services: Services) -> None:
    """A crash after one creator was planned and told but before the item was recorded: a
    new process resumes the job, finds what was made and tells nobody twice."""
    users = await _program(services, 3)
    request = await _ask(services)
    job = await services.bulk_requests.start(GUILD, MANAGER, request.id)
    told: list[int] = []
    crashed = await services.jobs.claim(job.id)
    assert crashed is not None
    await _handler(services, told)(job, crashed)  # planned and told; never recorded
    assert await _count(services, "SELECT count(*) FROM deliverables") == 2

    restarted = JobService(services.db, JobRepository(), services.clock)
    restarted.register(JobKind.BULK_DELIVERABLES, _handler(services, told))
    assert await restarted.resume() == 1
    await restarted.wait(job.id)
    final = await restarted.get(job.id)
    assert final.finished and final.count("done") == 3 and final.count("dm_sent") == 3
    assert await _count(services, "SELECT count(*) FROM deliverables") == 6
    assert sorted(told) == users  # the interrupted creator was not told again
    assert await _count(services, "SELECT count(*) FROM notifications") == 3


async def test_schema_refuses_a_second_deliverable_in_the_same_slot(services: Services) -> None:
    """The unique key (request, creator, slot) is in the schema, not only in the code."""
    await _program(services, 1)
    request = await _ask(services, count=1)
    job = await services.bulk_requests.start(GUILD, MANAGER, request.id)
    services.jobs.register(JobKind.BULK_DELIVERABLES, _handler(services, []))
    await services.jobs.run(job.id)
    creator_id = await _count(services, "SELECT creator_id FROM deliverables")
    repo = DeliverableRepository()
    with pytest.raises(sqlite3.IntegrityError):
        async with services.db.transaction() as tx:
            await repo.insert(
                tx,
                guild_id=GUILD,
                creator_id=creator_id,
                contract_id=None,
                platform="instagram",
                kind="reel",
                due_at=to_epoch(request.due_at or services.clock.now()),
                fee_minor=0,
                currency="EUR",
                created_by=MANAGER,
                now=to_epoch(services.clock.now()),
                bulk_id=request.id,
                bulk_slot=1,
            )
    assert await _count(services, "SELECT count(*) FROM deliverables") == 1


async def test_the_sweep_claims_the_reminder_of_a_bulk_deliverable(
    services: Services, clock: FrozenClock
) -> None:
    """Reminders run per creator as for any deliverable: 90 minutes before due, the 2-hour one."""
    await _program(services, 1)
    request = await _ask(services, count=1, due="3d")
    job = await services.bulk_requests.start(GUILD, MANAGER, request.id)
    services.jobs.register(JobKind.BULK_DELIVERABLES, _handler(services, []))
    await services.jobs.run(job.id)
    assert request.due_at is not None
    clock.set(request.due_at - timedelta(hours=1, minutes=30))
    reminders = await services.deliverables.due_reminders()
    assert [(r.deliverable.kind.value, r.kind) for r in reminders] == [("reel", "before:2h")]
    assert reminders[0].deliverable.creator_user_id == 500
    assert await services.deliverables.due_reminders() == []  # claimed once


async def test_closed_dms_are_counted_not_fatal(services: Services) -> None:
    """A creator whose DMs are closed still gets the deliverables; the DM is counted closed."""
    await _program(services, 2)
    request = await _ask(services, count=1)
    job = await services.bulk_requests.start(GUILD, MANAGER, request.id)

    async def handle(job: Job, item: JobItem) -> ItemResult:
        step = await services.bulk_requests.plan_item(job, item)
        assert step.creator is not None

        async def send() -> None:
            if step.creator is not None and step.creator.user_id == 500:
                raise RecipientUnreachable()

        delivery = await services.bulk_requests.tell(step, send)
        closed = delivery is Delivery.UNDELIVERABLE
        return ItemResult(ItemState.DONE, "dm_closed" if closed else "dm_sent")

    services.jobs.register(JobKind.BULK_DELIVERABLES, handle)
    final = await services.jobs.run(job.id)
    assert (final.count("dm_closed"), final.count("dm_sent")) == (1, 1)
    assert await _count(services, "SELECT count(*) FROM deliverables") == 2
