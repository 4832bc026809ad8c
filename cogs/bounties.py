"""``/bounty create|list|close`` (managers), ``/bounty list|submit`` (creators), the review
card of a submission, and the winners' announcements.

A new bounty is posted once in its channel (mentioning nobody) and DMed to its segment as a
resumable job. A submission's card has persistent Approve / Reject buttons (managers only).
Every win is told once by DM and once in the bounty's channel: by the Approve press, or by
the sweep for performance winners and for anything a restart cut off.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.bounties import Bounty, BountyEntry, EntryStatus
from bot.domain.broadcasts import LEFT, tally
from bot.domain.jobs import ItemResult, ItemState, Job, JobItem, JobKind
from bot.i18n import language_of, render
from bot.interactions import (
    NO_MENTIONS,
    NotManagerFailure,
    PersistentButton,
    guild_language,
    is_manager,
    lang,
    reply,
    segment_choices,
    services,
)
from bot.notify import dm_holds, is_member, send_dm
from bot.progress import job_progress, resumed_progress
from bot.registry import Services
from bot.services.broadcasts import dm_outcome
from bot.services.jobs import Progress
from bot.services.notifications import Delivery
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

_COLOURS = {
    EntryStatus.PENDING: discord.Colour.blurple(),
    EntryStatus.WON: discord.Colour.green(),
    EntryStatus.REJECTED: discord.Colour.red(),
}


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


async def _channel(client: discord.Client, channel_id: int) -> Any:
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
        channel = await _channel(client, channel_id)
        await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)

    return await svc.bounties.post_once(bounty, send)


# --- the review card of a submission --------------------------------------------------------


def card_kwargs(bounty: Bounty, entry: BountyEntry, language: str, timezone: str) -> dict[str, Any]:
    """Everything a send or edit of a submission's card needs: buttons only while it waits."""
    embed = discord.Embed(
        title=render("bounties.card_title", language, b=bounty),
        description=render("bounties.card", language, b=bounty, e=entry, tz=timezone),
        colour=_COLOURS[entry.status],
    )
    view = None
    if entry.status is EntryStatus.PENDING:
        view = discord.ui.View(timeout=None)
        for action in ("approve", "reject"):
            view.add_item(BountyEntryButton(action, entry.id, language))
    return {"embed": embed, "view": view, "allowed_mentions": NO_MENTIONS}


async def post_card(
    client: discord.Client, svc: Services, bounty: Bounty, entry: BountyEntry
) -> bool:
    """Post a waiting submission's card in the review channel; False if none or it failed."""
    settings = await svc.settings.get(entry.guild_id)
    channel_id = settings.review_channel_id
    if channel_id is None:
        return False
    language = guild_language(client, entry.guild_id)
    try:
        channel = await _channel(client, channel_id)
        message = await channel.send(**card_kwargs(bounty, entry, language, settings.timezone))
    except discord.HTTPException as exc:
        log.warning("could not post the card of bounty entry %s: %s", entry.id, exc.status)
        return False
    await svc.bounties.attach_card(entry.id, channel_id, message.id)
    return True


async def update_card(
    client: discord.Client, svc: Services, bounty: Bounty, entry: BountyEntry
) -> None:
    if entry.review_channel_id is None or entry.review_message_id is None:
        return
    settings = await svc.settings.get(entry.guild_id)
    language = guild_language(client, entry.guild_id)
    message = client.get_partial_messageable(entry.review_channel_id).get_partial_message(
        entry.review_message_id
    )
    try:
        await message.edit(**card_kwargs(bounty, entry, language, settings.timezone))
    except discord.HTTPException as exc:
        log.warning("could not update the card of bounty entry %s: %s", entry.id, exc.status)


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
            channel = await _channel(client, channel_id)
            await channel.send(content=post, allowed_mentions=NO_MENTIONS)

        await svc.bounties.post_win_once(entry, send)
    await svc.bounties.mark_told(entry.id)
    return reached


