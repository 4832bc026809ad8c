"""ReportService: program analytics by creator and tier, checked against hand arithmetic."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.clock import FrozenClock, to_epoch
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.performance import Performance
from bot.domain.tiers import Tier
from bot.registry import Services
from bot.services.deliverables import Metrics
from bot.services.reports import ProgramReport, report_csv

GUILD, MANAGER = 1, 900
ANNA, BERT = 501, 502


async def _creator(services: Services, user_id: int, handle: str, followers: int) -> int:
    result = await services.onboarding.apply(
        GUILD, user_id, platform="instagram", handle=handle, followers=followers, niche="food"
    )
    approval = await services.onboarding.approve(GUILD, result.application.id, MANAGER)
    return approval.creator.id


async def _clicks(services: Services, creator_id: int, total: int, unique: int, at: int) -> None:
    link = await services.db.fetch_one(
        "SELECT id, campaign_id FROM links WHERE creator_id = ?", creator_id
    )
    async with services.db.transaction() as tx:
        for n in range(total):
            await tx.execute(
                """INSERT INTO clicks (guild_id, link_id, creator_id, campaign_id, click_id,
                                       visitor_hash, is_unique, clicked_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                GUILD,
                link["id"],
                creator_id,
                link["campaign_id"],
                f"c{creator_id}-{n}",
                f"v{n}",
                int(n < unique),
                at,
            )


async def _post(services: Services, user_id: int, fee: str | None, metrics: Metrics) -> int:
    deliverable = await services.deliverables.add(
        GUILD, MANAGER, user_id, platform="instagram", kind="post", due="2026-11-30 12:00", fee=fee
    )
    await services.deliverables.submit(
        GUILD, user_id, deliverable.id, "https://www.instagram.com/p/abc123/", metrics
    )
    return deliverable.id


@pytest.fixture
async def report(services: Services, clock: FrozenClock) -> ProgramReport:
    """This month so far (clock: Monday 23 Nov 2026), with numbers small enough to add up:

    anna (nano, 5 000 followers): 10 clicks, 8 unique. Orders €100.00 and €50.00, of which
    €10.00 refunded; a €40.00 order cancelled. Commission 10 %: €10.00 + €5.00 − €1.00 + €4.00
    − €4.00 = €14.00. A post with a €25.00 fee, approved; reach 1 000, 40 likes, 5 comments,
    5 shares.
    bert (micro, 20 000 followers): 4 clicks, all unique. One €200.00 order: €20.00
    commission. Gifted a €30.00 box. A post without fee: reach 2 000, 20 likes.
    """
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    anna = await _creator(services, ANNA, "anna", 5_000)
    bert = await _creator(services, BERT, "bert", 20_000)
    an_hour_ago = to_epoch(clock.now() - timedelta(hours=1))
    await _clicks(services, anna, 10, 8, an_hour_ago)
    await _clicks(services, bert, 4, 4, an_hour_ago)
    conversions = services.conversions
    await conversions.add_manual(GUILD, MANAGER, ANNA, 10_000, "a1")
    await conversions.add_manual(GUILD, MANAGER, ANNA, 5_000, "a2")
    await conversions.ingest(
        OrderEvent(
            source=Source.MANUAL,
            kind=EventKind.REFUND,
            order_id="a2",
            occurred_at=clock.now(),
            refund_minor=1_000,
            refund_id="r1",
        )
    )
    await conversions.add_manual(GUILD, MANAGER, ANNA, 4_000, "a3")
    await conversions.reverse(GUILD, MANAGER, "a3")
    await conversions.add_manual(GUILD, MANAGER, BERT, 20_000, "b1")
    fee_post = await _post(
        services, ANNA, "25", Metrics(reach=1_000, likes=40, comments=5, shares=5)
    )
    await services.deliverables.approve(GUILD, MANAGER, fee_post)
    await _post(services, BERT, None, Metrics(reach=2_000, likes=20, comments=0, shares=0))
    await services.deliverables.create_contract(
        GUILD,
        MANAGER,
        BERT,
        title="Winter box",
        start="2026-11-23",
        end="2026-12-23 00:00",
        gift="Sample box",
        gift_cost="30",
    )
    return await services.reports.report(GUILD, "month")


def _creator_row(report: ProgramReport, user_id: int):  # type: ignore[no-untyped-def]
    return next(c for c in report.creators if c.user_id == user_id)


