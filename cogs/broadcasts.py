"""``/broadcast segment|status`` (managers): a brief DM'd once to every creator of a segment,
each with their own tracking link, as a resumable job whose progress edits the reply."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.broadcasts import MAX_LINK, MAX_TEXT, MAX_TITLE, Broadcast, tally
from bot.domain.jobs import ItemResult, ItemState, Job, JobItem, JobKind
from bot.i18n import render
from bot.interactions import (
    NO_MENTIONS,
    ManagerGroup,
    PersistentButton,
    answer_error,
    guild_language,
    is_manager,
    lang,
    name_choices,
    reply,
    services,
)
from bot.notify import dm_job_item
from bot.progress import job_progress, resumed_progress
from bot.services.broadcasts import ConfirmAgain
from bot.services.jobs import Progress
from bot.services.notifications import Delivery
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

MODAL_TITLE_LIMIT = 45
_STYLES = {
    "send": discord.ButtonStyle.success,
    "sure": discord.ButtonStyle.danger,
    "cancel": discord.ButtonStyle.secondary,
}


def broadcast_embed(
    broadcast: Broadcast, language: str, brand: str, link_url: str | None, *, dm: bool = True
) -> discord.Embed:
    """The broadcast as one embed: the manager's title and text as typed (never translated),
    the frame in ``language``, the link (in a DM the creator's own) and the image."""
    embed = discord.Embed(
        title=broadcast.title,
        description=broadcast.text,
        colour=discord.Colour.blurple(),
        url=link_url,
    )
    embed.set_author(name=render("broadcasts.dm_from", language, brand=brand))
    if link_url:
        label = render("broadcasts.dm_link" if dm else "broadcasts.post_link", language)
        embed.add_field(name=label, value=link_url, inline=False)
    if broadcast.image_url:
        embed.set_image(url=broadcast.image_url)
    return embed


def _job_text(job: Job, language: str) -> str:
    key = "broadcasts.done" if job.finished else "broadcasts.progress"
    title = str(job.params.get("title", ""))
    return render(key, language, title=title, t=tally(job.total, job.counts, job.finished))


class BroadcastButton(
    PersistentButton,
    template=r"cb:bc:(?P<action>send|sure|cancel):(?P<id>[0-9]{1,19})",
):
    """Send, the second "yes" for everyone, and Cancel. The brief is a stored draft whose id
    is in the custom_id, so the buttons work after a restart."""

    def __init__(self, action: str, broadcast_id: int, language: str, *, count: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=render(f"broadcasts.button_{action}", language, n=count),
                style=_STYLES[action],
                custom_id=f"cb:bc:{action}:{broadcast_id}",
            )
        )
        self.action = action
        self.broadcast_id = broadcast_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BroadcastButton:
        return cls(match["action"], int(match["id"]), lang(interaction))

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        if self.action == "cancel":
            user_id = interaction.user.id
            await svc.broadcasts.cancel(interaction.guild_id, self.broadcast_id, user_id)
            await interaction.response.edit_message(
                content=render("broadcasts.cancelled", language), view=None
            )
            return
        try:
            job = await svc.broadcasts.start(
                interaction.guild_id,
                self.broadcast_id,
                interaction.user.id,
                confirmed=self.action == "sure",
            )
        except ConfirmAgain as ask:
            await interaction.response.edit_message(
                content=render("broadcasts.confirm_everyone", language, n=ask.recipients),
                view=_view(self.broadcast_id, language, "sure", ask.recipients),
                allowed_mentions=NO_MENTIONS,
            )
            return
        broadcast = await svc.broadcasts.get(interaction.guild_id, self.broadcast_id)
        progress = await job_progress(interaction, job, _job_text)
        await interaction.response.edit_message(
            content=_job_text(job, language), view=None, allowed_mentions=NO_MENTIONS
        )
        svc.jobs.start(job, progress)
        if broadcast.channel_id is not None:
            await _post(interaction, broadcast, language)


def _view(broadcast_id: int, language: str, go: str, count: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(BroadcastButton(go, broadcast_id, language, count=count))
    view.add_item(BroadcastButton("cancel", broadcast_id, language))
    return view


async def _post(interaction: discord.Interaction, broadcast: Broadcast, language: str) -> None:
    """Post the broadcast once in its channel, in the server's language, mentioning nobody."""
    client = interaction.client
    assert broadcast.channel_id is not None
    guild = interaction.guild
    brand = guild.name if guild else ""
    language_there = guild_language(client, broadcast.guild_id)
    embed = broadcast_embed(broadcast, language_there, brand, broadcast.link, dm=False)

    async def send() -> None:
        channel = client.get_channel(broadcast.channel_id) or await client.fetch_channel(
            broadcast.channel_id  # type: ignore[arg-type]
        )
        await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)  # type: ignore[union-attr]

    posted = await services(interaction).broadcasts.post_once(broadcast, send)
    if posted is Delivery.FAILED:
        await reply(
            interaction, render("broadcasts.post_failed", language, channel=broadcast.channel_id)
        )


