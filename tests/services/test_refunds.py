"""Refunds that cannot be taken as sent: held, estimated, corrected by a manager; and the
explanation of every figure (``ConversionService.info``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FrozenClock, to_epoch
from bot.domain.derivation import Label, Note
from bot.domain.orders import EventKind, IngestOutcome, OrderEvent, Source
from bot.domain.shop_payloads import shopify_events, woocommerce_events
from bot.errors import CreatorbotError
from bot.i18n import render
from bot.registry import Services
from bot.services.refunds import NothingToCorrect, RefundTooLarge
from tests.services.test_conversions import _commissions, _creator, _sale

GUILD, MANAGER = 1, 900


@pytest.fixture
async def program(services: Services) -> Services:
    """One creator, anna (code ANNA15), in a program paying in AUD."""
    await services.settings.update(
        GUILD,
        MANAGER,
        {"review_channel": 10, "shop_url": "https://shop.example.com", "currency": "AUD"},
    )
    await _creator(services, 501, "anna")
    return services


def _refund(clock: FrozenClock, order: str, minor: int, **kw: object) -> OrderEvent:
    values: dict[str, object] = {
        "source": Source.SHOPIFY,
        "kind": EventKind.REFUND,
        "order_id": order,
        "occurred_at": clock.now(),
        "refund_minor": minor,
        "refund_id": "r1",
    }
    values.update(kw)
    return OrderEvent(**values)  # type: ignore[arg-type]


async def _ledger(services: Services) -> dict[str, int]:
    rows = await services.db.fetch_all(
        "SELECT bucket, SUM(amount_minor) AS total FROM ledger_entries GROUP BY bucket"
    )
    return {r["bucket"]: r["total"] for r in rows}


async def test_refund_in_another_currency_is_held_not_applied(
    program: Services, clock: FrozenClock
) -> None:
    """34.67 USD refunded on an AUD sale takes nothing and is held with what was sent."""
    await program.conversions.ingest(_sale(clock, "1", 10_000, currency="AUD"))
    outcome = await program.conversions.ingest(
        _refund(clock, "1", 3_467, currency="USD", currency_uncertain=True)
    )
    assert outcome is IngestOutcome.RECORDED
    [commission] = await _commissions(program)
    assert commission["reversed_minor"] == 0
    info = await program.conversions.info(GUILD, "1")
    [held] = info.adjustments
    assert (held.state, held.amount_minor, held.sent_minor, held.sent_currency) == (
        "held",
        0,
        3_467,
        "USD",
    )
    assert held.derivation is not None and held.derivation.note is Note.FOREIGN
    assert held.derivation.currency == "USD"
    [entry] = await program.audit.recent(program.db, GUILD, limit=1)
    assert entry.action == "conversion.refund_held"


async def test_refund_in_the_sales_currency_applies_even_if_uncertain(
    program: Services, clock: FrozenClock
) -> None:
    """A presentment currency that is the sale's own is no reason to hold."""
    await program.conversions.ingest(_sale(clock, "1", 10_000, currency="AUD"))
    await program.conversions.ingest(
        _refund(clock, "1", 2_500, currency="AUD", currency_uncertain=True)
    )
    [commission] = await _commissions(program)
    assert commission["reversed_minor"] == 250


async def test_manager_enters_a_held_refund(program: Services, clock: FrozenClock) -> None:
    """The manager's AUD amount replaces the held USD one and reverses its share."""
    await program.conversions.ingest(_sale(clock, "1", 10_000, currency="AUD"))
    await program.conversions.ingest(_refund(clock, "1", 3_467, currency="USD"))
    corrected, info = await program.conversions.correct_refund(GUILD, MANAGER, "1", 5_212)
    assert (corrected.refund_key, corrected.state, corrected.amount_minor) == (
        "r1",
        "corrected",
        5_212,
    )
    assert corrected.actor_id == MANAGER
    assert info.conversion.refunded_minor == 5_212
    assert info.commission is not None and info.commission.reversed_minor == 521


def _woo_order(status: str = "processing", refunds: list | None = None) -> dict:
    """An order of 100.00 items + 21.00 tax, 112.00 shipping, coupon ANNA15."""
    return {
        "id": 77,
        "status": status,
        "currency": "AUD",
        "total": "233.00",
        "shipping_total": "112.00",
        "total_tax": "21.00",
        "line_items": [{"id": 1, "subtotal": "100.00", "total": "100.00", "total_tax": "21.00"}],
        "coupon_lines": [{"code": "anna15"}],
        "refunds": refunds or [],
    }


