"""Recurring and lifetime commissions: a returning customer's orders and renewals earn on
the plan's terms, the customer is recognised by keyed hashes only, and the report shows
each creator's customers and their lifetime value."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FrozenClock
from bot.domain.commission import InvalidPlan
from bot.domain.creators import CreatorStatus
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.recurring import add_months, customer_identifiers
from bot.i18n import render
from bot.registry import Services
from bot.services.reports import report_csv

GUILD, MANAGER = 1, 900
CUSTOMER = ("shopify:customer:207119551",)
EMAIL = "Bob.Norman@Example.com"


async def _creator(services: Services, user_id: int, handle: str) -> int:
    result = await services.onboarding.apply(
        GUILD, user_id, platform="tiktok", handle=handle, followers=5000, niche="food"
    )
    approval = await services.onboarding.approve(GUILD, result.application.id, MANAGER)
    return approval.creator.id


@pytest.fixture
async def program(services: Services) -> Services:
    """Two creators: anna (ANNA15) and bert (BERT15), on the default plan (10 %)."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    await _creator(services, 501, "anna")
    await _creator(services, 502, "bert")
    return services


async def _plan(services: Services, recurring: str, months: int | None = None) -> None:
    """Put anna on a 20 % plan with these recurring terms."""
    await services.plans.create(
        GUILD,
        MANAGER,
        name=f"subs-{recurring}",
        kind="revenue_share",
        rate="20",
        recurring=recurring,
        months=months,
    )
    await services.plans.assign(GUILD, MANAGER, 501, f"subs-{recurring}")


def _order(
    clock: FrozenClock,
    order: str,
    *,
    codes: tuple[str, ...] = (),
    ids: tuple[str, ...] = CUSTOMER,
    email: str | None = EMAIL,
    net: int = 10_000,
    **kw: object,
) -> OrderEvent:
    return OrderEvent(
        source=Source.SHOPIFY,
        kind=EventKind.SALE,
        order_id=order,
        occurred_at=clock.now(),
        currency="EUR",
        net_minor=net,
        codes=codes,
        customer_email=email,
        customer_ids=ids,
        **kw,  # type: ignore[arg-type]
    )


async def _conversion(services: Services, order: str) -> tuple[str, str, int | None, int]:
    """(attribution, reason, creator id, commission) of one order."""
    row = await services.db.fetch_one(
        "SELECT v.attribution, v.attribution_reason, v.creator_id,"
        " COALESCE(SUM(m.amount_minor), 0) AS earned"
        " FROM conversions v LEFT JOIN commissions m ON m.conversion_id = v.id"
        " WHERE v.order_id = ? GROUP BY v.id",
        order,
    )
    assert row is not None
    return row["attribution"], row["attribution_reason"], row["creator_id"], row["earned"]


async def _anna(services: Services) -> int:
    creator = await services.onboarding.creator_by_member(GUILD, 501)
    return creator.id


async def test_default_plan_pays_the_first_order_only(
    program: Services, clock: FrozenClock
) -> None:
    """On the default plan a returning customer's order without the code earns nothing, and
    the conversion says why."""
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    clock.advance(days=10)
    await program.conversions.ingest(_order(clock, "1002"))
    attribution, reason, creator, earned = await _conversion(program, "1002")
    assert (attribution, creator, earned) == ("none", None, 0)
    assert "returning_customer:first_order_only" in reason


async def test_months_plan_pays_within_its_months_only(
    program: Services, clock: FrozenClock
) -> None:
    """A 3-month plan pays the owner 20 % of a returning customer's order two months later,
    and nothing once the three months are over."""
    await _plan(program, "months", 3)
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    clock.advance(days=61)
    await program.conversions.ingest(_order(clock, "1002", net=5_000))
    assert await _conversion(program, "1002") == (
        "recurring",
        "recurring:months=3",
        await _anna(program),
        1_000,
    )
    clock.advance(days=40)  # 101 days after the first order: past 3 calendar months
    await program.conversions.ingest(_order(clock, "1003"))
    attribution, reason, _creator, earned = await _conversion(program, "1003")
    assert (attribution, earned) == ("none", 0)
    assert "returning_customer:window_over" in reason


