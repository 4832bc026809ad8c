"""Helpers for e2e tests of money: approved creators, shop sales, commands that defer."""

from __future__ import annotations

from typing import Any

from bot.clock import FrozenClock
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.harness import LocalDiscord


async def approve_creator(  # type: ignore[no-untyped-def]
    world: LocalDiscord, name: str, handle: str, locale: str = "en-US", platform: str = "instagram"
):
    """A member applies with /apply and a manager clicks Approve on the card."""
    cast = world.cast
    member = world.add_member(name, locale=locale)
    it = await world.emu.invoke(
        member.id,
        "apply",
        options={"platform": platform, "handle": handle, "followers": 8200, "niche": "baking"},
        guild_id=cast.guild.id,
    )
    await it.wait_followups(1)
    card = world.emu.messages(cast.review.id)[-1]
    click = await world.emu.click(card, label="Approve", user_id=cast.manager.id)
    await click.wait_followups(1)
    return member


async def sell(world: LocalDiscord, clock: FrozenClock, order: str, net: int, code: str) -> None:
    """A shop order with the creator's code (10 % commission, approved at once)."""
    await world.services.conversions.ingest(
        OrderEvent(
            source=Source.SHOPIFY,
            kind=EventKind.SALE,
            order_id=order,
            occurred_at=clock.now(),
            currency="EUR",
            net_minor=net,
            codes=(code,),
        )
    )


async def command(world: LocalDiscord, user: Any, name: str, **options: Any):  # type: ignore[no-untyped-def]
    it = await world.emu.invoke(user.id, name, options=options, guild_id=world.cast.guild.id)
    await it.wait_response()
    if it.response_type == 5:  # deferred: the answer is the first followup
        await it.wait_followups(1)
    return it


async def approved_creators(
    world: LocalDiscord, n: int, *, prefix: str, locale: str = "en", platform: str = "instagram"
) -> list[Any]:
    """``n`` server members approved as creators straight through the services (no cards,
    no welcome DMs): ``{prefix}000``, ``{prefix}001``, …"""
    cast, svc = world.cast, world.services
    members = []
    for i in range(n):
        member = world.add_member(f"{prefix}{i:03d}", locale="nl" if locale == "nl" else "en-US")
        applied = await svc.onboarding.apply(
            cast.guild.id,
            member.id,
            platform=platform,
            handle=f"{prefix}{i:03d}",
            followers=5_000,
            niche="baking",
            locale=locale,
        )
        await svc.onboarding.approve(cast.guild.id, applied.application.id, cast.manager.id)
        members.append(member)
    return members
