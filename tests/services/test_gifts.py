"""GiftService: offers, answers within the stock, delivery, retention; real SQLite."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta

import pytest

from bot.clock import FrozenClock, to_epoch
from bot.domain.deliverables import InvalidDue
from bot.domain.gifts import ClaimState, InvalidAddress, InvalidOffer
from bot.domain.jobs import JobKind
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.i18n import render
from bot.registry import Services
from bot.services.gifts import AlreadyAnswered, GiftNotYours, OfferClosed, SoldOut
from bot.services.reports import report_csv

GUILD, MANAGER = 1, 900
ADDRESS = {
    "name": "Anna Jansen",
    "street": "Oudegracht 12",
    "postcode": "3511ab",
    "city": "Utrecht",
    "country": "NL",
}


async def _program(services: Services, n: int) -> list[int]:
    """``n`` active creators (user ids 500…)."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    users = []
    for i in range(n):
        result = await services.onboarding.apply(
            GUILD, 500 + i, platform="instagram", handle=f"maker{i}", followers=5_000, niche="food"
        )
        await services.onboarding.approve(GUILD, result.application.id, MANAGER)
        users.append(500 + i)
    return users


async def _offer(services: Services, **options):  # type: ignore[no-untyped-def]
    fields = {
        "product": "Winter hoodie",
        "variants": "S, M, L",
        "cost": "24.95",
        "quantity": 100,
        "deadline": "2026-12-01 18:00",
        "segment": "all",
        **options,
    }
    return await services.gifts.create(GUILD, MANAGER, **fields)


async def _claim(services: Services, offer_id: int, user_id: int) -> int:
    query = """
        SELECT g.id FROM gift_claims g JOIN creators c ON c.id = g.creator_id
        WHERE g.offer_id = ? AND c.user_id = ?
    """
    return int(await services.db.fetch_val(query, offer_id, user_id))


async def _count(services: Services, table: str) -> int:
    return int(await services.db.fetch_val(f"SELECT count(*) FROM {table}"))


async def test_an_offer_is_stored_with_one_claim_per_creator_and_a_job(
    services: Services,
) -> None:
    """Three creators: one offer, three claims offered, one job of three items, audited."""
    await _program(services, 3)
    offer, job = await _offer(services)
    assert (offer.variants, offer.cost_minor, offer.quantity) == (("S", "M", "L"), 2495, 100)
    assert job.kind is JobKind.GIFT_OFFER and job.total == 3
    status = await services.gifts.status(GUILD, offer.id)
    assert (status.offered, status.no_answer, status.accepted) == (3, 3, 0)
    assert await services.db.fetch_val(
        "SELECT count(*) FROM audit_log WHERE action = 'gift.create'"
    )


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"quantity": 0}, InvalidOffer),
        ({"deadline": "2026-11-01 12:00"}, InvalidDue),
        ({"variants": " , "}, InvalidOffer),
        ({"cost": "cheap"}, InvalidOffer),
        ({"cost": "-3"}, InvalidOffer),
        ({"content_platform": "instagram"}, InvalidOffer),
    ],
)
async def test_bad_offers_store_nothing(
    services: Services, options: dict[str, object], error: type[Exception]
) -> None:
    """Zero stock, a past deadline, no variants, a bad cost: refused, nothing stored."""
    await _program(services, 2)
    with pytest.raises(error):
        await _offer(services, **options)
    assert await _count(services, "gift_offers") == 0
    assert await _count(services, "jobs") == 0


async def test_accept_takes_a_unit_and_books_the_cost(services: Services) -> None:
    """An acceptance stores variant and address, counts one unit and one program cost."""
    users = await _program(services, 1)
    offer, _ = await _offer(services)
    accepted = await services.gifts.accept(
        await _claim(services, offer.id, users[0]), users[0], "M", **ADDRESS
    )
    assert accepted.masked == "A. Jansen, 35** AB, NL"
    assert accepted.claim.state is ClaimState.ACCEPTED and accepted.claim.variant == "M"
    assert (await services.gifts.get(GUILD, offer.id)).claimed == 1
    gift = await services.db.fetch_one("SELECT description, cost_minor FROM gifts")
    assert (gift["description"], gift["cost_minor"]) == ("Winter hoodie (M)", 2495)


