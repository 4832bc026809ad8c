"""ConversionService: attribution, commission arithmetic, states, refunds and holds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FrozenClock, to_epoch
from bot.domain.orders import EventKind, IngestOutcome, OrderEvent, Source
from bot.domain.shop_payloads import shopify_events
from bot.registry import Services

GUILD, MANAGER = 1, 900


async def _creator(services: Services, user_id: int, handle: str, email: str | None = None) -> int:
    result = await services.onboarding.apply(
        GUILD, user_id, platform="tiktok", handle=handle, followers=5000, niche="food", email=email
    )
    approval = await services.onboarding.approve(GUILD, result.application.id, MANAGER)
    return approval.creator.id


@pytest.fixture
async def program(services: Services) -> Services:
    """Two creators: anna (code ANNA15) and bert (code BERT15)."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    await _creator(services, 501, "anna", email="anna@example.com")
    await _creator(services, 502, "bert")
    return services


def _sale(clock: FrozenClock, order: str = "1001", net: int = 10_000, **kw: object) -> OrderEvent:
    values = {
        "source": Source.SHOPIFY,
        "kind": EventKind.SALE,
        "order_id": order,
        "occurred_at": clock.now(),
        "currency": "EUR",
        "net_minor": net,
        "codes": ("anna15",),
    }
    values.update(kw)
    return OrderEvent(**values)  # type: ignore[arg-type]


def _refund(clock: FrozenClock, order: str, amount: int, refund_id: str) -> OrderEvent:
    return OrderEvent(
        source=Source.SHOPIFY,
        kind=EventKind.REFUND,
        order_id=order,
        occurred_at=clock.now(),
        refund_minor=amount,
        refund_id=refund_id,
    )


async def _commissions(services: Services) -> list[dict]:
    rows = await services.db.fetch_all(
        "SELECT creator_id, amount_minor, reversed_minor, state, hold_reason"
        " FROM commissions ORDER BY id"
    )
    return [dict(r) for r in rows]


async def _balances(services: Services, user_id: int = 501):  # type: ignore[no-untyped-def]
    creator = await services.onboarding.creator_by_member(GUILD, user_id)
    return await services.conversions.balances(GUILD, creator.id)


async def _seed_click(
    services: Services, user_id: int, click_id: str, at: int, visitor: str = "v1"
) -> None:
    creator = await services.onboarding.creator_by_member(GUILD, user_id)
    link = (await services.onboarding.profile(GUILD, user_id)).links[0]
    async with services.db.transaction() as tx:
        await tx.execute(
            """INSERT INTO clicks (guild_id, link_id, creator_id, campaign_id, click_id,
                                   visitor_hash, is_unique, clicked_at)
               VALUES (?, ?, ?, ?, ?, ?, 1, ?)""",
            GUILD,
            link.id,
            creator.id,
            link.campaign_id,
            click_id,
            visitor,
            at,
        )


async def test_code_sale_earns_default_rate(program: Services, clock: FrozenClock) -> None:
    """A sale with a creator's code (any case) earns 10 % of net, pending for 30 days."""
    assert await program.conversions.ingest(_sale(clock)) is IngestOutcome.RECORDED
    [commission] = await _commissions(program)
    assert (commission["amount_minor"], commission["state"]) == (1_000, "pending")
    balances = await _balances(program)
    assert (balances.pending, balances.approved) == (1_000, 0)
    assert balances.next_maturity == clock.now() + timedelta(days=30)


async def test_repeat_delivery_changes_nothing(program: Services, clock: FrozenClock) -> None:
    """The same order twice is one conversion and one commission."""
    await program.conversions.ingest(_sale(clock))
    assert await program.conversions.ingest(_sale(clock)) is IngestOutcome.DUPLICATE
    assert await program.db.fetch_val("SELECT COUNT(*) FROM conversions") == 1
    assert len(await _commissions(program)) == 1


async def test_rounding_half_up(program: Services, clock: FrozenClock) -> None:
    """12.5 % of €0.99 is 12.375 cents → 12 cents; of €1.00 → 12.5 → 13 cents."""
    await program.settings.update(GUILD, MANAGER, {"commission_rate": "12.5"})
    await program.conversions.ingest(_sale(clock, "a", 99))
    await program.conversions.ingest(_sale(clock, "b", 100))
    assert [c["amount_minor"] for c in await _commissions(program)] == [12, 13]


