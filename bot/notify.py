"""Direct messages through discord.py, mapped onto the notification service's outcomes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.domain.broadcasts import LEFT
from bot.domain.jobs import ItemResult, ItemState
from bot.domain.notices import Notice
from bot.interactions import NO_MENTIONS
from bot.services.broadcasts import dm_outcome
from bot.services.notifications import Delivery, NotificationService, RecipientUnreachable

log = logging.getLogger(__name__)

CANNOT_DM = 50007


async def send_dm(client: discord.Client, user_id: int, **message: Any) -> discord.Message:
    """Send a DM; raise :class:`RecipientUnreachable` if the user's DMs are closed."""
    channel = await client.create_dm(discord.Object(id=user_id))
    try:
        return await channel.send(allowed_mentions=NO_MENTIONS, **message)
    except discord.Forbidden as exc:
        if exc.code == CANNOT_DM:
            raise RecipientUnreachable() from exc
        raise


async def dm_holds(
    client: discord.Client, user_id: int, match: Callable[[discord.Message], bool], limit: int = 10
) -> bool:
    """Whether the bot's recent DMs to the user include one that ``match`` recognises (to
    settle a message a stopped run may or may not have sent)."""
    channel = await client.create_dm(discord.Object(id=user_id))
    assert client.user is not None
    try:
        async for message in channel.history(limit=limit):
            if message.author.id == client.user.id and match(message):
                return True
    except discord.Forbidden:
        return False
    return False


async def dm_job_item(
    client: discord.Client,
    notifications: NotificationService,
    guild_id: int,
    notice: Notice,
    earlier: Delivery | None,
    message: Callable[[], Awaitable[dict[str, Any]]],
    holds: Callable[[discord.Message], bool],
) -> ItemResult:
    """One item of a DM job (an offer, a broadcast, a bounty), exactly once.

    ``earlier`` is what became of the item before a restart (None: never tried). A DM a
    stopped run claimed but never recorded is sent unless ``holds`` recognises it among the
    bot's recent DMs. ``message`` builds the DM's contents only when one is to be sent. A DM
    refused because the member left the server counts as left.
    """
    user_id = notice.user_id
    delivery = earlier
    if delivery is None or delivery is Delivery.UNFINISHED:
        contents = await message()

        async def send() -> None:
            await send_dm(client, user_id, **contents)

        if delivery is None:
            delivery = await notifications.send_once(notice, send)
        else:
            delivery = await notifications.settle(
                notice, send, lambda: dm_holds(client, user_id, holds)
            )
    # Discord refuses DMs to someone who shares no server with the bot any more.
    if delivery is Delivery.UNDELIVERABLE and not await is_member(client, guild_id, user_id):
        return ItemResult(ItemState.SKIPPED, LEFT)
    return ItemResult(ItemState.DONE, dm_outcome(delivery))


async def add_role(
    client: discord.Client, guild_id: int, user_id: int, role_id: int, reason: str
) -> bool:
    """Give a member a role; False (logged) if Discord refuses, e.g. the role is above ours."""
    try:
        await client.http.add_role(guild_id, user_id, role_id, reason=reason)
    except discord.HTTPException as exc:
        log.warning("could not add role %s in guild %s: %s", role_id, guild_id, exc.status)
        return False
    return True


async def remove_role(
    client: discord.Client, guild_id: int, user_id: int, role_id: int, reason: str
) -> bool:
    """Take a role away; False (logged) if Discord refuses."""
    try:
        await client.http.remove_role(guild_id, user_id, role_id, reason=reason)
    except discord.HTTPException as exc:
        if exc.status == 404:
            return True  # the member already left or lost the role
        log.warning("could not remove role %s in guild %s: %s", role_id, guild_id, exc.status)
        return False
    return True


UNKNOWN_MEMBER = 10007
UNKNOWN_USER = 10013


async def is_member(client: discord.Client, guild_id: int, user_id: int) -> bool:
    """Whether the user is still a member of the server (one request; the bot has no
    members intent). Any answer but Discord's "unknown member/user" counts as yes."""
    try:
        await client.http.get_member(guild_id, user_id)
    except discord.NotFound as exc:
        if exc.code in (UNKNOWN_MEMBER, UNKNOWN_USER):
            return False
        return True
    except discord.HTTPException as exc:
        log.warning("could not look up a member of guild %s: %s", guild_id, exc.status)
    return True