class BountyEntryButton(
    PersistentButton,
    template=r"cb:bounty:(?P<action>approve|reject):(?P<id>[0-9]{1,20})",
):
    """Approve or Reject on a bounty submission's review card (managers only)."""

    def __init__(self, action: str, entry_id: int, language: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=render(f"bounties.button_{action}", language),
                style=(
                    discord.ButtonStyle.success
                    if action == "approve"
                    else discord.ButtonStyle.danger
                ),
                custom_id=f"cb:bounty:{action}:{entry_id}",
            )
        )
        self.action = action
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BountyEntryButton:
        return cls(match["action"], int(match["id"]), lang(interaction))

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        decision = await svc.bounties.decide(
            interaction.guild_id,
            self.entry_id,
            interaction.user.id,
            approve=self.action == "approve",
        )
        bounty, entry = decision.bounty, decision.entry
        client = interaction.client
        if entry.status is EntryStatus.WON:
            sent = await tell_win(client, svc, bounty, entry)
        else:
            sent = False
            if decision.notice is not None:
                content = render("bounties.rejected_dm", language_of(entry.locale), b=bounty)
                user_id = decision.notice.user_id
                delivery = await svc.notifications.send(
                    decision.notice, lambda: send_dm(client, user_id, content=content)
                )
                sent = delivery is Delivery.SENT
        await update_card(client, svc, bounty, entry)
        await reply(
            interaction, render("bounties.note_decided", language, b=bounty, e=entry, sent=sent)
        )


# --- the commands ---------------------------------------------------------------------------


async def _is_manager(interaction: discord.Interaction) -> bool:
    try:
        return await is_manager(interaction)
    except NotManagerFailure:
        return False