async def test_test_order_pays_nothing(program: Services, clock: FrozenClock) -> None:
    """A test order is stored as test and creates no commission."""
    await program.conversions.ingest(_sale(clock, is_test=True))
    assert await program.db.fetch_val("SELECT status FROM conversions") == "test"
    assert await _commissions(program) == []


async def test_unattributed_order_kept_for_audit(program: Services, clock: FrozenClock) -> None:
    """An order without click or known code is stored as unattributed, with the reason."""
    await program.conversions.ingest(_sale(clock, codes=("NOBODY10",)))
    row = await program.db.fetch_one(
        "SELECT attribution, attribution_reason, creator_id FROM conversions"
    )
    assert tuple(row) == ("none", "code_unknown", None)


async def test_click_within_window_attributes(program: Services, clock: FrozenClock) -> None:
    """A click id carried by the order attributes it to the click's creator."""
    await _seed_click(program, 502, "clk-1", to_epoch(clock.now()) - 29 * 86_400)
    await program.conversions.ingest(_sale(clock, codes=(), click_id="clk-1"))
    row = await program.db.fetch_one("SELECT attribution, creator_id FROM conversions")
    bert = await program.onboarding.creator_by_member(GUILD, 502)
    assert tuple(row) == ("click", bert.id)


async def test_click_outside_window_falls_back_to_code(
    program: Services, clock: FrozenClock
) -> None:
    """An expired click does not attribute; the code still does."""
    await _seed_click(program, 502, "clk-old", to_epoch(clock.now()) - 31 * 86_400)
    await program.conversions.ingest(_sale(clock, click_id="clk-old"))
    row = await program.db.fetch_one("SELECT attribution, attribution_reason FROM conversions")
    assert tuple(row) == ("code", "code,click_expired")


async def test_code_beats_click_and_configurable(program: Services, clock: FrozenClock) -> None:
    """Click of bert + code of anna: anna by default, bert when clicks win."""
    await _seed_click(program, 502, "clk-b", to_epoch(clock.now()) - 60)
    await program.conversions.ingest(_sale(clock, "o1", click_id="clk-b"))
    await program.settings.update(GUILD, MANAGER, {"attribution_priority": "click"})
    await program.conversions.ingest(_sale(clock, "o2", click_id="clk-b"))
    rows = await program.db.fetch_all(
        "SELECT attribution_reason, creator_id FROM conversions ORDER BY id"
    )
    anna = await program.onboarding.creator_by_member(GUILD, 501)
    bert = await program.onboarding.creator_by_member(GUILD, 502)
    assert [tuple(r) for r in rows] == [
        ("conflict_code_wins", anna.id),
        ("conflict_click_wins", bert.id),
    ]


async def test_foreign_currency_is_held_not_guessed(program: Services, clock: FrozenClock) -> None:
    """An order in another currency is flagged and earns nothing until a manager acts."""
    await program.conversions.ingest(_sale(clock, currency="USD"))
    assert await program.db.fetch_val("SELECT flags FROM conversions") == "currency"
    assert await _commissions(program) == []


async def test_partial_refunds_reverse_in_proportion(program: Services, clock: FrozenClock) -> None:
    """30 % refunded reverses 30 %; a repeated refund changes nothing; the rest reverses all."""
    await program.conversions.ingest(_sale(clock, net=9_999))
    assert (
        await program.conversions.ingest(_refund(clock, "1001", 3_000, "r1"))
        is IngestOutcome.RECORDED
    )
    assert (
        await program.conversions.ingest(_refund(clock, "1001", 3_000, "r1"))
        is IngestOutcome.DUPLICATE
    )
    [commission] = await _commissions(program)
    assert (commission["amount_minor"], commission["reversed_minor"]) == (1_000, 300)
    await program.conversions.ingest(_refund(clock, "1001", 6_999, "r2"))
    [commission] = await _commissions(program)
    assert (commission["reversed_minor"], commission["state"]) == (1_000, "reversed")
    balances = await _balances(program)
    assert (balances.pending, balances.reversed) == (0, 1_000)


