"""A bounty's announcement, and each win told once by DM and in the bounty's channel."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.domain.bounties import Bounty, BountyEntry
from bot.domain.broadcasts import tally
from bot.domain.jobs import Job
from bot.i18n import language_of, render
from bot.interactions import (
    NO_MENTIONS,
    guild_language,
)
from bot.notify import send_dm
from bot.registry import Services
from bot.services.notifications import Delivery

log = logging.getLogger(__name__)


def job_text(job: Job, language: str) -> str:
    key = "bounties.done" if job.finished else "bounties.progress"
    title = str(job.params.get("title", ""))
    return render(key, language, title=title, t=tally(job.total, job.counts, job.finished))


def bounty_embed(bounty: Bounty, language: str, timezone: str, brand: str) -> discord.Embed:
    return discord.Embed(
        title=render("bounties.embed_title", language, b=bounty),
        description=render("bounties.announce", language, b=bounty, tz=timezone, brand=brand),
        colour=discord.Colour.gold(),
    )


async def channel_of(client: discord.Client, channel_id: int) -> Any:
    return client.get_channel(channel_id) or await client.fetch_channel(channel_id)


async def announce(client: discord.Client, svc: Services, bounty: Bounty) -> Delivery | None:
    """Post a new bounty once in its channel, in the server's language; None without one."""
    if bounty.channel_id is None:
        return None
    settings = await svc.settings.get(bounty.guild_id)
    guild = client.get_guild(bounty.guild_id)
    embed = bounty_embed(
        bounty,
        guild_language(client, bounty.guild_id),
        settings.timezone,
        guild.name if guild else "",
    )
    channel_id = bounty.channel_id

    async def send() -> None:
        channel = await channel_of(client, channel_id)
        await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)

    return await svc.bounties.post_once(bounty, send)


async def tell_win(
    client: discord.Client, svc: Services, bounty: Bounty, entry: BountyEntry
) -> bool:
    """The winner's DM and the win's post in the bounty's channel, once each; the entry is
    marked told when both are settled. True if the DM reached the winner."""
    settings = await svc.settings.get(bounty.guild_id)
    guild = client.get_guild(bounty.guild_id)
    reached = False
    notice = svc.bounties.win_notice(entry)
    if notice is not None:
        content = render(
            "bounties.won_dm",
            language_of(entry.locale),
            b=bounty,
            e=entry,
            brand=guild.name if guild else "",
            tz=settings.timezone,
        )
        user_id = notice.user_id

        async def dm() -> None:
            await send_dm(client, user_id, content=content)

        delivery = await svc.notifications.send(notice, dm)
        reached = delivery is Delivery.SENT
    if bounty.channel_id is not None and entry.user_id is not None:
        post = render(
            "bounties.won_post",
            guild_language(client, bounty.guild_id),
            b=bounty,
            e=entry,
        )
        channel_id = bounty.channel_id

        async def send() -> None:
            channel = await channel_of(client, channel_id)
            await channel.send(content=post, allowed_mentions=NO_MENTIONS)

        await svc.bounties.post_win_once(entry, send)
    await svc.bounties.mark_told(entry.id)
    return reached
