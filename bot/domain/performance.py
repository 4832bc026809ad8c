"""Program performance arithmetic: rates, costs and returns, all in integers.

Money is minor units; rates are basis points (1 % = 100 bp). Divisions round half away from
zero to the nearest unit, and a ratio whose denominator is zero is ``None`` ("–" on screen),
never 0 and never an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from bot.domain.tiers import BENCHMARK_BP, Tier


def ratio(numerator: int, denominator: int, scale: int = 1) -> int | None:
    """``numerator * scale / denominator`` rounded half away from zero; None if dividing by 0."""
    if denominator == 0:
        return None
    value = numerator * scale
    sign = -1 if (value < 0) != (denominator < 0) else 1
    quotient, remainder = divmod(abs(value), abs(denominator))
    if remainder * 2 >= abs(denominator):
        quotient += 1
    return sign * quotient


@dataclass(frozen=True)
class Performance:
    """Counts and sums for one creator, one tier or the whole program over one period.

    ``commission_minor`` is commission earned on orders and leads (not reversed);
    ``fee_minor`` is fixed deliverable fees (commissions of kind ``fee``); ``gift_minor`` is
    the cost of gifted products; ``recurring_minor`` the part of the commission earned on
    returning customers (recurring plans). ``reach`` and ``interactions`` (likes + comments +
    shares) come from deliverables with reported metrics.
    """

    clicks: int = 0
    unique_clicks: int = 0
    orders: int = 0
    revenue_minor: int = 0
    commission_minor: int = 0
    fee_minor: int = 0
    gift_minor: int = 0
    reach: int = 0
    interactions: int = 0
    # The part of ``commission_minor`` earned on returning customers' orders and renewals.
    recurring_minor: int = 0
    # Bounty rewards (commissions of kind ``bounty``): a cost, not earned by clicks.
    bounty_minor: int = 0

    def __add__(self, other: Performance) -> Performance:
        return Performance(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @classmethod
    def total(cls, parts: Iterable[Performance]) -> Performance:
        """The field-by-field sum (a program has thousands of creators: no object per step)."""
        items = list(parts)
        return cls(**{f.name: sum(getattr(p, f.name) for p in items) for f in fields(cls)})

    @property
    def cost_minor(self) -> int:
        """What the program paid for this: commissions, deliverable fees, bounty rewards
        and gifts."""
        return self.commission_minor + self.fee_minor + self.bounty_minor + self.gift_minor

    @property
    def earned_minor(self) -> int:
        """What the creator(s) earned: commissions, fees and bounty rewards (gifts are not
        paid out)."""
        return self.commission_minor + self.fee_minor + self.bounty_minor

    @property
    def conversion_rate_bp(self) -> int | None:
        """Orders per unique click."""
        return ratio(self.orders, self.unique_clicks, 10_000)

    @property
    def epc_minor(self) -> int | None:
        """Earnings per click: commission on orders and leads per click (fees for
        deliverables are not earned by clicks)."""
        return ratio(self.commission_minor, self.clicks)

    @property
    def aov_minor(self) -> int | None:
        """Average order value: net revenue per order."""
        return ratio(self.revenue_minor, self.orders)

    @property
    def cpa_minor(self) -> int | None:
        """Cost per order."""
        return ratio(self.cost_minor, self.orders)

    @property
    def roi_bp(self) -> int | None:
        """Return on investment: (revenue − cost) / cost."""
        return ratio(self.revenue_minor - self.cost_minor, self.cost_minor, 10_000)

    @property
    def engagement_bp(self) -> int | None:
        """(likes + comments + shares) / reach of the deliverables with metrics."""
        return ratio(self.interactions, self.reach, 10_000)


def engagement_vs_benchmark(engagement_bp: int | None, tier: Tier) -> int | None:
    """Engagement as a percentage of the tier's benchmark (100 = exactly the benchmark)."""
    if engagement_bp is None:
        return None
    return ratio(engagement_bp, BENCHMARK_BP[tier], 100)