async def test_lifetime_plan_recognises_the_customer_by_email_years_later(
    program: Services, clock: FrozenClock
) -> None:
    """A lifetime plan pays on an order three years on, from a guest checkout that only
    shares the e-mail address (in another case) with the first order."""
    await _plan(program, "lifetime")
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    clock.advance(days=3 * 365)
    await program.conversions.ingest(_order(clock, "1002", ids=(), email=EMAIL.upper()))
    assert await _conversion(program, "1002") == (
        "recurring",
        "recurring:lifetime",
        await _anna(program),
        2_000,
    )


async def test_an_unknown_customer_stays_unattributed(
    program: Services, clock: FrozenClock
) -> None:
    """Another customer's order without a code is not anyone's."""
    await _plan(program, "lifetime")
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    other = _order(clock, "1002", ids=("shopify:customer:999",), email="someone@example.org")
    await program.conversions.ingest(other)
    assert await _conversion(program, "1002") == ("none", "no_click_or_code", None, 0)


async def test_a_paused_creator_earns_nothing_on_returning_customers(
    program: Services, clock: FrozenClock
) -> None:
    """Pausing a creator stops their recurring commissions."""
    await _plan(program, "lifetime")
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    await program.onboarding.set_status(GUILD, 501, CreatorStatus.PAUSED, MANAGER)
    await program.conversions.ingest(_order(clock, "1002"))
    attribution, reason, _creator, earned = await _conversion(program, "1002")
    assert (attribution, earned) == ("none", 0)
    assert "returning_customer:creator_inactive" in reason


async def test_another_creators_code_wins_the_order_but_not_the_customer(
    program: Services, clock: FrozenClock
) -> None:
    """A returning customer who uses bert's code credits bert for that order; their next
    order without a code is anna's again."""
    await _plan(program, "lifetime")
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    await program.conversions.ingest(_order(clock, "1002", codes=("BERT15",)))
    bert = await program.onboarding.creator_by_member(GUILD, 502)
    assert (await _conversion(program, "1002"))[:3] == ("code", "code", bert.id)
    await program.conversions.ingest(_order(clock, "1003"))
    assert (await _conversion(program, "1003"))[2] == await _anna(program)


async def test_a_test_order_brings_no_customer(program: Services, clock: FrozenClock) -> None:
    """A test order with the code does not make the customer the creator's."""
    await _plan(program, "lifetime")
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",), is_test=True))
    await program.conversions.ingest(_order(clock, "1002"))
    assert (await _conversion(program, "1002"))[0] == "none"
    assert await program.db.fetch_val("SELECT COUNT(*) FROM customers") == 0


async def test_only_keyed_hashes_are_stored(program: Services, clock: FrozenClock) -> None:
    """Neither the e-mail nor the shop's customer id is stored; the keys are HMAC-SHA256
    hex digests, the same for the same customer and different for another key."""
    await _plan(program, "lifetime")
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    keys = [r[0] for r in await program.db.fetch_all("SELECT customer_key FROM customers")]
    assert len(keys) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    dump = "\n".join(await _all_text(program))
    for secret in (EMAIL.lower(), "bob.norman", "207119551"):
        assert secret not in dump.lower()
    identifiers = customer_identifiers(CUSTOMER, EMAIL)
    assert set(await program.customers.keys_of(identifiers)) == set(keys)


async def _all_text(services: Services) -> list[str]:
    texts = []
    tables = await services.db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in tables:
        for row in await services.db.fetch_all(f'SELECT * FROM "{table["name"]}"'):
            texts.extend(str(value) for value in tuple(row) if value is not None)
    return texts


async def test_forget_erases_the_link_to_the_creator(program: Services, clock: FrozenClock) -> None:
    """Erasing a customer removes their keys: later orders are no longer recognised."""
    await _plan(program, "lifetime")
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    assert await program.customers.forget(customer_identifiers(CUSTOMER, EMAIL)) == 2
    await program.conversions.ingest(_order(clock, "1002"))
    assert (await _conversion(program, "1002"))[0] == "none"
    assert await program.db.fetch_val("SELECT COUNT(customer_key) FROM conversions") == 1


