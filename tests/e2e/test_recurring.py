"""Recurring commissions through the real client: a manager makes a lifetime plan, a
returning customer's order earns on it, and the creator's /stats and the /report show the
recurring part and the customers' lifetime value, in English and Dutch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.harness import LocalDiscord
from tests.e2e._creators import approve_creator, command

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    async with LocalDiscord(tmp_path / "recurring.db", clock=clock) as w:
        cast = w.cast
        await w.services.settings.update(
            cast.guild.id,
            cast.manager.id,
            {"review_channel": cast.review.id, "shop_url": "https://shop.example.com"},
        )
        await approve_creator(w, "anna", "anna.bakes")
        w.emu.allow_command(cast.guild.id, "plan", user_id=cast.manager.id)
        yield w


def _order(clock: FrozenClock, order: str, net: int, codes: tuple[str, ...] = ()) -> OrderEvent:
    return OrderEvent(
        source=Source.SHOPIFY,
        kind=EventKind.SALE,
        order_id=order,
        occurred_at=clock.now(),
        currency="EUR",
        net_minor=net,
        codes=codes,
        customer_email="bob@example.com",
        customer_ids=("shopify:customer:207119551",),
    )


def _text(it) -> str:  # type: ignore[no-untyped-def]
    parts = [it.content or ""] + [m.content or "" for m in it.followups]
    for embeds in [it.embeds, *[m.embeds for m in it.followups]]:
        for embed in embeds or []:
            parts.append(embed.get("description", ""))
            parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def test_lifetime_plan_pays_a_returning_customer(
    world: LocalDiscord, clock: FrozenClock
) -> None:
    """The manager's /plan create says the plan pays for life; a month later the same
    customer orders without the code, and anna's /stats and the /report show it."""
    cast, manager, anna = world.cast, world.cast.manager, world.cast.members["anna"]
    created = await world.emu.invoke(
        manager.id,
        "plan create",
        options={
            "name": "Subscribers",
            "kind": "revenue_share",
            "rate": "20",
            "recurring": "lifetime",
        },
        guild_id=cast.guild.id,
    )
    await created.wait_response()
    assert "for life" in _text(created)
    assigned = await command(world, manager, "plan assign", member=anna.id, plan="Subscribers")
    assert "Subscribers" in _text(assigned)
    await world.services.conversions.ingest(_order(clock, "1001", 10_000, ("annabakes15",)))
    clock.advance(days=31)
    await world.services.conversions.ingest(_order(clock, "1002", 5_000))
    stats = await command(world, anna, "stats")
    assert "of which from returning customers: €10.00" in _text(stats)
    report = await command(world, manager, "report", period="all")
    text = _text(report)
    assert "Returning customers" in text
    assert "Customers brought:** 1" in text and "€150.00" in text
    nl = await world.emu.invoke(anna.id, "stats", guild_id=cast.guild.id, locale="nl")
    await nl.wait_response()
    if nl.response_type == 5:
        await nl.wait_followups(1)
    assert "waarvan van terugkerende klanten: €\xa010,00" in _text(nl)
    world.emu.assert_no_violations()


@pytest.mark.parametrize(
    ("locale", "answer"),
    [("en-US", "needs `months`"), ("nl", "heeft `months` nodig")],
)
async def test_months_without_a_number_is_refused(
    world: LocalDiscord, locale: str, answer: str
) -> None:
    """Recurring for months without `months` is refused in the manager's language and
    creates no plan."""
    it = await world.emu.invoke(
        world.cast.manager.id,
        "plan create",
        options={"name": "Half", "kind": "revenue_share", "rate": "10", "recurring": "months"},
        guild_id=world.cast.guild.id,
        locale=locale,
    )
    await it.wait_response()
    if it.response_type == 5:
        await it.wait_followups(1)
    assert answer in _text(it)
    plans = await world.services.plans.list(world.cast.guild.id)
    assert "Half" not in [p.name for p in plans]