class BroadcastModal(discord.ui.Modal):
    """The brief: a title, the text and an optional link; then the confirmation."""

    def __init__(
        self,
        language: str,
        *,
        segment: str,
        campaign: str | None,
        image: discord.Attachment | None,
        channel_id: int | None,
    ) -> None:
        title = render("broadcasts.modal_title", language, segment=segment)
        super().__init__(title=title[:MODAL_TITLE_LIMIT], custom_id="cb:bc-modal", timeout=900)
        self.segment = segment
        self.campaign = campaign
        self.image = image
        self.channel_id = channel_id
        self.title_field: discord.ui.TextInput[BroadcastModal] = discord.ui.TextInput(
            label=render("broadcasts.field_title", language),
            custom_id="title",
            max_length=MAX_TITLE,
        )
        self.text_field: discord.ui.TextInput[BroadcastModal] = discord.ui.TextInput(
            label=render("broadcasts.field_text", language),
            style=discord.TextStyle.paragraph,
            custom_id="text",
            max_length=MAX_TEXT,
        )
        self.link_field: discord.ui.TextInput[BroadcastModal] = discord.ui.TextInput(
            label=render("broadcasts.field_link", language),
            custom_id="link",
            required=False,
            max_length=MAX_LINK,
            placeholder="https://",
        )
        for field in (self.title_field, self.text_field, self.link_field):
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        draft = await svc.broadcasts.draft(
            interaction.guild_id,
            interaction.user.id,
            segment=self.segment,
            title=self.title_field.value,
            text=self.text_field.value,
            link=self.link_field.value or None,
            campaign=self.campaign,
            image_url=self.image.url if self.image else None,
            image_type=self.image.content_type if self.image else None,
            channel_id=self.channel_id,
        )
        broadcast = draft.broadcast
        content = render(
            "broadcasts.confirm",
            language,
            b=broadcast,
            campaign=draft.campaign,
            channel=broadcast.channel_id,
        )
        await reply(
            interaction,
            content,
            view=_view(broadcast.id, language, "send", broadcast.recipients),
        )

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await answer_error(interaction, error, f"modal {self.custom_id}")


class BroadcastGroup(
    ManagerGroup,
    name="broadcast",
    description=text("broadcast.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """Manager commands for broadcasts."""

    @app_commands.command(name="segment", description=text("broadcast.segment.description"))
    @app_commands.describe(
        segment=text("broadcast.options.segment"),
        campaign=text("broadcast.options.campaign"),
        image=text("broadcast.options.image"),
        channel=text("broadcast.options.channel"),
    )
    async def segment_(
        self,
        interaction: discord.Interaction,
        segment: app_commands.Range[str, 1, 40],
        campaign: app_commands.Range[str, 1, 80] | None = None,
        image: discord.Attachment | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        # Checked before the modal opens, so nobody types a brief for a segment of nobody.
        await svc.broadcasts.check_options(
            interaction.guild_id,
            segment,
            campaign,
            image.content_type if image else None,
            has_image=image is not None,
        )
        await interaction.response.send_modal(
            BroadcastModal(
                lang(interaction),
                segment=" ".join(segment.split()),
                campaign=campaign,
                image=image,
                channel_id=channel.id if channel else None,
            )
        )

    @app_commands.command(name="status", description=text("broadcast.status.description"))
    async def status(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        items = await svc.broadcasts.recent(interaction.guild_id)
        settings = await svc.settings.get(interaction.guild_id)
        embed = discord.Embed(
            title=render("broadcasts.status_title", language),
            description=render("broadcasts.status", language, items=items, tz=settings.timezone),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @segment_.autocomplete("segment")
    async def _segment(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).segments.names(interaction.guild_id)
        return name_choices(["all", *names], current)

    @segment_.autocomplete("campaign")
    async def _campaign(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).campaigns.campaign_names(interaction.guild_id)
        return name_choices(names, current)


class BroadcastsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(BroadcastButton)
        self.bot.services.jobs.register(
            JobKind.BROADCAST,
            self.send_item,
            resumed_progress=self._progress,
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(BroadcastButton)
        await self.bot.services.jobs.unregister(JobKind.BROADCAST)

    def _progress(self, job: Job) -> Progress | None:
        return resumed_progress(self.bot, job, _job_text)

    async def send_item(self, job: Job, item: JobItem) -> ItemResult:
        """One creator of a broadcast: their DM, once, with their own link."""
        svc = self.bot.services
        recipient = await svc.broadcasts.recipient(job, item)
        if recipient.skipped is not None:
            return ItemResult(ItemState.SKIPPED, recipient.skipped)
        assert recipient.creator is not None and recipient.notice is not None
        title = recipient.broadcast.title

        async def message() -> dict[str, Any]:
            guild = self.bot.get_guild(job.guild_id)
            brand = guild.name if guild else ""
            return {
                "embed": broadcast_embed(
                    recipient.broadcast, recipient.language, brand, recipient.link_url
                )
            }

        return await dm_job_item(
            self.bot,
            svc.notifications,
            job.guild_id,
            recipient.notice,
            recipient.earlier,
            message,
            lambda m: any(e.title == title for e in m.embeds),
        )


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(BroadcastsCog(bot))
    bot.tree.add_command(BroadcastGroup())