async def test_cancel_reverses_the_rest(program: Services, clock: FrozenClock) -> None:
    """A cancellation after a partial refund reverses what is left."""
    await program.conversions.ingest(_sale(clock))
    await program.conversions.ingest(_refund(clock, "1001", 2_500, "r1"))
    cancel = OrderEvent(
        source=Source.SHOPIFY, kind=EventKind.CANCEL, order_id="1001", occurred_at=clock.now()
    )
    await program.conversions.ingest(cancel)
    [commission] = await _commissions(program)
    assert (commission["reversed_minor"], commission["state"]) == (1_000, "reversed")
    assert await program.db.fetch_val("SELECT status FROM conversions") == "cancelled"


async def test_refund_before_its_sale_is_applied_when_the_sale_arrives(
    program: Services, clock: FrozenClock
) -> None:
    """Webhooks come in any order: a refund for an order not seen yet is kept (once), and the
    sale that follows earns only its unrefunded share; a later redelivery changes nothing."""
    refund = _refund(clock, "1001", 3_000, "r1")
    assert await program.conversions.ingest(refund) is IngestOutcome.RECORDED
    assert await program.conversions.ingest(refund) is IngestOutcome.DUPLICATE
    assert await _commissions(program) == []
    assert await program.conversions.ingest(_sale(clock, net=10_000)) is IngestOutcome.RECORDED
    [commission] = await _commissions(program)
    assert (commission["amount_minor"], commission["reversed_minor"]) == (1_000, 300)
    assert await program.db.fetch_val("SELECT refunded_minor FROM conversions") == 3_000
    assert await program.db.fetch_val("SELECT COUNT(*) FROM early_adjustments") == 0
    assert await program.conversions.ingest(refund) is IngestOutcome.DUPLICATE
    assert (await _balances(program)).pending == 700


async def test_cancel_before_its_sale_reverses_it_all(
    program: Services, clock: FrozenClock
) -> None:
    """A cancellation that overtakes its order leaves the order cancelled and unpaid."""
    cancel = OrderEvent(
        source=Source.SHOPIFY, kind=EventKind.CANCEL, order_id="1001", occurred_at=clock.now()
    )
    await program.conversions.ingest(cancel)
    await program.conversions.ingest(_sale(clock))
    [commission] = await _commissions(program)
    assert (commission["reversed_minor"], commission["state"]) == (1_000, "reversed")
    assert await program.db.fetch_val("SELECT status FROM conversions") == "cancelled"


async def test_an_early_refund_is_kept_for_30_days_and_per_source(
    program: Services, clock: FrozenClock
) -> None:
    """A kept refund only meets the same shop's order, and is dropped after 30 days."""
    await program.conversions.ingest(_refund(clock, "1001", 5_000, "r1"))
    await program.conversions.ingest(_sale(clock, source=Source.WOOCOMMERCE))
    [commission] = await _commissions(program)
    assert commission["reversed_minor"] == 0
    clock.advance(days=31)
    await program.conversions.ingest(_refund(clock, "other", 100, "r9"))
    assert await program.db.fetch_val("SELECT order_id FROM early_adjustments") == "other"
    await program.conversions.ingest(_sale(clock, occurred_at=clock.now()))
    assert [c["reversed_minor"] for c in await _commissions(program)] == [0, 0]


# A subscription sold through Stripe Checkout: recorded under its session; its refund names
# the payment of the session's first invoice.
SESSION, INVOICE, PAYMENT = "cs_live_sub1", "in_sub1", "pi_sub1"


def _stripe(clock: FrozenClock, kind: EventKind, order: str, **kw: object) -> OrderEvent:
    return OrderEvent(
        source=Source.STRIPE, kind=kind, order_id=order, occurred_at=clock.now(), **kw
    )  # type: ignore[arg-type]


def _subscription_events(clock: FrozenClock) -> dict[str, OrderEvent]:
    return {
        "sale": _sale(clock, SESSION, source=Source.STRIPE, refs=(INVOICE,)),
        "invoice paid": _stripe(clock, EventKind.ALIAS, INVOICE, refs=(PAYMENT,)),
        "refund": _stripe(clock, EventKind.REFUND, PAYMENT, refund_minor=4_000, refund_id="re_1"),
    }


