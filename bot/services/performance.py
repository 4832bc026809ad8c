"""Use case: a creator's performance, as ``/stats`` shows it to them and ``/creator info``
to a manager, computed one way for both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.domain.creators import Creator
from bot.domain.ledger import Balance
from bot.domain.weeks import period_start
from bot.services.conversions import ConversionService, CreatorStats
from bot.services.settings import SettingsService
from bot.services.tracking import TrackingService, Traffic

# Counts up to and including the current second.
_ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class CreatorReport:
    """Clicks, where they came from, orders and commissions of one period."""

    period: str  # week, month or all
    stats: CreatorStats
    traffic: Traffic
    balance: Balance | None  # with the balance, for /creator info


class PerformanceService:
    def __init__(
        self,
        settings: SettingsService,
        tracking: TrackingService,
        conversions: ConversionService,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._tracking = tracking
        self._conversions = conversions
        self._clock = clock

    async def report(
        self, creator: Creator, period: str = "all", *, with_balance: bool = False
    ) -> CreatorReport:
        """The creator's ``period`` (``week`` and ``month`` in the server's timezone; ``all``
        since they were approved)."""
        settings = await self._settings.get(creator.guild_id)
        now = self._clock.now()
        start = period_start(period, now, settings.zone)
        since, until = start or creator.approved_at, now + _ONE_SECOND
        clicks = await self._tracking.counts(creator.id, since, until)
        return CreatorReport(
            period=period,
            stats=await self._conversions.stats(creator.guild_id, creator.id, start, clicks),
            traffic=await self._tracking.traffic(creator.id, since, until),
            balance=(
                await self._conversions.balances(creator.guild_id, creator.id)
                if with_balance
                else None
            ),
        )
