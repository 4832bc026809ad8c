"""Direct messages through discord.py, mapped onto the notification service's outcomes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord

from bot.interactions import NO_MENTIONS
from bot.services.notifications import RecipientUnreachable

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