@pytest.mark.parametrize(
    "order",
    [
        ("sale", "invoice paid", "refund"),
        ("invoice paid", "sale", "refund"),
        ("sale", "refund", "invoice paid"),
        ("refund", "invoice paid", "sale"),
        ("refund", "sale", "invoice paid"),
        ("invoice paid", "refund", "sale"),
    ],
)
async def test_subscription_refund_reaches_its_checkout_session(
    program: Services, clock: FrozenClock, order: tuple[str, ...]
) -> None:
    """Whatever order Stripe delivers them in, the refund of a subscription's first payment
    reverses the commission of the Checkout session; redeliveries change nothing."""
    events = _subscription_events(clock)
    for name in order:
        assert await program.conversions.ingest(events[name]) is IngestOutcome.RECORDED
    for name in order:
        assert await program.conversions.ingest(events[name]) is IngestOutcome.DUPLICATE
    [commission] = await _commissions(program)
    assert (commission["amount_minor"], commission["reversed_minor"]) == (1_000, 400)
    assert await program.db.fetch_val("SELECT refunded_minor FROM conversions") == 4_000
    assert await program.db.fetch_val("SELECT COUNT(*) FROM early_adjustments") == 0
    unresolved = "SELECT COUNT(*) FROM order_aliases WHERE resolved = 0"
    assert await program.db.fetch_val(unresolved) == 0


async def test_refund_naming_the_invoice_needs_no_invoice_event(
    program: Services, clock: FrozenClock
) -> None:
    """Older Stripe API versions name the charge's invoice: that is enough, before or after
    the sale."""
    refund = _stripe(clock, EventKind.CANCEL, PAYMENT, refs=(INVOICE,))
    assert await program.conversions.ingest(refund) is IngestOutcome.RECORDED
    await program.conversions.ingest(_subscription_events(clock)["sale"])
    [commission] = await _commissions(program)
    assert (commission["reversed_minor"], commission["state"]) == (1_000, "reversed")
    other = _sale(clock, "cs_live_sub2", source=Source.STRIPE, refs=("in_sub2",))
    await program.conversions.ingest(other)
    late = _stripe(clock, EventKind.CANCEL, "pi_sub2", refs=("in_sub2",))
    assert await program.conversions.ingest(late) is IngestOutcome.RECORDED
    assert [c["state"] for c in await _commissions(program)] == ["reversed", "reversed"]


async def test_renewal_refund_leaves_the_first_sale_alone(
    program: Services, clock: FrozenClock
) -> None:
    """A later invoice of the same subscription is not the sale: its refund is kept as
    unmatched and dropped after 30 days, with its alias. The first payment's alias stays: a
    refund months later still finds the sale."""
    events = _subscription_events(clock)
    await program.conversions.ingest(events["sale"])
    await program.conversions.ingest(events["invoice paid"])
    await program.conversions.ingest(_stripe(clock, EventKind.ALIAS, "in_renew", refs=("pi_r",)))
    refund = _stripe(clock, EventKind.REFUND, "pi_r", refund_minor=4_000, refund_id="re_r")
    assert await program.conversions.ingest(refund) is IngestOutcome.RECORDED
    [commission] = await _commissions(program)
    assert commission["reversed_minor"] == 0
    clock.advance(days=31)
    await program.conversions.ingest(_stripe(clock, EventKind.ALIAS, "in_next", refs=("pi_n",)))
    aliases = await program.db.fetch_all("SELECT alias, order_id FROM order_aliases ORDER BY 1")
    assert [tuple(a) for a in aliases] == [
        (INVOICE, SESSION),
        ("pi_n", "in_next"),
        (PAYMENT, SESSION),
    ]
    clock.advance(days=60)
    await program.conversions.ingest(_stripe(clock, EventKind.CANCEL, PAYMENT))
    [commission] = await _commissions(program)
    assert commission["state"] == "reversed"


async def test_manager_finds_a_subscription_by_its_payment(
    program: Services, clock: FrozenClock
) -> None:
    """/conversion reverse accepts the payment or invoice id of a subscription's sale."""
    events = _subscription_events(clock)
    await program.conversions.ingest(events["sale"])
    await program.conversions.ingest(events["invoice paid"])
    for name in (PAYMENT, INVOICE, SESSION):
        found = await program.conversions.find(GUILD, name, "stripe")
        assert found.order_id == SESSION