def test_creator_numbers_add_up_by_hand(report: ProgramReport) -> None:
    """anna: €140.00 revenue, €39.00 cost (€14 commission + €25 fee), so CPA €19.50."""
    anna = _creator_row(report, ANNA).performance
    assert anna == Performance(
        clicks=10,
        unique_clicks=8,
        orders=2,
        revenue_minor=14_000,
        commission_minor=1_400,
        fee_minor=2_500,
        gift_minor=0,
        reach=1_000,
        interactions=50,
    )
    assert anna.cost_minor == 3_900
    assert anna.conversion_rate_bp == 2_500  # 2 orders / 8 unique clicks = 25 %
    assert anna.epc_minor == 140  # €14.00 commission / 10 clicks
    assert anna.aov_minor == 7_000  # €140.00 / 2
    assert anna.cpa_minor == 1_950  # €39.00 / 2
    assert anna.roi_bp == 25_897  # (140 − 39) / 39 = 258.97 %
    assert anna.engagement_bp == 500  # 50 / 1 000 = 5 %
    assert _creator_row(report, ANNA).engagement_vs_benchmark == 185  # 5 % / 2.71 %


def test_gift_counts_as_cost_not_earnings(report: ProgramReport) -> None:
    """bert: €20.00 commission + €30.00 gift = €50.00 cost; ROI (200 − 50) / 50 = 300 %."""
    bert = _creator_row(report, BERT).performance
    assert (bert.commission_minor, bert.gift_minor, bert.cost_minor) == (2_000, 3_000, 5_000)
    assert bert.earned_minor == 2_000
    assert bert.epc_minor == 500  # €20.00 / 4 clicks
    assert bert.roi_bp == 30_000
    assert bert.engagement_bp == 100  # 20 / 2 000 = 1 %
    assert _creator_row(report, BERT).engagement_vs_benchmark == 55  # 1 % / 1.81 %


def test_tiers_and_program_total(report: ProgramReport) -> None:
    """Each tier sums its creators; the program: 3 orders, €340.00, cost €89.00."""
    tiers = {t.tier: t for t in report.tiers}
    assert [t.tier for t in report.tiers] == [Tier.NANO, Tier.MICRO, Tier.MACRO, Tier.MEGA]
    assert (tiers[Tier.NANO].creators, tiers[Tier.NANO].performance.orders) == (1, 2)
    assert (tiers[Tier.MICRO].creators, tiers[Tier.MICRO].performance.revenue_minor) == (
        1,
        20_000,
    )
    assert tiers[Tier.MACRO].performance == Performance()
    total = report.total
    assert (total.clicks, total.unique_clicks, total.orders) == (14, 12, 3)
    assert (total.revenue_minor, total.cost_minor) == (34_000, 8_900)
    assert total.conversion_rate_bp == 2_500  # 3 / 12
    assert total.epc_minor == 243  # €34.00 / 14 = 242.9 cents
    assert total.aov_minor == 11_333  # €340.00 / 3
    assert total.cpa_minor == 2_967  # €89.00 / 3
    assert total.roi_bp == 28_202  # (340 − 89) / 89 = 282.02 %
    assert total.engagement_bp == 233  # 70 / 3 000


def test_csv_has_every_creator_and_tier_row(report: ProgramReport) -> None:
    """The CSV: a header, one row per creator, four tier rows, the program row and one row
    per attribution method."""
    rows = list(csv.DictReader(io.StringIO(report_csv(report).decode())))
    assert [r["row"] for r in rows] == ["creator", "creator"] + ["tier"] * 4 + ["program"] + [
        "method"
    ] * 5
    anna = next(r for r in rows if r["handle"] == "anna")
    assert (anna["net_revenue"], anna["cost"], anna["cpa"], anna["roi_pct"]) == (
        "140.00",
        "39.00",
        "19.50",
        "258.97",
    )
    assert (anna["engagement_rate_pct"], anna["tier_benchmark_pct"]) == ("5.00", "2.71")
    assert next(r for r in rows if r["row"] == "program")["orders"] == "3"


async def test_week_report_leaves_out_last_week(services: Services, clock: FrozenClock) -> None:
    """An order from before Monday is in the month, not in this week."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    await _creator(services, ANNA, "anna", 5_000)
    clock.set(clock.now() - timedelta(days=2))
    await services.conversions.add_manual(GUILD, MANAGER, ANNA, 10_000, "old")
    clock.advance(days=2)
    assert (await services.reports.report(GUILD, "week")).total.orders == 0
    assert (await services.reports.report(GUILD, "month")).total.orders == 1
