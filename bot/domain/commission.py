"""Commission plans and their arithmetic. All amounts are integer minor units.

Plans: a percentage of net revenue (revenue share), a flat amount per sale (CPA) or per
lead (CPL), tiered rates by the creator's attributed revenue or sales in the calendar month,
a fixed fee per deliverable, and gifted products (a cost, never paid out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from babel.numbers import get_currency_precision

from bot.domain.orders import EventKind
from bot.domain.recurring import FIRST_ORDER_ONLY, RecurringTerms
from bot.errors import CreatorbotError


class PlanKind(StrEnum):
    REVENUE_SHARE = "revenue_share"
    CPA = "cpa"
    CPL = "cpl"
    TIERED = "tiered"
    FIXED_FEE = "fixed_fee"
    GIFTED = "gifted"


class InvalidPlan(CreatorbotError):
    """A ``/plan create`` option is missing or malformed; ``problem`` says which."""

    key = "plans.invalid"


@dataclass(frozen=True)
class Plan:
    id: int
    guild_id: int
    name: str
    kind: PlanKind
    rate_bp: int | None
    amount_minor: int | None
    tier_basis: str | None  # 'revenue' or 'sales' for tiered plans
    levels: tuple[tuple[int, int], ...]  # ((threshold, rate_bp), ...) ascending
    is_default: bool
    # Whether a returning customer's later orders earn without the link or code (first
    # order only by default).
    recurring: RecurringTerms = FIRST_ORDER_ONLY


@dataclass(frozen=True)
class MonthToDate:
    """A creator's attributed sales this calendar month, before the order being priced."""

    revenue_minor: int = 0
    sales: int = 0


def share(amount_minor: int, numerator: int, denominator: int) -> int:
    """``amount × numerator / denominator`` rounded half up to a whole minor unit."""
    if denominator == 0:
        return 0
    value = Decimal(amount_minor) * Decimal(numerator) / Decimal(denominator)
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def tier_rate(plan: Plan, net_minor: int, month: MonthToDate) -> int:
    """The rate of the level reached *including* this order (it gets the higher rate)."""
    reached = month.revenue_minor + net_minor if plan.tier_basis == "revenue" else month.sales + 1
    rate = 0
    for threshold, level_rate in plan.levels:
        if reached >= threshold:
            rate = level_rate
    return rate


def commission_for(
    plan: Plan,
    kind: EventKind,
    net_minor: int,
    *,
    default_rate_bp: int,
    month: MonthToDate = MonthToDate(),
) -> int:
    """What one sale or lead earns under ``plan`` (0 when the plan does not pay for it)."""
    if kind is EventKind.SALE:
        if plan.kind is PlanKind.REVENUE_SHARE:
            rate = plan.rate_bp if plan.rate_bp is not None else default_rate_bp
            return share(net_minor, rate, 10_000)
        if plan.kind is PlanKind.CPA:
            return plan.amount_minor or 0
        if plan.kind is PlanKind.TIERED:
            return share(net_minor, tier_rate(plan, net_minor, month), 10_000)
        return 0
    if kind is EventKind.LEAD and plan.kind is PlanKind.CPL:
        return plan.amount_minor or 0
    return 0


def reversal_due(amount: int, reversed_so_far: int, net: int, refunded_total: int) -> int:
    """How much more commission to reverse once ``refunded_total`` of ``net`` is refunded.

    Computed from the cumulative refund, so many partial refunds never drift by rounding and
    a full refund reverses exactly the whole commission.
    """
    return max(0, reversed_target(amount, net, refunded_total) - reversed_so_far)


def reversed_target(amount: int, net: int, refunded_total: int) -> int:
    """How much of a commission of ``amount`` stands reversed once ``refunded_total`` of
    ``net`` is refunded: its share, rounded half up; all of it for a full refund."""
    if net <= 0 or refunded_total >= net:
        return amount
    return min(amount, share(amount, max(0, refunded_total), net))


# --- parsing /plan create options --------------------------------------------------------


def parse_rate(text: str) -> int:
    """``"12.5"`` → 1250 basis points (0–100 %)."""
    try:
        value = Decimal(str(text).strip().rstrip("%").replace(",", "."))
    except InvalidOperation:
        raise InvalidPlan(problem="rate", value=str(text)[:40]) from None
    if not value.is_finite() or not 0 <= value <= 100 or (value * 100) % 1:
        raise InvalidPlan(problem="rate", value=str(text)[:40])
    return int(value * 100)


def parse_money(text: str, currency: str) -> int:
    """``"2.50"`` → 250 (minor units of ``currency``)."""
    cleaned = str(text).strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidPlan(problem="amount", value=str(text)[:40]) from None
    minor = value * 10 ** get_currency_precision(currency)
    if not value.is_finite() or value < 0 or minor % 1 or minor > 10**12:
        raise InvalidPlan(problem="amount", value=str(text)[:40])
    return int(minor)


def parse_levels(text: str, basis: str, currency: str) -> tuple[tuple[int, int], ...]:
    """``"0:10, 1000:12.5, 5000:15"`` → thresholds (revenue in minor units, or sales) and rates."""
    levels: list[tuple[int, int]] = []
    for part in str(text).split(","):
        if not part.strip():
            continue
        threshold_text, sep, rate_text = part.partition(":")
        if not sep:
            raise InvalidPlan(problem="levels", value=str(text)[:80])
        if basis == "revenue":
            threshold = parse_money(threshold_text, currency)
        else:
            try:
                threshold = int(threshold_text.strip())
            except ValueError:
                raise InvalidPlan(problem="levels", value=str(text)[:80]) from None
        levels.append((threshold, parse_rate(rate_text)))
    thresholds = [t for t, _ in levels]
    if not levels or thresholds != sorted(set(thresholds)) or thresholds[0] < 0 or len(levels) > 10:
        raise InvalidPlan(problem="levels", value=str(text)[:80])
    return tuple(levels)


def levels_json(levels: tuple[tuple[int, int], ...]) -> str:
    return json.dumps([list(level) for level in levels])


def levels_from_json(text: str | None) -> tuple[tuple[int, int], ...]:
    return tuple((int(t), int(r)) for t, r in json.loads(text)) if text else ()