async def test_refund_after_payout_is_clawed_back(program: Services, clock: FrozenClock) -> None:
    """A refund of a paid commission becomes a negative approved balance (next payout)."""
    await program.settings.update(GUILD, MANAGER, {"hold_days": 0})
    await program.conversions.ingest(_sale(clock))
    anna = await program.onboarding.creator_by_member(GUILD, 501)
    async with program.db.transaction() as tx:  # what a payout run does
        await tx.execute("UPDATE commissions SET state = 'paid'")
        await tx.execute(
            """INSERT INTO ledger_entries (guild_id, creator_id, commission_id, bucket, kind,
                   amount_minor, currency, created_at)
               VALUES (1, ?, 1, 'approved', 'payout', -1000, 'EUR', 0),
                      (1, ?, 1, 'paid', 'payout', 1000, 'EUR', 0)""",
            anna.id,
            anna.id,
        )
    await program.conversions.ingest(_refund(clock, "1001", 5_000, "r1"))
    balances = await _balances(program)
    assert (balances.paid, balances.approved, balances.clawed_back) == (1_000, -500, 500)


async def test_maturation_after_hold(program: Services, clock: FrozenClock) -> None:
    """The sweep approves a commission only once its hold period is over."""
    await program.conversions.ingest(_sale(clock))
    clock.advance(days=29)
    assert await program.conversions.mature() == 0
    clock.advance(days=1)
    assert await program.conversions.mature() == 1
    assert await program.conversions.mature() == 0
    balances = await _balances(program)
    assert (balances.pending, balances.approved) == (0, 1_000)


async def test_no_hold_approves_at_once(program: Services, clock: FrozenClock) -> None:
    """hold_days 0: the commission is approved right away."""
    await program.settings.update(GUILD, MANAGER, {"hold_days": 0})
    await program.conversions.ingest(_sale(clock))
    assert (await _balances(program)).approved == 1_000


async def test_self_purchase_held_then_released(program: Services, clock: FrozenClock) -> None:
    """The creator buying with their own e-mail is held until a manager releases it."""
    await program.conversions.ingest(_sale(clock, customer_email="ANNA@example.com"))
    [commission] = await _commissions(program)
    assert (commission["state"], commission["hold_reason"]) == ("on_hold", "self_purchase")
    assert (await _balances(program)).on_hold == 1_000
    released = await program.conversions.release(GUILD, MANAGER, "1001")
    assert released.state == "pending"
    balances = await _balances(program)
    assert (balances.on_hold, balances.pending) == (0, 1_000)


async def test_same_order_two_sources_held(program: Services, clock: FrozenClock) -> None:
    """The same order id arriving from a second source is held as a likely duplicate."""
    await program.conversions.ingest(_sale(clock))
    await program.conversions.ingest(_sale(clock, source=Source.POSTBACK))
    states = [(c["state"], c["hold_reason"]) for c in await _commissions(program)]
    assert states == [("pending", None), ("on_hold", "duplicate_order")]


async def test_visitor_velocity_held(program: Services, clock: FrozenClock) -> None:
    """From the sixth order of one visitor within a day, commissions are held."""
    await _seed_click(program, 501, "clk-v", to_epoch(clock.now()) - 60, visitor="same")
    for n in range(7):
        await program.conversions.ingest(_sale(clock, f"v{n}", codes=(), click_id="clk-v"))
    states = [c["state"] for c in await _commissions(program)]
    assert states == ["pending"] * 5 + ["on_hold"] * 2


async def test_tiered_plan_crossing_threshold(program: Services, clock: FrozenClock) -> None:
    """10 % below €1 000 in the month, 20 % from the order that crosses it."""
    await program.plans.create(
        GUILD, MANAGER, name="Growth", kind="tiered", levels="0:10, 1000:20", basis="revenue"
    )
    await program.plans.assign(GUILD, MANAGER, 501, "Growth")
    for order, net in (("t1", 60_000), ("t2", 60_000), ("t3", 10_000)):
        await program.conversions.ingest(_sale(clock, order, net))
    assert [c["amount_minor"] for c in await _commissions(program)] == [6_000, 12_000, 2_000]


async def test_tiered_resets_each_month(program: Services, clock: FrozenClock) -> None:
    """A new calendar month starts from the first level again."""
    await program.plans.create(
        GUILD, MANAGER, name="Growth", kind="tiered", levels="0:10,1:20", basis="sales"
    )
    await program.plans.assign(GUILD, MANAGER, 501, "Growth")
    await program.conversions.ingest(_sale(clock, "m1", 1_000))
    clock.advance(days=1)
    await program.conversions.ingest(_sale(clock, "m2", 1_000))
    clock.set(clock.now().replace(month=12, day=1, hour=0))
    await program.conversions.ingest(_sale(clock, "m3", 1_000))
    assert [c["amount_minor"] for c in await _commissions(program)] == [200, 200, 200]