async def _woo(program: Services, clock: FrozenClock, order: dict) -> None:
    for event in woocommerce_events(order, received_at=clock.now()):
        await program.conversions.ingest(event)


async def test_woo_refund_without_lines_is_estimated_and_audited(
    program: Services, clock: FrozenClock
) -> None:
    """A 112.00 refund (the shipping) is estimated as product revenue and says so."""
    await _woo(program, clock, _woo_order())
    await _woo(program, clock, _woo_order(refunds=[{"id": 90, "total": "-112.00"}]))
    info = await program.conversions.info(GUILD, "77")
    [refund] = info.adjustments
    assert (refund.state, refund.amount_minor) == ("estimated", 9_256)  # 112 × 100 / 121
    assert info.commission is not None and info.commission.reversed_minor == 926
    [entry] = await program.audit.recent(program.db, GUILD, limit=1)
    assert (entry.action, entry.detail["refund"]) == ("conversion.refund_estimated", "90")


async def test_correcting_an_estimate_down_gives_commission_back(
    program: Services, clock: FrozenClock
) -> None:
    """Setting the shipping-only refund to 0 restores the whole commission, in the ledger."""
    await _woo(program, clock, _woo_order())
    await _woo(program, clock, _woo_order(refunds=[{"id": 90, "total": "-112.00"}]))
    _refund_row, info = await program.conversions.correct_refund(GUILD, MANAGER, "77", 0)
    assert info.conversion.refunded_minor == 0
    assert info.commission is not None
    assert (info.commission.reversed_minor, info.commission.state) == (0, "pending")
    assert await _ledger(program) == {"pending": 1_000, "reversed": 0}


async def test_correcting_a_fully_reversed_commission_restores_its_state(
    program: Services, clock: FrozenClock
) -> None:
    """A refund estimated at the whole net, lowered to half, brings back half, approved."""
    await program.settings.update(GUILD, MANAGER, {"hold_days": "0"})
    await _woo(program, clock, _woo_order())
    await _woo(program, clock, _woo_order(refunds=[{"id": 90, "total": "-233.00"}]))
    [before] = await _commissions(program)
    assert before["state"] == "reversed"
    _row, info = await program.conversions.correct_refund(GUILD, MANAGER, "77", 5_000)
    assert info.commission is not None
    assert (info.commission.state, info.commission.reversed_minor) == ("approved", 500)
    assert await _ledger(program) == {"approved": 500, "reversed": 500}


async def test_correction_after_payout_undoes_the_clawback(
    program: Services, clock: FrozenClock
) -> None:
    """A refund clawed back after payout and then corrected to 0 cancels the deduction."""
    await program.conversions.ingest(_sale(clock, "1", 10_000, currency="AUD"))
    await program.db.execute("UPDATE commissions SET state = 'paid'")
    await program.conversions.ingest(_refund(clock, "1", 4_000, currency="AUD"))
    assert (await _ledger(program))["approved"] == -400
    await program.conversions.correct_refund(GUILD, MANAGER, "1", 0, refund_key="r1")
    [commission] = await _commissions(program)
    assert (commission["state"], commission["reversed_minor"]) == ("paid", 0)
    assert (await _ledger(program))["approved"] == 0


async def test_a_manual_refund_when_none_is_open(program: Services, clock: FrozenClock) -> None:
    """With no estimated or held refund, the amount is booked as a new refund."""
    await program.conversions.ingest(_sale(clock, "1", 10_000, currency="AUD"))
    corrected, info = await program.conversions.correct_refund(GUILD, MANAGER, "1", 2_000)
    assert (corrected.refund_key, corrected.kind) == ("manual:1", "refund")
    assert info.commission is not None and info.commission.reversed_minor == 200


async def test_a_refund_larger_than_what_is_left_is_refused(
    program: Services, clock: FrozenClock
) -> None:
    """Nothing changes when the amount exceeds the order's remaining net."""
    await program.conversions.ingest(_sale(clock, "1", 10_000, currency="AUD"))
    await program.conversions.ingest(_refund(clock, "1", 6_000, currency="AUD"))
    with pytest.raises(RefundTooLarge):
        await program.conversions.correct_refund(GUILD, MANAGER, "1", 5_000)
    info = await program.conversions.info(GUILD, "1")
    assert info.conversion.refunded_minor == 6_000


async def test_an_unknown_refund_id_is_refused(program: Services, clock: FrozenClock) -> None:
    """Naming a refund the order does not have changes nothing."""
    await program.conversions.ingest(_sale(clock, "1", 10_000, currency="AUD"))
    with pytest.raises(NothingToCorrect):
        await program.conversions.correct_refund(GUILD, MANAGER, "1", 100, refund_key="nope")
    assert (await program.conversions.info(GUILD, "1")).adjustments == []


