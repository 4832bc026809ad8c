"""Use case: ``/report`` — program analytics by creator and by tier, with a CSV export.

Cost of a creator = commissions earned on orders and leads (net of reversals) + fixed
deliverable fees (commissions of kind ``fee``) + bounty rewards (kind ``bounty``) + gifted
products (``gifts``), all recorded in the period. Engagement comes from the metrics of the
posts handed in during the period (submitted or approved deliverables) and is compared with
the tier's benchmark. Money stays in integer minor units until rendered.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from babel.numbers import get_currency_precision

from bot.clock import Clock, to_epoch
from bot.db.connection import Database
from bot.db.reports_repo import ReportRepository
from bot.domain.attribution import Method
from bot.domain.gifts import OfferStatus
from bot.domain.performance import Performance, engagement_vs_benchmark
from bot.domain.tiers import BENCHMARK_BP, Tier
from bot.domain.weeks import period_start
from bot.services.customers import CustomerService
from bot.services.settings import SettingsService

PERIODS = ("week", "month", "all")


@dataclass(frozen=True)
class CreatorReport:
    """One creator's line of the report."""

    creator_id: int
    user_id: int | None
    handle: str | None
    tier: Tier
    status: str
    performance: Performance
    # All time, whatever the period: the customers this creator brought and the net revenue
    # of every order those customers placed since (their lifetime value).
    customers: int = 0
    lifetime_value_minor: int = 0

    @property
    def engagement_vs_benchmark(self) -> int | None:
        """Engagement as a percentage of the tier benchmark (100 = on the benchmark)."""
        return engagement_vs_benchmark(self.performance.engagement_bp, self.tier)


@dataclass(frozen=True)
class TierReport:
    """The sum of the creators of one tier."""

    tier: Tier
    creators: int
    performance: Performance

    @property
    def benchmark_bp(self) -> int:
        return BENCHMARK_BP[self.tier]

    @property
    def engagement_vs_benchmark(self) -> int | None:
        return engagement_vs_benchmark(self.performance.engagement_bp, self.tier)


# The methods the report shares out, in the order they are tried (manual last: a manager's).
REPORT_METHODS = (
    Method.CLICK,
    Method.CODE,
    Method.DIRECTLINK,
    Method.RECURRING,
    Method.MANUAL,
)


