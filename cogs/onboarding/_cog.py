"""``/apply`` for members and ``/creator …`` for managers, plus the review-card buttons."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import notices
from bot.domain.creators import CreatorStatus
from bot.i18n import render
from bot.interactions import (
    ManagerGroup,
    guild_language,
    lang,
    reply,
    services,
)
from bot.notify import send_dm
from bot.services.onboarding import ApplicationNotFound, Approval, NotACreator, Rejection
from bot.translator import text
from cogs.onboarding import _flows
from cogs.onboarding._card import card_embed
from cogs.onboarding._review import DecisionButton, ReopenButton

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

PLATFORMS = ("tiktok", "instagram", "youtube", "twitch", "pinterest", "x", "other")


class CreatorGroup(
    ManagerGroup,
    name="creator",
    description=text("creator.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """Manager commands for the creator lifecycle."""

    @app_commands.command(name="approve", description=text("creator.approve.description"))
    @app_commands.describe(member=text("creator.options.member"))
    async def approve(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        result = await svc.onboarding.approve_member(
            member.guild.id, member.id, interaction.user.id
        )
        if isinstance(result, Approval):
            notes = await _flows.complete_approval(interaction.client, svc, result)
            await reply(interaction, "\n".join(notes))
            return
        notes = await _flows.complete_status_change(interaction.client, svc, result)
        await reply(
            interaction,
            render("onboarding.reactivated", lang(interaction), member=member.id, notes=notes),
        )

    @app_commands.command(name="reject", description=text("creator.reject.description"))
    @app_commands.describe(
        member=text("creator.options.member"), reason=text("creator.options.reason")
    )
    async def reject(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        reason: app_commands.Range[str, 3, 500],
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        application = await svc.onboarding.pending_application(member.guild.id, member.id)
        rejection = await svc.onboarding.reject(
            member.guild.id, application.id, interaction.user.id, reason
        )
        notes = await _flows.complete_rejection(interaction.client, svc, rejection)
        await reply(interaction, "\n".join(notes))

    @app_commands.command(name="info", description=text("creator.info.description"))
    @app_commands.describe(member=text("creator.options.member"))
    async def info(self, interaction: discord.Interaction, member: discord.Member) -> None:
        svc = services(interaction)
        settings = await svc.settings.get(member.guild.id)
        language = lang(interaction)
        try:
            profile = await svc.onboarding.profile(member.guild.id, member.id)
        except NotACreator:
            try:
                application = await svc.onboarding.pending_application(member.guild.id, member.id)
            except ApplicationNotFound:  # never applied, or erased their data
                raise NotACreator() from None
            embed = card_embed(application, language, settings.timezone)
            await reply(interaction, embed=embed)
            return
        creator = profile.creator
        # Counting a busy creator's clicks can take a moment: "thinking" first (see /stats).
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await svc.performance.report(creator, with_balance=True)
        embed = discord.Embed(
            title=render("onboarding.info_title", language, creator=creator),
            description=render(
                "onboarding.info",
                language,
                creator=creator,
                code=profile.code,
                links=[
                    (link.campaign_name, link.url(svc.config.public_url)) for link in profile.links
                ],
                timezone=settings.timezone,
                stats=report.stats,
                traffic=report.traffic,
                balances=report.balance,
            ),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="pause", description=text("creator.pause.description"))
    @app_commands.describe(member=text("creator.options.member"))
    async def pause(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await self._set_status(interaction, member, CreatorStatus.PAUSED)

    @app_commands.command(name="remove", description=text("creator.remove.description"))
    @app_commands.describe(member=text("creator.options.member"))
    async def remove(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await self._set_status(interaction, member, CreatorStatus.REMOVED)

    async def _set_status(
        self, interaction: discord.Interaction, member: discord.Member, status: CreatorStatus
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        creator = await svc.onboarding.set_status(
            member.guild.id, member.id, status, interaction.user.id
        )
        notes = await _flows.complete_status_change(interaction.client, svc, creator)
        await reply(
            interaction,
            render(
                f"onboarding.{status.value}_reply", lang(interaction), member=member.id, notes=notes
            ),
        )


class OnboardingCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Cards posted before a restart keep their buttons: they are routed by custom_id.
        self.bot.add_dynamic_items(DecisionButton, ReopenButton)
        self.bot.services.schedule.add_sweep_task("shop codes", self.retry_codes)

    async def retry_codes(self) -> None:
        """Retry the shops that could not answer; tell each creator once their code works."""
        svc = self.bot.services
        for ready in await svc.code_sync.retry_due():
            if ready.user_id is None:
                continue
            notice = notices.code_ready(ready.guild_id, ready.user_id, ready.discount_code_id)
            content = render("onboarding.code_ready_dm", ready.locale, code=ready.code)
            await svc.notifications.send(
                notice, lambda n=notice, c=content: send_dm(self.bot, n.user_id, content=c)
            )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(DecisionButton, ReopenButton)

    @app_commands.command(name="apply", description=text("apply.description"))
    @app_commands.guild_only()
    @app_commands.describe(
        platform=text("apply.options.platform"),
        handle=text("apply.options.handle"),
        followers=text("apply.options.followers"),
        niche=text("apply.options.niche"),
        engagement_rate=text("apply.options.engagement_rate"),
        profile_url=text("apply.options.profile_url"),
        email=text("apply.options.email"),
    )
    @app_commands.choices(
        platform=[
            app_commands.Choice(name=text(f"apply.platforms.{p}"), value=p) for p in PLATFORMS
        ]
    )
    async def apply(
        self,
        interaction: discord.Interaction,
        platform: app_commands.Choice[str],
        handle: app_commands.Range[str, 1, 60],
        followers: app_commands.Range[int, 0, 3_000_000_000],
        niche: app_commands.Range[str, 1, 60],
        engagement_rate: app_commands.Range[str, 1, 10] | None = None,
        profile_url: app_commands.Range[str, 8, 300] | None = None,
        email: app_commands.Range[str, 3, 254] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        assert interaction.guild_id is not None
        result = await svc.onboarding.apply(
            interaction.guild_id,
            interaction.user.id,
            platform=platform.value,
            handle=handle,
            followers=followers,
            niche=niche,
            engagement_rate=engagement_rate,
            profile_url=profile_url,
            email=email,
            locale=lang(interaction),
        )
        if result.answered_question:
            language = guild_language(interaction.client, interaction.guild_id)
            note = render("onboarding.note_answered", language, a=result.application)
            await _flows.update_card(interaction.client, svc, result.application, [note])
            await reply(interaction, render("onboarding.answered", lang(interaction)))
            return
        if isinstance(result.decision, Approval):
            # The card is posted by the approval's flow, with its notes (role, welcome DM).
            await _flows.complete_approval(interaction.client, svc, result.decision)
            text = render("onboarding.applied_approved", lang(interaction), a=result.application)
        elif isinstance(result.decision, Rejection):
            await _flows.complete_rejection(interaction.client, svc, result.decision)
            settings = await svc.settings.get(interaction.guild_id)
            text = render(
                "onboarding.applied_rejected",
                lang(interaction),
                a=result.application,
                until=result.decision.may_reapply_at,
                timezone=settings.timezone,
            )
        else:
            await _flows.post_card(interaction.client, svc, result.application)
            text = render("onboarding.applied", lang(interaction), a=result.application)
        await reply(interaction, text)

    @commands.Cog.listener()
    async def on_app_command_completion(
        self,
        interaction: discord.Interaction,
        command: app_commands.Command,  # type: ignore[type-arg]
    ) -> None:
        await self._pending_welcome(interaction)

    @commands.Cog.listener()
    async def on_app_command_failed(self, interaction: discord.Interaction) -> None:
        await self._pending_welcome(interaction)

    async def _pending_welcome(self, interaction: discord.Interaction) -> None:
        """A welcome that could not be sent by DM is shown with the creator's next command."""
        if interaction.guild_id is None:
            return
        svc = services(interaction)
        profile = await svc.onboarding.take_pending_welcome(
            interaction.guild_id, interaction.user.id
        )
        if profile is None:
            return
        try:
            await interaction.followup.send(
                _flows.welcome_text(profile, svc.config.public_url),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            await svc.onboarding.set_welcome_pending(profile.creator.id, True)
