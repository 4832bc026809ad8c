"""``/level create|list|delete`` (managers), and the Discord side of the level sweep: the
level's role given or taken and the promotion DM, once per change."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import language_of, render
from bot.interactions import ManagerGroup, lang, name_choices, reply, services
from bot.notify import add_role, remove_role, send_dm
from bot.services.jobs import DEFAULT_PER_SECOND
from bot.services.levels import LevelSync
from bot.services.notifications import Delivery
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

BASES = ("revenue30", "orders30", "revenue_all", "orders_all")


class LevelGroup(
    ManagerGroup,
    name="level",
    description=text("level.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """Manager commands for levels."""

    @app_commands.command(name="create", description=text("level.create.description"))
    @app_commands.describe(
        name=text("level.options.name"),
        basis=text("level.options.basis"),
        threshold=text("level.options.threshold"),
        rate=text("level.options.rate"),
        role=text("level.options.role"),
        demote=text("level.options.demote"),
    )
    @app_commands.choices(
        basis=[app_commands.Choice(name=text(f"level.bases.{b}"), value=b) for b in BASES]
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 40],
        basis: app_commands.Choice[str],
        threshold: app_commands.Range[str, 1, 20],
        rate: app_commands.Range[str, 1, 10],
        role: discord.Role | None = None,
        demote: bool | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        level = await svc.levels.create(
            interaction.guild_id,
            interaction.user.id,
            name=name,
            basis=basis.value,
            threshold=threshold,
            rate=rate,
            role_id=role.id if role else None,
            demote=demote,
        )
        overview = await svc.levels.overview(interaction.guild_id)
        await reply(
            interaction,
            render(
                "levels.created",
                lang(interaction),
                level=level,
                currency=overview.currency,
                demote=overview.demote,
            ),
        )

    @app_commands.command(name="list", description=text("level.list.description"))
    async def list_(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        overview = await svc.levels.overview(interaction.guild_id)
        embed = discord.Embed(
            title=render("levels.list_title", lang(interaction)),
            description=render("levels.list", lang(interaction), o=overview),
            colour=discord.Colour.gold(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="delete", description=text("level.delete.description"))
    @app_commands.describe(name=text("level.options.name"))
    async def delete(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 40]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        level = await svc.levels.delete(interaction.guild_id, interaction.user.id, name)
        await reply(interaction, render("levels.deleted", lang(interaction), level=level))

    @delete.autocomplete("name")
    async def _name(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        overview = await services(interaction).levels.overview(interaction.guild_id)
        return name_choices((level.name for level in overview.levels), current)


# Changes synced per second when nothing else runs in bulk: each is up to three requests (a
# role taken, a role given, or a DM channel opened and the DM), ~27 requests/s; the DM
# channels set the pace, as for bulk jobs (bot.services.jobs.DEFAULT_PER_SECOND).
SYNC_PER_SECOND = DEFAULT_PER_SECOND


class LevelsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Added after the services' own "levels" task, so a sweep promotes, then syncs.
        self.bot.services.schedule.add_sweep_task("level roles and messages", self.sync_levels)

    async def sync_levels(self) -> int:
        """Give or take the roles of recorded level changes and DM each promotion once;
        return how many changes were synced (the sweep calls this)."""
        if not self.bot.is_ready():
            return 0
        svc = self.bot.services
        done = 0
        for change in await svc.levels.to_sync():
            # The bot's shared pace: a sweep promoting hundreds stays under Discord's limits.
            await svc.jobs.pacer.step(SYNC_PER_SECOND)
            await self._sync(change)
            await svc.levels.mark_synced(change.change_id)
            done += 1
        return done

    async def _sync(self, change: LevelSync) -> None:
        if change.user_id is None:
            return  # erased: nobody to give a role or write to
        reason = f"creator level: {change.level.name if change.level else 'none'}"
        if change.remove_role_id is not None:
            await remove_role(
                self.bot, change.guild_id, change.user_id, change.remove_role_id, reason
            )
        if change.add_role_id is not None:
            await add_role(self.bot, change.guild_id, change.user_id, change.add_role_id, reason)
        if change.notice is not None and change.level is not None:
            content = render("levels.reached", language_of(change.locale), level=change.level)
            outcome = await self.bot.services.notifications.send(
                change.notice, lambda: send_dm(self.bot, change.notice.user_id, content=content)
            )
            if outcome is not Delivery.SENT:
                log.info("level message %s: %s", change.notice.dedupe_key, outcome.value)


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(LevelsCog(bot))
    bot.tree.add_command(LevelGroup())
