"""RosterService: /creators filters, sorts, periods and CSV, and /leaderboard, on real SQLite."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.clock import FrozenClock, to_epoch
from bot.domain.creators import CreatorStatus
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.roster import LeaderboardMetric, RosterFilter, RosterSort
from bot.domain.tiers import Tier
from bot.registry import Services
from bot.services.roster import UnknownRosterCampaign

GUILD, MANAGER = 1, 900
ANNA, BERT, CARA, DAAN = 501, 502, 503, 504


async def _creator(services: Services, user_id: int, handle: str, followers: int) -> int:
    result = await services.onboarding.apply(
        GUILD, user_id, platform="instagram", handle=handle, followers=followers, niche="food"
    )
    approval = await services.onboarding.approve(GUILD, result.application.id, MANAGER)
    return approval.creator.id


async def _clicks(
    services: Services, creator_id: int, total: int, at: int, campaign_id: int | None = None
) -> list[str]:
    """``total`` clicks (all unique) on the creator's link for the campaign (default one)."""
    query = "SELECT id, campaign_id FROM links WHERE creator_id = ? ORDER BY id"
    links = await services.db.fetch_all(query, creator_id)
    link = next(lk for lk in links if campaign_id in (None, lk["campaign_id"]))
    click_ids = [f"c{creator_id}-{link['id']}-{at}-{n}" for n in range(total)]
    async with services.db.transaction() as tx:
        for n, click_id in enumerate(click_ids):
            await tx.execute(
                """INSERT INTO clicks (guild_id, link_id, creator_id, campaign_id, click_id,
                                       visitor_hash, is_unique, clicked_at)
                   VALUES (?, ?, ?, ?, ?, ?, 1, ?)""",
                GUILD,
                link["id"],
                creator_id,
                link["campaign_id"],
                click_id,
                f"v{n}",
                at,
            )
    return click_ids


@pytest.fixture
async def program(services: Services, clock: FrozenClock) -> dict[str, int]:
    """Monday 23 Nov 2026, 10:00 UTC (Europe/Amsterdam). This week:

    anna (nano): 10 clicks, orders €100.00 and €50.00 → €15.00 commission (10 %).
    bert (micro): 4 clicks, one €200.00 order → €20.00.
    cara (nano): 20 clicks, no order; one €30.00 order last Friday (in the month, not the week).
    daan (nano): paused, one €10.00 order this week.
    """
    await services.settings.update(
        GUILD,
        MANAGER,
        {
            "review_channel": 10,
            "shop_url": "https://shop.example.com",
            "timezone": "Europe/Amsterdam",
        },
    )
    ids = {
        "anna": await _creator(services, ANNA, "anna", 5_000),
        "bert": await _creator(services, BERT, "bert", 20_000),
        "cara": await _creator(services, CARA, "cara", 3_000),
        "daan": await _creator(services, DAAN, "daan", 2_000),
    }
    an_hour_ago = to_epoch(clock.now() - timedelta(hours=1))
    await _clicks(services, ids["anna"], 10, an_hour_ago)
    await _clicks(services, ids["bert"], 4, an_hour_ago)
    await _clicks(services, ids["cara"], 20, an_hour_ago)
    conversions = services.conversions
    clock.set(clock.now() - timedelta(days=3))
    await conversions.add_manual(GUILD, MANAGER, CARA, 3_000, "c-old")
    clock.advance(days=3)
    await conversions.add_manual(GUILD, MANAGER, ANNA, 10_000, "a1")
    await conversions.add_manual(GUILD, MANAGER, ANNA, 5_000, "a2")
    await conversions.add_manual(GUILD, MANAGER, BERT, 20_000, "b1")
    await conversions.add_manual(GUILD, MANAGER, DAAN, 1_000, "d1")
    await services.onboarding.set_status(GUILD, DAAN, CreatorStatus.PAUSED, MANAGER)
    return ids


def _handles(page) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [r.handle for r in page.rows]


async def test_default_roster_is_active_creators_by_revenue(
    services: Services, program: dict[str, int]
) -> None:
    """Active only, most revenue this month first: bert €200, anna €150, cara €30."""
    page = await services.roster.page(GUILD, RosterFilter())
    assert _handles(page) == ["bert", "anna", "cara"]
    assert page.total == 3
    anna = page.rows[1].performance
    assert (anna.clicks, anna.orders, anna.revenue_minor, anna.earned_minor) == (
        10,
        2,
        15_000,
        1_500,
    )


async def test_week_leaves_out_last_friday(services: Services, program: dict[str, int]) -> None:
    """cara's Friday order counts in the month, not in this week (Monday 00:00 local)."""
    week = await services.roster.page(GUILD, RosterFilter(period="week"))
    month = await services.roster.page(GUILD, RosterFilter(period="month"))
    cara_week = next(r for r in week.rows if r.handle == "cara")
    cara_month = next(r for r in month.rows if r.handle == "cara")
    assert (cara_week.performance.orders, cara_month.performance.orders) == (0, 1)
    assert cara_week.last_sale_at is not None  # the last sale is of any period


async def test_status_filter(services: Services, program: dict[str, int]) -> None:
    """status paused lists only daan; removed lists nobody."""
    paused = await services.roster.page(GUILD, RosterFilter(status=CreatorStatus.PAUSED))
    assert _handles(paused) == ["daan"]
    removed = await services.roster.page(GUILD, RosterFilter(status=CreatorStatus.REMOVED))
    assert (removed.rows, removed.total, removed.pages) == ((), 0, 1)


