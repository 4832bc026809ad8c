"""``/payout-method`` for creators and ``/payouts preview|run|mark-paid|cancel`` for managers."""

from __future__ import annotations

import io
import logging
from collections import Counter
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.payout_files import PayoutFile
from bot.i18n import render
from bot.interactions import ManagerGroup, lang, reply, services
from bot.notify import send_dm
from bot.registry import Services
from bot.services.notifications import Delivery
from bot.services.payouts import MarkPaid
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

PROVIDERS = ("paypal", "wise")
FILES_PER_MESSAGE = 10  # Discord's limit of attachments on one message
LISTED = 10  # creators named per list in an embed; the rest are counted


def _files(files: list[PayoutFile]) -> list[discord.File]:
    return [discord.File(io.BytesIO(f.content), filename=f.filename) for f in files]


class PayoutsGroup(
    ManagerGroup,
    name="payouts",
    description=text("payouts.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    @app_commands.command(name="preview", description=text("payouts.preview.description"))
    async def preview(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        preview = await svc.payouts.preview(interaction.guild_id)
        settings = await svc.settings.get(interaction.guild_id)
        language = lang(interaction)
        embed = discord.Embed(
            title=render("payouts.preview_title", language),
            description=render(
                "payouts.preview", language, p=preview, limit=LISTED, timezone=settings.timezone
            ),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="run", description=text("payouts.run.description"))
    async def run(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await svc.payouts.run(interaction.guild_id, interaction.user.id)
        language = lang(interaction)
        embed = discord.Embed(
            title=render("payouts.run_title", language, batch=result.batch),
            description=render("payouts.run", language, r=result, limit=LISTED),
            colour=discord.Colour.green(),
        )
        chunks = [
            result.files[i : i + FILES_PER_MESSAGE]
            for i in range(0, len(result.files), FILES_PER_MESSAGE)
        ]
        await reply(interaction, embed=embed, files=_files(chunks[0]))
        for chunk in chunks[1:]:
            await reply(interaction, files=_files(chunk))

    @app_commands.command(name="mark-paid", description=text("payouts.mark_paid.description"))
    @app_commands.describe(batch=text("payouts.options.batch"))
    async def mark_paid(
        self, interaction: discord.Interaction, batch: app_commands.Range[int, 1, 2**53]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await svc.payouts.mark_paid(interaction.guild_id, interaction.user.id, batch)
        # Also after a repeated call: creators a crashed first call never reached are told now;
        # everyone already told is skipped by the notification's dedupe key.
        outcomes = await notify_paid(interaction.client, svc, result)
        settings = await svc.settings.get(interaction.guild_id)
        key = "payouts.marked_paid" if result.changed else "payouts.already_paid"
        await reply(
            interaction,
            render(
                key,
                lang(interaction),
                batch=result.batch,
                sent=outcomes[Delivery.SENT],
                closed=outcomes[Delivery.UNDELIVERABLE],
                failed=outcomes[Delivery.FAILED],
                timezone=settings.timezone,
            ),
        )

    @app_commands.command(name="cancel", description=text("payouts.cancel.description"))
    @app_commands.describe(batch=text("payouts.options.batch"))
    async def cancel(
        self, interaction: discord.Interaction, batch: app_commands.Range[int, 1, 2**53]
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        summary = await svc.payouts.cancel(interaction.guild_id, interaction.user.id, batch)
        await reply(interaction, render("payouts.cancelled", lang(interaction), batch=summary))


async def notify_paid(client: discord.Client, svc: Services, result: MarkPaid) -> Counter[str]:
    """DM each creator of a paid batch once, in their language; count the outcomes."""
    outcomes: Counter[str] = Counter()
    guild = client.get_guild(result.guild_id)
    for notice in result.notices:
        content = render(
            "payouts.paid_dm",
            notice.locale,
            amounts=notice.amounts,
            provider=notice.provider.label,
            batch=result.batch.id,
            server=guild.name if guild else None,
        )
        outcome = await svc.notifications.deliver(
            guild_id=result.guild_id,
            user_id=notice.user_id,
            kind=notice.kind.value,
            dedupe_key=notice.dedupe_key,
            send=lambda uid=notice.user_id, body=content: send_dm(client, uid, content=body),
        )
        outcomes[outcome] += 1
    return outcomes


class PayoutsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    @app_commands.command(name="payout-method", description=text("payout_method.description"))
    @app_commands.guild_only()
    @app_commands.describe(
        method=text("payout_method.options.method"), details=text("payout_method.options.details")
    )
    @app_commands.choices(
        method=[
            app_commands.Choice(name=text(f"payout_method.methods.{p}"), value=p) for p in PROVIDERS
        ]
    )
    async def payout_method(
        self,
        interaction: discord.Interaction,
        method: app_commands.Choice[str],
        details: app_commands.Range[str, 3, 200],
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        saved = await svc.payouts.set_method(
            interaction.guild_id, interaction.user.id, method.value, details
        )
        settings = await svc.settings.get(interaction.guild_id)
        await reply(
            interaction,
            render(
                "payouts.method_saved",
                lang(interaction),
                provider=saved.provider.label,
                kind=saved.kind,
                masked=saved.masked(),
                threshold=settings.payout_threshold_minor,
                currency=settings.currency,
            ),
        )


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(PayoutsCog(bot))
    bot.tree.add_command(PayoutsGroup())