async def test_stats_and_report_show_recurring_and_lifetime_value(
    program: Services, clock: FrozenClock
) -> None:
    """/stats and the report split off recurring commission; the report gives anna one
    customer worth all three of their orders, whoever they were credited to."""
    await _plan(program, "lifetime")
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    await program.conversions.ingest(_order(clock, "1002", net=5_000))
    await program.conversions.ingest(_order(clock, "1003", codes=("BERT15",), net=2_000))
    anna = await _anna(program)
    stats = await program.conversions.stats(GUILD, anna, None, (0, 0))
    assert (stats.earned, stats.recurring) == (3_000, 1_000)
    report = await program.reports.report(GUILD, "all")
    [line] = [c for c in report.creators if c.creator_id == anna]
    assert (line.customers, line.lifetime_value_minor) == (1, 17_000)
    assert line.performance.recurring_minor == 1_000
    rows = report_csv(report).decode().splitlines()
    header = rows[0].split(",")
    anna_row = next(r.split(",") for r in rows[1:] if r.split(",")[1] == str(anna))
    assert anna_row[header.index("recurring_commissions")] == "10.00"
    assert anna_row[header.index("customers_brought")] == "1"
    assert anna_row[header.index("customer_lifetime_value")] == "170.00"


@pytest.mark.parametrize(
    ("kind", "recurring", "months", "problem"),
    [
        ("revenue_share", "months", None, "needs_months"),
        ("revenue_share", "first", 6, "needs_months"),
        ("revenue_share", "lifetime", 6, "needs_months"),
        ("cpl", "lifetime", None, "recurring_needs_sales"),
    ],
)
async def test_plan_terms_are_validated(
    program: Services, kind: str, recurring: str, months: int | None, problem: str
) -> None:
    """Months go with the months choice only; a plan that does not pay for sales cannot pay
    on returning customers. Nothing is created."""
    with pytest.raises(InvalidPlan) as raised:
        await program.plans.create(
            GUILD,
            MANAGER,
            name="bad",
            kind=kind,
            rate="10",
            amount="2.50",
            recurring=recurring,
            months=months,
        )
    assert raised.value.params["problem"] == problem
    assert "bad" not in [p.name for p in await program.plans.list(GUILD)]


@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001  (naive bounds, as hypothesis asks)
        max_value=datetime(2035, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    months=st.integers(1, 120),
)
def test_add_months_moves_whole_calendar_months(start: datetime, months: int) -> None:
    """N months on is in the N-th next calendar month, never earlier than the same day
    allows, and never more than a month's length away per month."""
    end = add_months(start, months)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or end.day < start.day
    assert end.time() == start.time()
    assert start + timedelta(days=28 * months) <= end <= start + timedelta(days=31 * months)


async def test_weekly_dm_shows_the_recurring_part(program: Services, clock: FrozenClock) -> None:
    """The weekly summary's numbers carry anna's recurring commission, and her DM text (in
    English and Dutch) shows it beside what she earned."""
    await _plan(program, "lifetime")
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    await program.conversions.ingest(_order(clock, "1002", net=5_000))
    clock.advance(seconds=1)
    summary = await program.summaries.preview(GUILD)
    [anna] = [c for c in summary.creators if c.creator_id == await _anna(program)]
    assert (anna.numbers.earned_minor, anna.numbers.recurring_minor) == (3_000, 1_000)
    english = render("summaries.dm", "en", n=anna.numbers, b=anna.balance, currency="EUR")
    assert "of which recurring, from returning customers: €10.00" in english
    dutch = render("summaries.dm", "nl", n=anna.numbers, b=anna.balance, currency="EUR")
    assert "waarvan terugkerend, van terugkerende klanten: €\xa010,00" in dutch


async def test_conversion_info_explains_a_recurring_order(
    program: Services, clock: FrozenClock
) -> None:
    """/conversion info says a recurring order was credited as a returning customer, with the
    plan's terms, in English and Dutch."""
    await _plan(program, "months", 6)
    await program.conversions.ingest(_order(clock, "1001", codes=("ANNA15",)))
    await program.conversions.ingest(_order(clock, "1002"))
    info = await program.conversions.info(GUILD, "1002")
    for lang, phrase in (
        ("en", "as a returning customer (plan pays for 6 months)"),
        ("nl", "als terugkerende klant (plan betaalt 6 maanden)"),
    ):
        body = render(
            "conversions.info",
            lang,
            i=info,
            currency="EUR",
            timezone="UTC",
            occurred=clock.now(),
            approve_after=clock.now(),
        )
        assert phrase in body