async def test_cpa_and_cpl(program: Services, clock: FrozenClock) -> None:
    """CPA pays a flat amount per sale; CPL per lead, not per sale."""
    await program.plans.create(GUILD, MANAGER, name="Flat", kind="cpa", amount="7.50")
    await program.plans.create(GUILD, MANAGER, name="Leads", kind="cpl", amount="2")
    await program.plans.assign(GUILD, MANAGER, 501, "Flat")
    await program.plans.assign(GUILD, MANAGER, 502, "Leads")
    await program.conversions.ingest(_sale(clock, "c1", 99_999))
    await program.conversions.ingest(_sale(clock, "c2", 5_000, codes=("bert15",)))
    await program.conversions.ingest(_sale(clock, "c3", 0, codes=("bert15",), kind=EventKind.LEAD))
    assert [c["amount_minor"] for c in await _commissions(program)] == [750, 200]


async def test_manual_add_and_reverse(program: Services, clock: FrozenClock) -> None:
    """A manager can book a sale by hand and cancel an order; both are audited."""
    order = await program.conversions.add_manual(GUILD, MANAGER, 502, 20_000, "phone-1")
    assert order == "phone-1"
    await program.conversions.reverse(GUILD, MANAGER, "phone-1")
    [commission] = await _commissions(program)
    assert (commission["amount_minor"], commission["state"]) == (2_000, "reversed")
    actions = [e.action for e in await program.audit.recent(program.db, GUILD)]
    assert "conversion.add" in actions and "conversion.reverse" in actions


async def test_ledger_sums_match_commissions(program: Services, clock: FrozenClock) -> None:
    """Across sales, refunds and maturation the ledger total equals what was accrued."""
    await program.conversions.ingest(_sale(clock, "l1", 10_000))
    await program.conversions.ingest(_sale(clock, "l2", 5_555))
    await program.conversions.ingest(_refund(clock, "l2", 1_111, "r"))
    clock.advance(days=31)
    await program.conversions.mature()
    total = await program.db.fetch_val("SELECT SUM(amount_minor) FROM ledger_entries")
    accrued = await program.db.fetch_val("SELECT SUM(amount_minor) FROM commissions")
    assert total == accrued
    balances = await _balances(program)
    assert balances.approved + balances.reversed == accrued


async def test_gross_refund_scaled_to_net(program: Services, clock: FrozenClock) -> None:
    """A refund stated on the amount paid (Stripe) reverses the matching share of net."""
    await program.conversions.ingest(_sale(clock, "pi_1", 10_000, extra={"gross_minor": "12100"}))
    refund = OrderEvent(
        source=Source.SHOPIFY,
        kind=EventKind.REFUND,
        order_id="pi_1",
        occurred_at=clock.now(),
        refund_minor=6_050,
        refund_id="re_1",
        extra={"refund_basis": "gross"},
    )
    await program.conversions.ingest(refund)
    [commission] = await _commissions(program)
    assert commission["reversed_minor"] == 500


async def test_tax_inclusive_shopify_refund_reverses_its_net_share(
    program: Services, clock: FrozenClock
) -> None:
    """€121 incl. €21 VAT earns 10 % of €100; refunding a €60.50 line reverses €5.00."""
    order = {
        "id": 7001,
        "currency": "EUR",
        "subtotal_price": "121.00",
        "total_price": "121.00",
        "taxes_included": True,
        "discount_codes": [{"code": "ANNA15"}],
        "line_items": [
            {"id": 1, "price": "60.50", "tax_lines": [{"price": "10.50"}]},
            {"id": 2, "price": "60.50", "tax_lines": [{"price": "10.50"}]},
        ],
        "created_at": "2026-11-23T10:00:00+00:00",
    }
    refund = {
        "id": 8001,
        "order_id": 7001,
        "refund_line_items": [
            {"subtotal_set": {"shop_money": {"amount": "60.50", "currency_code": "EUR"}}}
        ],
        "transactions": [],
    }
    for topic, body in (("orders/create", order), ("refunds/create", refund)):
        for event in shopify_events(topic, body, received_at=clock.now()):
            await program.conversions.ingest(event)
    [commission] = await _commissions(program)
    assert (commission["amount_minor"], commission["reversed_minor"]) == (1_000, 500)