async def test_the_last_unit_goes_to_one_of_two_at_once(services: Services) -> None:
    """Two acceptances of a one-unit offer at the same time: one gets it, one is told."""
    users = await _program(services, 2)
    offer, _ = await _offer(services, quantity=1)
    claims = [await _claim(services, offer.id, u) for u in users]
    results = await asyncio.gather(
        *(services.gifts.accept(c, u, "S", **ADDRESS) for c, u in zip(claims, users, strict=True)),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Accepted", "SoldOut"]
    assert (await services.gifts.get(GUILD, offer.id)).claimed == 1
    assert await _count(services, "gifts") == 1
    stored = await services.db.fetch_val("SELECT count(*) FROM gift_claims WHERE address IS NULL")
    assert stored == 1  # the refused one kept no address


async def test_a_bad_address_stores_nothing(services: Services) -> None:
    """A bad postcode: refused, the claim still open, no unit taken."""
    users = await _program(services, 1)
    offer, _ = await _offer(services)
    claim = await _claim(services, offer.id, users[0])
    with pytest.raises(InvalidAddress):
        await services.gifts.accept(claim, users[0], "S", **{**ADDRESS, "postcode": "12"})
    assert (await services.gifts.get(GUILD, offer.id)).claimed == 0
    status = await services.gifts.status(GUILD, offer.id)
    assert status.no_answer == 1


async def test_answers_are_exactly_once_and_only_by_the_creator(services: Services) -> None:
    """A second answer is refused, and so is someone else's."""
    users = await _program(services, 2)
    offer, _ = await _offer(services)
    first, second = [await _claim(services, offer.id, u) for u in users]
    await services.gifts.decline(first, users[0])
    with pytest.raises(AlreadyAnswered):
        await services.gifts.decline(first, users[0])
    with pytest.raises(AlreadyAnswered):
        await services.gifts.accept(first, users[0], "S", **ADDRESS)
    with pytest.raises(GiftNotYours):
        await services.gifts.accept(second, users[0], "S", **ADDRESS)


async def test_sold_out_is_told_before_the_modal(services: Services) -> None:
    """Once the stock is gone, Accept of another creator says so straight away."""
    users = await _program(services, 2)
    offer, _ = await _offer(services, quantity=1)
    await services.gifts.accept(
        await _claim(services, offer.id, users[0]), users[0], "S", **ADDRESS
    )
    with pytest.raises(SoldOut):
        await services.gifts.open_claim(await _claim(services, offer.id, users[1]), users[1])


async def test_delivery_plans_the_content_and_the_address_expires(
    services: Services, clock: FrozenClock
) -> None:
    """Delivered: a reel due 14 days later; the address erased 14 days after, audited."""
    users = await _program(services, 1)
    offer, _ = await _offer(
        services, content_platform="instagram", content_kind="reel", content_days=14
    )
    claim = await _claim(services, offer.id, users[0])
    await services.gifts.accept(claim, users[0], "L", **ADDRESS)
    marked = await services.gifts.mark(GUILD, offer.id, MANAGER, None, delivered=True)
    assert marked.count == 1 and marked.delivered[0].due == (clock.now() + timedelta(days=14),)
    deliverable = await services.db.fetch_one("SELECT kind, due_at, fee_minor FROM deliverables")
    assert (deliverable["kind"], deliverable["fee_minor"]) == ("reel", 0)
    assert deliverable["due_at"] == to_epoch(clock.now() + timedelta(days=14))
    clock.advance(days=13, hours=23)
    assert await services.gifts.erase_expired() == 0
    clock.advance(hours=1)
    assert await services.gifts.erase_expired() == 1
    assert await services.db.fetch_val("SELECT address FROM gift_claims") is None
    entry = await services.db.fetch_one(
        "SELECT detail FROM audit_log WHERE action = 'gift.address_erased'"
    )
    assert "Jansen" not in entry["detail"] and "3511" not in entry["detail"]
    assert json.loads(entry["detail"])["reason"] == "retention"


async def test_cancel_erases_addresses_and_closes_the_offer(services: Services) -> None:
    """Cancelled: addresses gone, unshipped costs dropped, no more acceptances."""
    users = await _program(services, 2)
    offer, _ = await _offer(services)
    await services.gifts.accept(
        await _claim(services, offer.id, users[0]), users[0], "S", **ADDRESS
    )
    assert await services.gifts.cancel(GUILD, offer.id, MANAGER) == 1
    assert (
        await services.db.fetch_val("SELECT count(*) FROM gift_claims WHERE address IS NOT NULL")
        == 0
    )
    assert await _count(services, "gifts") == 0
    with pytest.raises(OfferClosed):
        await services.gifts.open_claim(await _claim(services, offer.id, users[1]), users[1])


async def test_gift_cost_is_program_cost_in_the_report(services: Services) -> None:
    """An accepted gift's cost shows as the creator's gift cost in /report."""
    users = await _program(services, 1)
    offer, _ = await _offer(services)
    await services.gifts.accept(
        await _claim(services, offer.id, users[0]), users[0], "S", **ADDRESS
    )
    report = await services.reports.report(GUILD, "all")
    assert report.total.gift_minor == 2495
    assert [c.performance.gift_minor for c in report.creators] == [2495]


async def test_privacy_export_and_delete_cover_the_address(services: Services) -> None:
    """/privacy export lists the address; /privacy delete erases it (counted in the audit)."""
    users = await _program(services, 1)
    offer, _ = await _offer(services)
    await services.gifts.accept(
        await _claim(services, offer.id, users[0]), users[0], "S", **ADDRESS
    )
    exported = await services.privacy.export(GUILD, users[0])
    assert exported["gifts"][0]["address"]["postcode"] == "3511 AB"
    await services.privacy.erase(GUILD, users[0])
    assert await services.db.fetch_val("SELECT address FROM gift_claims") is None
    entry = await services.db.fetch_one(
        "SELECT detail FROM audit_log WHERE action = 'privacy.delete'"
    )
    assert json.loads(entry["detail"])["gift_addresses"] == 1


async def test_status_shows_what_the_seeding_test_bought(
    services: Services, clock: FrozenClock
) -> None:
    """Three accept, two are delivered: the cost of three units, one reel of two handed in
    on time with its engagement against the nano benchmark, and only the delivered
    creators' sales since delivery; cost per order from those."""
    users = await _program(services, 3)
    offer, _ = await _offer(
        services, content_platform="instagram", content_kind="reel", content_days=14
    )
    for user in users:
        await services.gifts.accept(await _claim(services, offer.id, user), user, "M", **ADDRESS)
    codes = [
        await services.db.fetch_val(
            "SELECT d.code FROM discount_codes d JOIN creators c ON c.id = d.creator_id"
            " WHERE c.user_id = ?",
            user,
        )
        for user in users
    ]

    async def sell(order: str, code: str) -> None:
        await services.conversions.ingest(
            OrderEvent(
                Source.SHOPIFY,
                EventKind.SALE,
                order,
                clock.now(),
                currency="EUR",
                net_minor=5_000,
                codes=(code,),
            )
        )

    await sell("before", codes[0])  # before delivery: not the gift's doing
    clock.advance(hours=1)
    await services.gifts.mark(GUILD, offer.id, MANAGER, users[:2], delivered=True)
    clock.advance(days=3)
    first = await services.db.fetch_val("SELECT MIN(id) FROM deliverables")
    await services.db.execute(
        "UPDATE deliverables SET status = 'submitted', submitted_at = ?, reach = 1000,"
        " likes = 40, comments = 5, shares = 5 WHERE id = ?",
        to_epoch(clock.now()),
        first,
    )
    await sell("after", codes[0])
    await sell("undelivered", codes[2])  # the third creator's gift has not arrived
    results = (await services.gifts.status(GUILD, offer.id)).results
    assert results is not None
    assert results.cost_minor == 3 * 2_495
    assert (results.content_planned, results.content_on_time, results.content_late) == (2, 1, 0)
    assert (results.reach, results.interactions, results.expected_interactions) == (1000, 50, 27)
    assert (results.engagement_bp, results.vs_benchmark) == (500, 185)
    assert (results.orders, results.revenue_minor, results.cpa_minor) == (1, 5_000, 7_485)
    status = await services.gifts.status(GUILD, offer.id)
    english = render("gifts.status", "en", s=status, tz="UTC")
    assert "content 1 on time, 0 late, of 2 due" in english
    assert "(185 % of the tier benchmark)" in english and "cost per order €74.85" in english
    dutch = render("gifts.status", "nl", s=status, tz="UTC")
    assert "kosten per bestelling €\xa074,85" in dutch and "1 op tijd" in dutch

    # /report shows the same seeding results per offer, side by side with the program.
    report = await services.reports.report(GUILD, "all")
    seeding = await services.gifts.seeding(GUILD, report.since, report.until)
    assert [s.offer.id for s in seeding] == [offer.id]
    section = render("reports.seeding", "en", offers=seeding, more=0)
    assert "**Winter hoodie** · cost €74.85 · 3 accepted, 2 delivered" in section
    assert "content 1/2 on time" in section and "CPA €74.85" in section
    rows = list(csv.DictReader(io.StringIO(report_csv(report, seeding).decode())))
    [row] = [r for r in rows if r["row"] == "offer"]
    assert (row["creator_id"], row["handle"], row["creators"]) == (
        str(offer.id),
        "Winter hoodie",
        "3",
    )
    assert (row["orders"], row["net_revenue"], row["gift_costs"], row["cpa"]) == (
        "1",
        "50.00",
        "74.85",
        "74.85",
    )
    assert (row["reach"], row["engagement_rate_pct"], row["engagement_vs_benchmark_pct"]) == (
        "1000",
        "5.00",
        "185",
    )
    assert len(row) == len(rows[0])
    after_it = offer.created_at + timedelta(seconds=1)
    assert await services.gifts.seeding(GUILD, after_it, clock.now()) == []  # made before