class BountyGroup(
    app_commands.Group,
    name="bounty",
    description=text("bounty.description"),
    guild_only=True,
):
    """Open challenges: managers create and close them, creators take them."""

    @app_commands.command(name="create", description=text("bounty.create.description"))
    @app_commands.check(is_manager)
    @app_commands.describe(
        title=text("bounty.options.title"),
        brief=text("bounty.options.brief"),
        kind=text("bounty.options.kind"),
        reward=text("bounty.options.reward"),
        ends=text("bounty.options.ends"),
        segment=text("bounty.options.segment"),
        max_winners=text("bounty.options.max_winners"),
        goal_orders=text("bounty.options.goal_orders"),
        goal_revenue=text("bounty.options.goal_revenue"),
        channel=text("bounty.options.channel"),
    )
    @app_commands.choices(
        kind=[
            app_commands.Choice(name=text("bounty.choices.submission"), value="submission"),
            app_commands.Choice(name=text("bounty.choices.performance"), value="performance"),
        ]
    )
    async def create(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 100],
        brief: app_commands.Range[str, 1, 1000],
        kind: str,
        reward: app_commands.Range[str, 1, 20],
        ends: app_commands.Range[str, 1, 40],
        segment: app_commands.Range[str, 1, 40],
        max_winners: app_commands.Range[int, 0, 1000],
        goal_orders: app_commands.Range[int, 1, 100_000] | None = None,
        goal_revenue: app_commands.Range[str, 1, 20] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        bounty, job = await svc.bounties.create(
            interaction.guild_id,
            interaction.user.id,
            title=title,
            brief=brief,
            kind=kind,
            reward=reward,
            ends=ends,
            segment=segment,
            max_winners=max_winners,
            goal_orders=goal_orders,
            goal_revenue=goal_revenue,
            channel_id=channel.id if channel else None,
        )
        progress = await job_progress(interaction, job, job_text)
        posted = await announce(interaction.client, svc, bounty)
        settings = await svc.settings.get(interaction.guild_id)
        note = render(
            "bounties.created",
            language,
            b=bounty,
            posted=posted is Delivery.SENT,
            tz=settings.timezone,
        )
        await reply(interaction, note + "\n" + job_text(job, language))
        svc.jobs.start(job, progress)

    @app_commands.command(name="list", description=text("bounty.list.description"))
    async def list_(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        settings = await svc.settings.get(interaction.guild_id)
        manager = await _is_manager(interaction)
        standings = await svc.bounties.standings(
            interaction.guild_id, None if manager else interaction.user.id
        )
        await reply(
            interaction,
            render(
                "bounties.list",
                lang(interaction),
                standings=standings,
                manager=manager,
                now=svc.clock.now(),
                tz=settings.timezone,
            )[:2000],
        )

    @app_commands.command(name="close", description=text("bounty.close.description"))
    @app_commands.check(is_manager)
    @app_commands.describe(bounty=text("bounty.options.bounty"))
    async def close(
        self, interaction: discord.Interaction, bounty: app_commands.Range[str, 1, 120]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        found = await svc.bounties.find(interaction.guild_id, bounty)
        closed = await svc.bounties.close(interaction.guild_id, found.id, interaction.user.id)
        await reply(interaction, render("bounties.closed_now", lang(interaction), b=closed))

    @app_commands.command(name="submit", description=text("bounty.submit.description"))
    @app_commands.describe(bounty=text("bounty.options.bounty"), url=text("bounty.options.url"))
    async def submit(
        self,
        interaction: discord.Interaction,
        bounty: app_commands.Range[str, 1, 120],
        url: app_commands.Range[str, 8, 400],
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await svc.bounties.submit(interaction.guild_id, interaction.user.id, bounty, url)
        entry = await svc.bounties.entry_of(found.id, interaction.user.id, interaction.guild_id)
        carded = await post_card(interaction.client, svc, found, entry)
        await reply(
            interaction, render("bounties.submitted", lang(interaction), b=found, carded=carded)
        )

    @close.autocomplete("bounty")
    @submit.autocomplete("bounty")
    async def _bounty(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        svc = services(interaction)
        needle = current.strip().lower().lstrip("#")
        now = svc.clock.now()
        return [
            app_commands.Choice(name=f"#{b.id} {b.title}"[:100], value=str(b.id))
            for b in await svc.bounties.bounties(interaction.guild_id)
            if b.is_open(now) and (needle in b.title.lower() or needle in str(b.id))
        ][:25]

    @create.autocomplete("segment")
    async def _segment(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await segment_choices(interaction, current)


class BountiesCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(BountyEntryButton)
        self.bot.services.jobs.register(
            JobKind.BOUNTY_ANNOUNCE, self.send_item, resumed_progress=self._progress
        )
        self.bot.services.schedule.add_sweep_task("bounty winners", self.tell_winners)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(BountyEntryButton)
        await self.bot.services.jobs.unregister(JobKind.BOUNTY_ANNOUNCE)

    def _progress(self, job: Job) -> Progress | None:
        return resumed_progress(self.bot, job, job_text)

    async def tell_winners(self) -> int:
        """Tell the winners the sweep decided, and any a restart cut off, once each."""
        told = 0
        svc = self.bot.services
        for bounty, entry in await svc.bounties.untold():
            await tell_win(self.bot, svc, bounty, entry)
            told += 1
        return told

    async def send_item(self, job: Job, item: JobItem) -> ItemResult:
        """One creator of the segment: the bounty by DM, once."""
        svc = self.bot.services
        recipient = await svc.bounties.recipient(job, item)
        if recipient.skipped is not None:
            return ItemResult(ItemState.SKIPPED, recipient.skipped)
        assert recipient.creator is not None and recipient.notice is not None
        user_id = recipient.notice.user_id
        delivery = recipient.earlier
        if delivery is None or delivery is Delivery.UNFINISHED:
            bounty = recipient.bounty
            settings = await svc.settings.get(job.guild_id)
            guild = self.bot.get_guild(job.guild_id)
            embed = bounty_embed(
                bounty,
                language_of(recipient.creator.locale),
                settings.timezone,
                guild.name if guild else "",
            )

            async def send() -> None:
                await send_dm(self.bot, user_id, embed=embed)

            if delivery is None:
                delivery = await svc.bounties.send(recipient, send)
            else:
                # Claimed by a stopped run but never recorded: sent unless the DM is there.
                title = embed.title
                delivery = await svc.bounties.settle(
                    recipient,
                    send,
                    lambda: dm_holds(
                        self.bot, user_id, lambda m: any(e.title == title for e in m.embeds)
                    ),
                )
        if delivery is Delivery.UNDELIVERABLE and not await is_member(
            self.bot, job.guild_id, user_id
        ):
            return ItemResult(ItemState.SKIPPED, LEFT)
        return ItemResult(ItemState.DONE, dm_outcome(delivery))


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(BountiesCog(bot))
    bot.tree.add_command(BountyGroup())