async def test_a_cancelled_order_cannot_be_corrected(program: Services, clock: FrozenClock) -> None:
    """After a cancellation there is nothing left to set."""
    await program.conversions.ingest(_sale(clock, "1", 10_000, currency="AUD"))
    cancel = OrderEvent(Source.SHOPIFY, EventKind.CANCEL, "1", clock.now())
    await program.conversions.ingest(cancel)
    with pytest.raises(CreatorbotError):
        await program.conversions.correct_refund(GUILD, MANAGER, "1", 100)


async def test_hold_runs_from_when_the_paid_sale_is_recorded(
    program: Services, clock: FrozenClock
) -> None:
    """An order placed 40 days ago and delivered now is pending for the whole hold."""
    placed = clock.now() - timedelta(days=40)
    await program.conversions.ingest(_sale(clock, "1", 10_000, currency="AUD", occurred_at=placed))
    info = await program.conversions.info(GUILD, "1")
    assert info.commission is not None
    assert info.commission.state == "pending"
    assert info.commission.approve_after == to_epoch(clock.now()) + 30 * 86_400


async def test_authorized_order_earns_only_once_paid(program: Services, clock: FrozenClock) -> None:
    """orders/create while authorized is ignored; orders/paid then records the sale."""
    order = {
        "id": 4242,
        "currency": "AUD",
        "financial_status": "authorized",
        "subtotal_price": "50.00",
        "discount_codes": [{"code": "ANNA15"}],
    }
    assert shopify_events("orders/create", order, received_at=clock.now()) == []
    paid = dict(order, financial_status="paid")
    [sale] = shopify_events("orders/paid", paid, received_at=clock.now())
    await program.conversions.ingest(sale)
    [commission] = await _commissions(program)
    assert commission["amount_minor"] == 500


async def test_voided_order_earns_nothing_and_its_cancellation_cancels(
    clock: FrozenClock,
) -> None:
    """A voided authorization is no sale; its orders/cancelled is a cancellation."""
    order = {"id": 4243, "currency": "AUD", "financial_status": "voided"}
    assert shopify_events("orders/create", order, received_at=clock.now()) == []
    [event] = shopify_events("orders/cancelled", order, received_at=clock.now())
    assert event.kind is EventKind.CANCEL


async def test_info_explains_net_attribution_and_refunds(
    program: Services, clock: FrozenClock
) -> None:
    """The stored derivation names its terms and fields; the text shows them in EN and NL."""
    await _woo(program, clock, _woo_order())
    await _woo(program, clock, _woo_order(refunds=[{"id": 90, "total": "-112.00"}]))
    info = await program.conversions.info(GUILD, "77")
    derivation = info.conversion.derivation
    assert derivation is not None
    assert (Label.ITEMS, 10_000, 1) in derivation.terms
    assert (Label.SHIPPING, 11_200, 0) in derivation.terms
    context = {"i": info, "currency": "AUD", "timezone": "UTC", "occurred": clock.now()}
    context["approve_after"] = clock.now()
    english = render("conversions.info", "en", **context)
    dutch = render("conversions.info", "nl", **context)
    assert "items A$100.00 net; tax A$21.00 and shipping A$112.00 not counted" in english
    assert "by code `ANNA15`" in english
    assert "**estimated**" in english
    assert "verzending" in dutch and "**geschat**" in dutch


async def test_foreign_refund_of_a_charge_is_its_share_of_the_sale(
    program: Services, clock: FrozenClock
) -> None:
    """A refund of 20 of a 40 USD charge takes half of an AUD sale: a share needs no rate."""
    await program.conversions.ingest(_sale(clock, "pi_1", 6_000, currency="AUD"))
    extra = {"refund_basis": "gross", "gross_minor": "4000"}
    await program.conversions.ingest(_refund(clock, "pi_1", 2_000, currency="USD", extra=extra))
    info = await program.conversions.info(GUILD, "pi_1")
    [refund] = info.adjustments
    assert (refund.state, refund.amount_minor) == ("applied", 3_000)
    assert refund.derivation is not None and refund.derivation.currency == "USD"
    context = {"i": info, "currency": "AUD", "timezone": "UTC", "occurred": clock.now()}
    text = render("conversions.info", "en", approve_after=clock.now(), **context)
    assert "refund US$20.00, as a share of net × A$60.00 / US$40.00 = A$30.00 net" in text