def _share_bp(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in basis points, rounded half up; None when there is no whole."""
    if whole <= 0:
        return None
    return (part * 10_000 * 2 + whole) // (whole * 2)


@dataclass(frozen=True)
class MethodShare:
    """The attributed sales one attribution method won in the period, and its share."""

    method: Method
    orders: int
    revenue_minor: int
    orders_share_bp: int | None  # of all attributed orders; None when there were none
    revenue_share_bp: int | None


def method_shares(rows: Mapping[str, tuple[int, int]]) -> tuple[MethodShare, ...]:
    """One share per reported method (zero included) from ``{method: (orders, revenue)}``."""
    total_orders = sum(rows.get(m, (0, 0))[0] for m in REPORT_METHODS)
    total_revenue = sum(rows.get(m, (0, 0))[1] for m in REPORT_METHODS)
    return tuple(
        MethodShare(
            method=m,
            orders=rows.get(m, (0, 0))[0],
            revenue_minor=rows.get(m, (0, 0))[1],
            orders_share_bp=_share_bp(rows.get(m, (0, 0))[0], total_orders),
            revenue_share_bp=_share_bp(rows.get(m, (0, 0))[1], total_revenue),
        )
        for m in REPORT_METHODS
    )


@dataclass(frozen=True)
class ProgramReport:
    guild_id: int
    period: str
    since: datetime | None
    until: datetime
    currency: str
    timezone: str
    creators: tuple[CreatorReport, ...]
    tiers: tuple[TierReport, ...]
    total: Performance
    # Attributed orders and net revenue by the method that won them (click, code, …).
    methods: tuple[MethodShare, ...] = ()

    @property
    def customers(self) -> int:
        return sum(c.customers for c in self.creators)

    @property
    def lifetime_value_minor(self) -> int:
        return sum(c.lifetime_value_minor for c in self.creators)


async def performance_by_creator(
    db: Database,
    repo: ReportRepository,
    guild_id: int,
    since: int,
    until: int,
    currency: str,
    *,
    costs: bool,
) -> Mapping[int, Performance]:
    """Each creator's numbers in ``[since, until)``; with ``costs`` also gifts and engagement.

    Only creators with something in the range have an entry.
    """
    result: dict[int, Performance] = {}

    def add(creator_id: int, **numbers: int) -> None:
        result[creator_id] = replace(result.get(creator_id, Performance()), **numbers)

    for c in await repo.clicks_by_creator(db, guild_id, since, until):
        add(c.creator_id, clicks=c.clicks, unique_clicks=c.unique_clicks)
    for o in await repo.orders_by_creator(db, guild_id, since, until, currency):
        add(o.creator_id, orders=o.orders, revenue_minor=o.revenue_minor)
    for m in await repo.commissions_by_creator(db, guild_id, since, until):
        add(
            m.creator_id,
            commission_minor=m.commission_minor,
            fee_minor=m.fee_minor,
            recurring_minor=m.recurring_minor,
            bounty_minor=m.bounty_minor,
        )
    if costs:
        for g in await repo.gifts_by_creator(db, guild_id, since, until, currency):
            add(g.creator_id, gift_minor=g.gift_minor)
        for e in await repo.engagement_by_creator(db, guild_id, since, until):
            add(e.creator_id, reach=e.reach, interactions=e.interactions)
    return result


class ReportService:
    def __init__(
        self,
        db: Database,
        repo: ReportRepository,
        settings: SettingsService,
        clock: Clock,
        customers: CustomerService | None = None,
    ) -> None:
        self._db = db
        self._repo = repo
        self._settings = settings
        self._clock = clock
        self._customers = customers

    async def report(self, guild_id: int, period: str = "month") -> ProgramReport:
        """The report for ``week`` (since Monday), ``month`` (since the 1st) or ``all``, in
        the server's timezone, up to now."""
        if period not in PERIODS:
            raise ValueError(f"unknown period {period!r}")
        settings = await self._settings.get(guild_id)
        now = self._clock.now()
        since = period_start(period, now, settings.zone)
        until = now + timedelta(seconds=1)  # up to and including the current second
        numbers = await performance_by_creator(
            self._db,
            self._repo,
            guild_id,
            to_epoch(since) if since else 0,
            to_epoch(until),
            settings.currency,
            costs=True,
        )
        lifetime = (
            await self._customers.lifetime(guild_id, settings.currency) if self._customers else {}
        )
        creators: list[CreatorReport] = []
        for creator in await self._repo.creators(self._db, guild_id):
            performance = numbers.get(creator.id)
            if performance is None and creator.status != "active":
                continue  # a paused or removed creator with nothing in the period
            brought = lifetime.get(creator.id)
            creators.append(
                CreatorReport(
                    creator_id=creator.id,
                    user_id=creator.user_id,
                    handle=creator.handle,
                    tier=creator.tier,
                    status=creator.status,
                    performance=performance or Performance(),
                    customers=brought.customers if brought else 0,
                    lifetime_value_minor=brought.revenue_minor if brought else 0,
                )
            )
        creators.sort(
            key=lambda c: (-c.performance.revenue_minor, -c.performance.orders, c.creator_id)
        )
        tiers = tuple(
            TierReport(
                tier=tier,
                creators=sum(1 for c in creators if c.tier is tier),
                performance=Performance.total(c.performance for c in creators if c.tier is tier),
            )
            for tier in Tier
        )
        by_method = await self._repo.orders_by_method(
            self._db,
            guild_id,
            to_epoch(since) if since else 0,
            to_epoch(until),
            settings.currency,
        )
        return ProgramReport(
            methods=method_shares({m.method: (m.orders, m.revenue_minor) for m in by_method}),
            guild_id=guild_id,
            period=period,
            since=since,
            until=now,
            currency=settings.currency,
            timezone=settings.timezone,
            creators=tuple(creators),
            tiers=tiers,
            total=Performance.total(t.performance for t in tiers),
        )


# --- the CSV export ----------------------------------------------------------------------

CSV_COLUMNS = (
    "row",
    "creator_id",
    "discord_user_id",
    "handle",
    "tier",
    "status",
    "creators",
    "clicks",
    "unique_clicks",
    "orders",
    "net_revenue",
    "conversion_rate_pct",
    "epc",
    "average_order_value",
    "commissions",
    "deliverable_fees",
    "gift_costs",
    "cost",
    "cpa",
    "roi_pct",
    "reach",
    "interactions",
    "engagement_rate_pct",
    "tier_benchmark_pct",
    "engagement_vs_benchmark_pct",
    "currency",
    "recurring_commissions",
    "customers_brought",
    "customer_lifetime_value",
    "attribution",
    "orders_share_pct",
    "revenue_share_pct",
    "bounty_rewards",
)


def _amount(minor: int | None, digits: int) -> str:
    return "" if minor is None else f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def _text(value: str | None) -> str:
    # A handle such as "=HYPERLINK(…)" must stay text when the file is opened in a spreadsheet.
    text = value or ""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _percent(basis_points: int | None) -> str:
    return "" if basis_points is None else f"{Decimal(basis_points).scaleb(-2):.2f}"


def _csv_numbers(p: Performance, digits: int) -> list[str | int]:
    return [
        p.clicks,
        p.unique_clicks,
        p.orders,
        _amount(p.revenue_minor, digits),
        _percent(p.conversion_rate_bp),
        _amount(p.epc_minor, digits),
        _amount(p.aov_minor, digits),
        _amount(p.commission_minor, digits),
        _amount(p.fee_minor, digits),
        _amount(p.gift_minor, digits),
        _amount(p.cost_minor, digits),
        _amount(p.cpa_minor, digits),
        _percent(p.roi_bp),
        p.reach,
        p.interactions,
        _percent(p.engagement_bp),
    ]


def report_csv(report: ProgramReport, seeding: Sequence[OfferStatus] = ()) -> bytes:
    """Every creator row, then one row per tier, the program total, one row per
    attribution method and one per gift offer of the period (UTF-8, with header).

    Amounts are decimals in the program currency (``12.50``), rates are percentages. The
    method rows leave the customer columns empty and fill the last three: the method, and
    its share of the attributed orders and of their net revenue. An offer row has the offer's
    id and product in the creator columns, the creators who accepted in ``creators``, and
    its seeding results: orders and revenue since delivery, the gift cost, the cost per
    order and the content's reach and engagement against the tier benchmark.
    """
    digits = get_currency_precision(report.currency)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in report.creators:
        writer.writerow(
            [
                "creator",
                c.creator_id,
                c.user_id or "",
                _text(c.handle),
                c.tier.value,
                c.status,
                1,
                *_csv_numbers(c.performance, digits),
                _percent(BENCHMARK_BP[c.tier]),
                "" if c.engagement_vs_benchmark is None else c.engagement_vs_benchmark,
                report.currency,
                _amount(c.performance.recurring_minor, digits),
                c.customers,
                _amount(c.lifetime_value_minor, digits),
                "",
                "",
                "",
                _amount(c.performance.bounty_minor, digits),
            ]
        )
    for t in report.tiers:
        writer.writerow(
            [
                "tier",
                "",
                "",
                "",
                t.tier.value,
                "",
                t.creators,
                *_csv_numbers(t.performance, digits),
                _percent(t.benchmark_bp),
                "" if t.engagement_vs_benchmark is None else t.engagement_vs_benchmark,
                report.currency,
                _amount(t.performance.recurring_minor, digits),
                sum(c.customers for c in report.creators if c.tier is t.tier),
                _amount(
                    sum(c.lifetime_value_minor for c in report.creators if c.tier is t.tier),
                    digits,
                ),
                "",
                "",
                "",
                _amount(t.performance.bounty_minor, digits),
            ]
        )
    writer.writerow(
        [
            "program",
            "",
            "",
            "",
            "",
            "",
            len(report.creators),
            *_csv_numbers(report.total, digits),
            "",
            "",
            report.currency,
            _amount(report.total.recurring_minor, digits),
            report.customers,
            _amount(report.lifetime_value_minor, digits),
            "",
            "",
            "",
            _amount(report.total.bounty_minor, digits),
        ]
    )
    for m in report.methods:
        numbers: list[str | int] = [""] * len(_csv_numbers(Performance(), digits))
        numbers[2] = m.orders
        numbers[3] = _amount(m.revenue_minor, digits)
        writer.writerow(
            [
                "method",
                *[""] * 6,
                *numbers,
                "",
                "",
                report.currency,
                "",
                "",
                "",
                m.method.value,
                _percent(m.orders_share_bp),
                _percent(m.revenue_share_bp),
                "",
            ]
        )
    for s in seeding:
        r = s.results
        assert r is not None
        numbers = [""] * len(_csv_numbers(Performance(), digits))
        numbers[2] = r.orders
        numbers[3] = _amount(r.revenue_minor, digits)
        numbers[9] = _amount(r.cost_minor, digits)
        numbers[10] = _amount(r.cost_minor, digits)
        numbers[11] = _amount(r.cpa_minor, digits)
        numbers[12:16] = [
            "",
            r.reach,
            r.interactions,
            _percent(r.engagement_bp),
        ]
        writer.writerow(
            [
                "offer",
                s.offer.id,
                "",
                _text(s.offer.product),
                "",
                s.offer.state.value,
                s.accepted,
                *numbers,
                "",
                "" if r.vs_benchmark is None else r.vs_benchmark,
                report.currency,
                *[""] * 6,
                "",
            ]
        )
    return buffer.getvalue().encode("utf-8")