async def test_tier_filter(services: Services, program: dict[str, int]) -> None:
    """tier micro lists only bert."""
    page = await services.roster.page(GUILD, RosterFilter(tier=Tier.MICRO))
    assert _handles(page) == ["bert"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (RosterSort.REVENUE, ["bert", "anna", "cara"]),
        (RosterSort.ORDERS, ["anna", "bert", "cara"]),
        # EPC: bert €20.00/4 = €5.00, anna €15.00/10 = €1.50, cara €3.00/20 = €0.15
        (RosterSort.EPC, ["bert", "anna", "cara"]),
        (RosterSort.JOINED, ["cara", "bert", "anna"]),
    ],
)
async def test_sorts(
    services: Services, program: dict[str, int], sort: RosterSort, expected: list[str]
) -> None:
    """Each sort order puts the best (or newest) first."""
    page = await services.roster.page(GUILD, RosterFilter(sort=sort))
    assert _handles(page) == expected


async def test_last_sale_sort_puts_no_sale_last(
    services: Services, program: dict[str, int], clock: FrozenClock
) -> None:
    """Most recent sale first; a creator who never sold comes last."""
    await _creator(services, 505, "eva", 1_000)
    clock.advance(minutes=5)
    await services.conversions.add_manual(GUILD, MANAGER, CARA, 500, "c-new")
    page = await services.roster.page(GUILD, RosterFilter(sort=RosterSort.LAST_SALE))
    assert _handles(page)[0] == "cara"
    assert _handles(page)[-1] == "eva"


async def test_campaign_filter_counts_the_campaigns_numbers(
    services: Services, program: dict[str, int], clock: FrozenClock
) -> None:
    """Under a campaign, clicks and sales are those of its links only."""
    created = await services.campaigns.create(
        GUILD, MANAGER, "Spring", "https://shop.example.com/spring"
    )
    campaign = await services.roster.campaign_named(GUILD, "spring")
    assert campaign.id == created.campaign.id
    click_ids = await _clicks(
        services, program["anna"], 3, to_epoch(clock.now()), campaign_id=campaign.id
    )
    await services.conversions.ingest(
        OrderEvent(
            source=Source.SHOPIFY,
            kind=EventKind.SALE,
            order_id="s1",
            occurred_at=clock.now(),
            currency="EUR",
            net_minor=7_000,
            click_id=click_ids[0],
        )
    )
    page = await services.roster.page(GUILD, RosterFilter(campaign_id=campaign.id))
    assert _handles(page)[0] == "anna"
    anna = page.rows[0].performance
    assert (anna.clicks, anna.orders, anna.revenue_minor, anna.earned_minor) == (3, 1, 7_000, 700)
    assert all(r.performance.clicks == 0 for r in page.rows[1:])


async def test_unknown_campaign_is_named(services: Services, program: dict[str, int]) -> None:
    """An unknown campaign raises an error that names it."""
    with pytest.raises(UnknownRosterCampaign) as raised:
        await services.roster.campaign_named(GUILD, "Winter sale")
    assert raised.value.params == {"name": "Winter sale"}


async def test_pages_of_ten(services: Services, program: dict[str, int]) -> None:
    """23 creators make three pages; page 2 holds ranks 11-20; a page past the end shows
    the last one."""
    for n in range(20):
        await _creator(services, 600 + n, f"extra{n:02d}", 1_000)
    wanted = RosterFilter(sort=RosterSort.JOINED)
    first = await services.roster.page(GUILD, wanted, 0)
    second = await services.roster.page(GUILD, wanted, 1)
    assert (first.total, first.pages, len(first.rows)) == (23, 3, 10)
    assert second.first_rank == 11
    assert _handles(second) == [f"extra{n:02d}" for n in range(9, -1, -1)]
    beyond = await services.roster.page(GUILD, wanted, 7)
    assert (beyond.page, _handles(beyond)) == (2, ["cara", "bert", "anna"])


async def test_csv_has_the_whole_filtered_list_without_email(
    services: Services, program: dict[str, int]
) -> None:
    """The CSV lists every matching creator, amounts as decimals, no e-mail column."""
    for n in range(12):
        await _creator(services, 600 + n, f"extra{n:02d}", 1_000)
    rows = list(
        csv.DictReader(io.StringIO((await services.roster.csv(GUILD, RosterFilter())).decode()))
    )
    assert len(rows) == 15
    assert [r["handle"] for r in rows[:2]] == ["bert", "anna"]
    assert (rows[1]["net_revenue"], rows[1]["earnings"], rows[1]["epc"]) == (
        "150.00",
        "15.00",
        "1.50",
    )
    assert rows[1]["discord_user_id"] == str(ANNA)
    assert not any("mail" in column for column in rows[0])


async def test_leaderboard_by_metric(services: Services, program: dict[str, int]) -> None:
    """Orders: anna (2), bert (1); clicks: cara, anna, bert; the paused daan never shows."""
    orders = await services.roster.leaderboard(GUILD, "week", LeaderboardMetric.ORDERS)
    assert _handles(orders) == ["anna", "bert"]
    revenue = await services.roster.leaderboard(GUILD, "month", LeaderboardMetric.REVENUE)
    assert _handles(revenue) == ["bert", "anna", "cara"]
    clicks = await services.roster.leaderboard(GUILD, "all", LeaderboardMetric.CLICKS)
    assert _handles(clicks) == ["cara", "anna", "bert"]
