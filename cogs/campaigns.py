"""``/campaign create|list|codes``: destinations of creators' links, and how creators'
codes stand in the connected shops (managers)."""

from __future__ import annotations

import io
import re
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import render
from bot.interactions import (
    NO_MENTIONS,
    ManagerGroup,
    PersistentButton,
    is_manager,
    lang,
    name_choices,
    reply,
    services,
)
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

# How often the manager's reply shows how far an update of the codes is.
PROGRESS_SECONDS = 2.0


class CampaignGroup(
    ManagerGroup,
    name="campaign",
    description=text("campaign.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    """Manager commands for campaigns."""

    @app_commands.command(name="create", description=text("campaign.create.description"))
    @app_commands.describe(
        name=text("campaign.options.name"),
        url=text("campaign.options.url"),
        plan=text("campaign.options.plan"),
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 2, 80],
        url: app_commands.Range[str, 8, 500],
        plan: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        created = await svc.campaigns.create(
            interaction.guild_id, interaction.user.id, name, url, plan
        )
        await reply(
            interaction,
            render(
                "campaigns.created",
                lang(interaction),
                campaign=created.campaign,
                links=created.links_created,
            ),
        )

    @create.autocomplete("plan")
    async def _plan(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).campaigns.plan_names(interaction.guild_id)
        return name_choices(names, current)

    @app_commands.command(name="list", description=text("campaign.list.description"))
    async def list_(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        overview = await svc.campaigns.overview(interaction.guild_id)
        embed = discord.Embed(
            title=render("campaigns.list_title", lang(interaction)),
            description=render("campaigns.list", lang(interaction), campaigns=overview),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="codes", description=text("campaign.codes.description"))
    async def codes(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        language = lang(interaction)
        settings = await svc.settings.get(interaction.guild_id)
        percent = settings.discount_percent
        tally = await svc.code_sync.tally(interaction.guild_id, percent)
        state = render(
            "campaigns.codes_state",
            language,
            shops=[(kind.value, t) for kind, t in tally.items()],
            other=sum(t.other_percent for t in tally.values()),
            percent=percent,
        )
        body, count = await svc.campaigns.export_codes_csv(interaction.guild_id)
        attachment = discord.File(io.BytesIO(body.encode()), filename="discount-codes.csv")
        export = render("campaigns.codes_export", language, count=count)
        stale = await svc.code_sync.other_percent(interaction.guild_id, percent)
        view = None
        if stale and svc.code_sync.connected:
            view = discord.ui.View(timeout=None)
            view.add_item(UpdateCodesButton(percent, language, stale))
        await reply(interaction, f"{state}\n\n{export}", files=[attachment], view=view)


class UpdateCodesButton(PersistentButton, template=r"cb:codes:percent:(?P<percent>[0-9]{1,3})"):
    """On ``/campaign codes``: give every code in the shops the program's discount now."""

    def __init__(self, percent: int, language: str, count: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=render(
                    "campaigns.codes_update_button", language, count=count, percent=percent
                ),
                style=discord.ButtonStyle.primary,
                custom_id=f"cb:codes:percent:{percent}",
            )
        )
        self.percent = percent

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UpdateCodesButton:
        return cls(int(match["percent"]), lang(interaction))

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        svc = services(interaction)
        assert interaction.guild_id is not None
        language = lang(interaction)
        settings = await svc.settings.get(interaction.guild_id)
        if settings.discount_percent != self.percent:
            # The discount changed again since the button was shown: nothing to do here.
            text_ = render("campaigns.codes_update_outdated", language, percent=self.percent)
            await interaction.response.send_message(text_, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        last = [0.0]

        async def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - last[0] < PROGRESS_SECONDS:
                return
            last[0] = now
            await interaction.edit_original_response(
                content=render(
                    "campaigns.codes_update_progress",
                    language,
                    done=done,
                    total=total,
                    percent=self.percent,
                ),
                allowed_mentions=NO_MENTIONS,
            )

        outcome = await svc.code_sync.update_percent(interaction.guild_id, self.percent, progress)
        await interaction.edit_original_response(
            content=render(
                "campaigns.codes_update_done",
                language,
                updated=outcome["updated"],
                failed=outcome["failed"],
                percent=self.percent,
            ),
            allowed_mentions=NO_MENTIONS,
        )


class CampaignsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(UpdateCodesButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(UpdateCodesButton)


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(CampaignsCog(bot))
    bot.tree.add_command(CampaignGroup())
