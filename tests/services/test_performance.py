"""PerformanceService: the one computation behind /stats and /creator info."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.registry import Services
from tests.services.test_conversions import _creator, _sale

GUILD, MANAGER = 1, 900


async def test_report_of_a_period_and_of_all_time(services: Services, clock: FrozenClock) -> None:
    """A sale last week counts for 'all' but not for 'week'; the balance comes on request."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    await _creator(services, 501, "anna")
    await services.conversions.ingest(_sale(clock, "1", 10_000))
    clock.advance(days=8)
    creator = await services.onboarding.creator_by_member(GUILD, 501)
    assert creator is not None
    everything = await services.performance.report(creator, with_balance=True)
    this_week = await services.performance.report(creator, "week")
    assert (everything.stats.orders, everything.stats.revenue) == (1, 10_000)
    assert everything.balance is not None and everything.balance.pending == 1_000
    assert (this_week.stats.orders, this_week.balance) == (0, None)
    assert this_week.stats.since is not None
    assert this_week.stats.since > clock.now() - timedelta(days=7)
