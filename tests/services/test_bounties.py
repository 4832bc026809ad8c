"""BountyService: bounties, submissions within the cap, performance winners from the sales
and bonuses once the period is settled; real SQLite, the clock injected."""

from __future__ import annotations

import asyncio

import pytest

from bot.clock import FrozenClock
from bot.domain.bounties import InvalidBounty
from bot.domain.deliverables import InvalidDue, InvalidSubmission
from bot.domain.jobs import JobKind
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.errors import NotACreator
from bot.registry import Services
from bot.services.bounties import (
    AlreadyEntered,
    BountyClosed,
    EmptySegment,
    EntryDecided,
    NotASubmissionBounty,
    NotInSegment,
    WinnersFull,
)

GUILD, MANAGER = 1, 900


async def _program(services: Services, n: int) -> list[int]:
    """``n`` active creators (user ids 500…), the first two on TikTok."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    users = []
    for i in range(n):
        result = await services.onboarding.apply(
            GUILD,
            500 + i,
            platform="tiktok" if i < 2 else "instagram",
            handle=f"maker{i}",
            followers=5_000,
            niche="food",
        )
        await services.onboarding.approve(GUILD, result.application.id, MANAGER)
        users.append(500 + i)
    return users


async def _bounty(services: Services, **options):  # type: ignore[no-untyped-def]
    fields = {
        "title": "TikTok with #annabakes",
        "brief": "Post a TikTok showing your bake with #annabakes.",
        "kind": "submission",
        "reward": "50",
        "ends": "30d",
        "segment": "all",
        "max_winners": 2,
        **options,
    }
    return await services.bounties.create(GUILD, MANAGER, **fields)


async def _count(services: Services, table: str) -> int:
    return int(await services.db.fetch_val(f"SELECT count(*) FROM {table}"))


async def _code(services: Services, user_id: int) -> str:
    return str(
        await services.db.fetch_val(
            "SELECT d.code FROM discount_codes d JOIN creators c ON c.id = d.creator_id"
            " WHERE c.user_id = ?",
            user_id,
        )
    )


async def _sell(services: Services, clock: FrozenClock, order: str, user: int, net: int) -> None:
    await services.conversions.ingest(
        OrderEvent(
            Source.SHOPIFY,
            EventKind.SALE,
            order,
            clock.now(),
            currency="EUR",
            net_minor=net,
            codes=(await _code(services, user),),
        )
    )


async def _entry_id(services: Services, bounty_id: int, user_id: int) -> int:
    query = """
        SELECT e.id FROM bounty_entries e JOIN creators c ON c.id = e.creator_id
        WHERE e.bounty_id = ? AND c.user_id = ?
    """
    return int(await services.db.fetch_val(query, bounty_id, user_id))


async def _bounty_commissions(services: Services) -> list[tuple[int, int, str]]:
    rows = await services.db.fetch_all(
        "SELECT c.user_id, m.amount_minor, m.state FROM commissions m"
        " JOIN creators c ON c.id = m.creator_id WHERE m.kind = 'bounty' ORDER BY m.id"
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_a_bounty_is_stored_with_its_announcement_job(services: Services) -> None:
    await _program(services, 3)
    bounty, job = await _bounty(services)
    assert job.kind is JobKind.BOUNTY_ANNOUNCE and job.total == 3
    assert (bounty.reward.minor, bounty.max_winners, bounty.winners) == (5_000, 2, 0)
    assert (
        await services.db.fetch_val("SELECT count(*) FROM audit_log WHERE action = 'bounty.create'")
        == 1
    )


@pytest.mark.parametrize(
    ("options", "error", "problem"),
    [
        ({"max_winners": 0}, InvalidBounty, "winners"),
        ({"reward": "0"}, InvalidBounty, "reward"),
        ({"reward": "150%"}, InvalidBounty, "reward"),
        ({"reward": "lots"}, InvalidBounty, "reward"),
        ({"kind": "performance"}, InvalidBounty, "no_goal"),
        ({"goal_orders": 5}, InvalidBounty, "goal_on_submission"),
        ({"kind": "performance", "goal_revenue": "-3"}, InvalidBounty, "goal_revenue"),
        ({"ends": "2026-01-01 10:00"}, InvalidDue, None),
        ({"title": "   "}, InvalidBounty, "title"),
    ],
)
async def test_a_bad_bounty_is_refused_with_the_reason_and_nothing_stored(
    services: Services, options: dict[str, object], error: type[Exception], problem: str | None
) -> None:
    await _program(services, 1)
    with pytest.raises(error) as raised:
        await _bounty(services, **options)
    if problem is not None:
        assert raised.value.problem == problem  # type: ignore[attr-defined]
    assert await _count(services, "bounties") == 0
    assert await _count(services, "jobs") == 0


async def test_a_bounty_for_an_empty_segment_is_refused(services: Services) -> None:
    await _program(services, 1)
    await services.segments.create(GUILD, MANAGER, "youtubers", platform="youtube")
    with pytest.raises(EmptySegment):
        await _bounty(services, segment="youtubers")
    assert await _count(services, "bounties") == 0


async def test_an_approved_submission_becomes_a_held_commission_once(
    services: Services, clock: FrozenClock
) -> None:
    users = await _program(services, 2)
    bounty, _ = await _bounty(services)
    await services.bounties.submit(GUILD, users[0], str(bounty.id), "https://www.tiktok.com/@m/1")
    entry_id = await _entry_id(services, bounty.id, users[0])
    decision = await services.bounties.decide(GUILD, entry_id, MANAGER, approve=True)
    assert (decision.entry.place, decision.entry.reward_minor) == (1, 5_000)
    assert decision.bounty.winners == 1
    assert await _bounty_commissions(services) == [(users[0], 5_000, "pending")]
    pending = await services.db.fetch_val(
        "SELECT sum(amount_minor) FROM ledger_entries WHERE bucket = 'pending'"
        " AND commission_id = (SELECT id FROM commissions WHERE kind = 'bounty')"
    )
    assert pending == 5_000
    # A second press (another manager, or the same one twice) changes nothing.
    with pytest.raises(EntryDecided):
        await services.bounties.decide(GUILD, entry_id, MANAGER, approve=True)
    with pytest.raises(EntryDecided):
        await services.bounties.decide(GUILD, entry_id, MANAGER, approve=False)
    assert await _bounty_commissions(services) == [(users[0], 5_000, "pending")]
    # The hold runs out like any commission's.
    clock.advance(days=31)
    await services.conversions.mature()
    assert await _bounty_commissions(services) == [(users[0], 5_000, "approved")]


async def test_submissions_are_checked_and_a_rejected_one_can_come_again(
    services: Services,
) -> None:
    users = await _program(services, 2)
    bounty, _ = await _bounty(services)
    with pytest.raises(NotACreator):
        await services.bounties.submit(GUILD, 777, str(bounty.id), "https://x.com/a/1")
    with pytest.raises(InvalidSubmission):
        await services.bounties.submit(GUILD, users[0], str(bounty.id), "http://x.com/a/1")
    await services.bounties.submit(GUILD, users[0], str(bounty.id), "https://x.com/a/1")
    with pytest.raises(AlreadyEntered):
        await services.bounties.submit(GUILD, users[0], str(bounty.id), "https://x.com/a/2")
    entry_id = await _entry_id(services, bounty.id, users[0])
    rejected = await services.bounties.decide(GUILD, entry_id, MANAGER, approve=False)
    assert rejected.entry.status == "rejected" and rejected.notice is not None
    await services.bounties.submit(GUILD, users[0], bounty.title, "https://x.com/a/2")
    _, again = await services.bounties.entry(GUILD, entry_id)
    assert (again.status, again.url, again.decided_by) == ("pending", "https://x.com/a/2", None)
    assert await _count(services, "commissions") == 0


async def test_winners_beyond_the_maximum_are_refused_atomically(services: Services) -> None:
    """One place, three submissions approved at the same moment: exactly one wins."""
    users = await _program(services, 3)
    bounty, _ = await _bounty(services, max_winners=1)
    for user in users:
        await services.bounties.submit(GUILD, user, str(bounty.id), f"https://x.com/{user}/1")
    entries = [await _entry_id(services, bounty.id, user) for user in users]
    results = await asyncio.gather(
        *(services.bounties.decide(GUILD, e, MANAGER, approve=True) for e in entries),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, WinnersFull)]
    assert (len(won), len(refused)) == (1, 2)
    assert await _count(services, "commissions") == 1
    statuses = await services.db.fetch_all("SELECT status FROM bounty_entries ORDER BY id")
    assert sorted(r[0] for r in statuses) == ["pending", "pending", "won"]
    current = await services.bounties.get(GUILD, bounty.id)
    assert (current.winners, current.left) == (1, 0)
    # A full bounty takes no more entries.
    with pytest.raises(BountyClosed):
        await services.bounties.submit(GUILD, users[0], str(bounty.id), "https://x.com/z/9")


async def test_a_bounty_is_only_for_its_segment(services: Services) -> None:
    users = await _program(services, 3)
    await services.segments.create(GUILD, MANAGER, "tiktokers", platform="tiktok")
    bounty, job = await _bounty(services, segment="tiktokers")
    assert job.total == 2
    with pytest.raises(NotInSegment):
        await services.bounties.submit(GUILD, users[2], str(bounty.id), "https://x.com/a/1")
    mine = await services.bounties.standings(GUILD, users[2])
    assert mine == []
    theirs = await services.bounties.standings(GUILD, users[0])
    assert [s.bounty.id for s in theirs] == [bounty.id]


async def test_performance_winners_are_the_first_to_reach_the_goal_once(
    services: Services, clock: FrozenClock
) -> None:
    users = await _program(services, 3)
    bounty, _ = await _bounty(
        services, kind="performance", goal_orders=2, max_winners=2, reward="25"
    )
    with pytest.raises(NotASubmissionBounty):
        await services.bounties.submit(GUILD, users[0], str(bounty.id), "https://x.com/a/1")
    # users[2] reaches 2 orders first, then users[0]; users[1] third (no place left).
    await _sell(services, clock, "o1", users[0], 1_000)
    clock.advance(minutes=1)
    await _sell(services, clock, "o2", users[2], 1_000)
    clock.advance(minutes=1)
    await _sell(services, clock, "o3", users[2], 1_000)
    clock.advance(minutes=1)
    await _sell(services, clock, "o4", users[1], 1_000)
    assert await services.bounties.sweep() == 1
    clock.advance(minutes=1)
    await _sell(services, clock, "o5", users[1], 1_000)
    clock.advance(minutes=1)
    await _sell(services, clock, "o6", users[0], 1_000)
    assert await services.bounties.sweep() == 1  # users[1] reached at o5, before users[0]
    clock.advance(minutes=1)
    await _sell(services, clock, "o7", users[0], 1_000)
    assert await services.bounties.sweep() == 0  # both places taken
    winners = await services.bounties.winners(bounty)
    assert [(w.user_id, w.place) for w in winners] == [(users[2], 1), (users[1], 2)]
    assert await _bounty_commissions(services) == [
        (users[2], 2_500, "pending"),
        (users[1], 2_500, "pending"),
    ]
    # Each win is told once: untold until marked.
    untold = await services.bounties.untold()
    assert [e.place for _, e in untold] == [1, 2]
    for _, entry in untold:
        await services.bounties.mark_told(entry.id)
    assert await services.bounties.untold() == []


async def test_a_sales_bonus_is_paid_once_after_the_period(
    services: Services, clock: FrozenClock
) -> None:
    """10 % on the winner's sales in the period, computed after it ends (late orders had
    their hour), once; a sale after the period does not count."""
    users = await _program(services, 2)
    bounty, _ = await _bounty(
        services, kind="performance", goal_orders=1, max_winners=5, reward="10%", ends="7d"
    )
    await _sell(services, clock, "b1", users[0], 10_000)
    clock.advance(days=1)
    await _sell(services, clock, "b2", users[0], 5_000)
    assert await services.bounties.sweep() == 1
    winners = await services.bounties.winners(bounty)
    assert winners[0].reward_minor is None  # a bonus waits for the period's end
    assert await _bounty_commissions(services) == []
    clock.advance(days=6, minutes=30)  # past the end, inside the grace hour
    await _sell(services, clock, "b3", users[0], 99_000)  # after the period
    await services.bounties.sweep()
    assert await _bounty_commissions(services) == []
    clock.advance(hours=1)
    await services.bounties.sweep()
    await services.bounties.sweep()
    assert await _bounty_commissions(services) == [(users[0], 1_500, "pending")]
    settled = await services.bounties.get(GUILD, bounty.id)
    assert settled.settled_at is not None
    assert (await services.bounties.winners(bounty))[0].reward_minor == 1_500


async def test_an_approved_submission_with_a_bonus_is_paid_at_the_end(
    services: Services, clock: FrozenClock
) -> None:
    users = await _program(services, 1)
    bounty, _ = await _bounty(services, reward="20%", ends="3d")
    await _sell(services, clock, "s1", users[0], 4_000)
    await services.bounties.submit(GUILD, users[0], str(bounty.id), "https://x.com/a/1")
    decision = await services.bounties.decide(
        GUILD, await _entry_id(services, bounty.id, users[0]), MANAGER, approve=True
    )
    assert decision.entry.reward_minor is None
    clock.advance(days=3, hours=2)
    await services.bounties.sweep()
    assert await _bounty_commissions(services) == [(users[0], 800, "pending")]


async def test_a_closed_bounty_takes_no_entries(services: Services, clock: FrozenClock) -> None:
    users = await _program(services, 1)
    bounty, _ = await _bounty(services)
    clock.advance(hours=1)
    closed = await services.bounties.close(GUILD, bounty.id, MANAGER)
    assert closed.state == "closed" and closed.ends_at == clock.now()
    with pytest.raises(BountyClosed):
        await services.bounties.submit(GUILD, users[0], str(bounty.id), "https://x.com/a/1")
    with pytest.raises(BountyClosed):
        await services.bounties.close(GUILD, bounty.id, MANAGER)


async def test_a_reward_is_a_program_cost_in_the_report_and_not_commission(
    services: Services,
) -> None:
    """The report counts the reward as its own cost (not as sales commission, so EPC is
    untouched); the CSV has it in ``bounty_rewards``."""
    import csv
    import io

    from bot.services.reports import report_csv

    users = await _program(services, 1)
    bounty, _ = await _bounty(services)
    await services.bounties.submit(GUILD, users[0], str(bounty.id), "https://x.com/a/1")
    await services.bounties.decide(
        GUILD, await _entry_id(services, bounty.id, users[0]), MANAGER, approve=True
    )
    report = await services.reports.report(GUILD, "all")
    assert (report.total.bounty_minor, report.total.commission_minor) == (5_000, 0)
    assert report.total.cost_minor == 5_000 and report.total.earned_minor == 5_000
    rows = list(csv.DictReader(io.StringIO(report_csv(report).decode())))
    program = next(r for r in rows if r["row"] == "program")
    assert (program["bounty_rewards"], program["commissions"]) == ("50.00", "0.00")


async def test_privacy_export_and_delete_cover_bounty_entries(services: Services) -> None:
    users = await _program(services, 1)
    bounty, _ = await _bounty(services)
    await services.bounties.submit(GUILD, users[0], str(bounty.id), "https://x.com/a/1")
    exported = await services.privacy.export(GUILD, users[0])
    assert [(e["title"], e["url"], e["status"]) for e in exported["bounties"]] == [
        (bounty.title, "https://x.com/a/1", "pending")
    ]
    await services.privacy.erase(GUILD, users[0])
    assert await services.db.fetch_val("SELECT url FROM bounty_entries") is None
