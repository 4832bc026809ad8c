"""``/setup``: the per-server program settings (managers only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

import discord
from babel.numbers import list_currencies
from discord import app_commands
from discord.ext import commands

from bot.domain.creators import Campaign
from bot.domain.settings import GuildSettings
from bot.i18n import render
from bot.interactions import lang, manager_only, reply, services
from bot.shops.codes import ShopKind
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

_TIMEZONES = sorted(available_timezones())
_CURRENCIES = sorted(c for c in list_currencies() if len(c) == 3)


def settings_embed(
    settings: GuildSettings,
    language: str,
    changed: dict[str, Any],
    unreachable: Sequence[Campaign] = (),
    shops: Sequence[ShopKind] = (),
) -> discord.Embed:
    """The settings as an embed; changed options are marked, active campaigns the
    (changed) allowed domains no longer cover are named, and the shops whose codes are
    synced (``shops``: connected through the environment) are listed, never their keys."""
    key = "setup.saved_title" if changed else "setup.current_title"
    embed = discord.Embed(title=render(key, language), colour=discord.Colour.blurple())
    embed.description = render(
        "setup.show",
        language,
        s=settings,
        changed=set(changed),
        unreachable=unreachable,
        shops=[(kind.value, kind in shops) for kind in ShopKind],
    )
    return embed


def _choices(values: list[str], current: str) -> list[app_commands.Choice[str]]:
    needle = current.lower().replace(" ", "_")
    starts = [v for v in values if v.lower().startswith(needle)]
    contains = [v for v in values if needle in v.lower() and v not in starts]
    return [app_commands.Choice(name=v, value=v) for v in (starts + contains)[:25]]


class SetupCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    @app_commands.command(name="setup", description=text("setup.description"))
    @app_commands.describe(
        review_channel=text("setup.options.review_channel"),
        announcements_channel=text("setup.options.announcements_channel"),
        creator_role=text("setup.options.creator_role"),
        manager_role=text("setup.options.manager_role"),
        shop_url=text("setup.options.shop_url"),
        allowed_domains=text("setup.options.allowed_domains"),
        commission_rate=text("setup.options.commission_rate"),
        timezone=text("setup.options.timezone"),
        currency=text("setup.options.currency"),
        summary_cron=text("setup.options.summary_cron"),
        hold_days=text("setup.options.hold_days"),
        payout_threshold=text("setup.options.payout_threshold"),
        reminder_offsets=text("setup.options.reminder_offsets"),
        discount_percent=text("setup.options.discount_percent"),
        reapply_cooldown_days=text("setup.options.reapply_cooldown_days"),
        tier_thresholds=text("setup.options.tier_thresholds"),
        attribution_window_days=text("setup.options.attribution_window_days"),
        attribution_priority=text("setup.options.attribution_priority"),
        auto_approve_followers=text("setup.options.auto_approve_followers"),
        auto_approve_engagement=text("setup.options.auto_approve_engagement"),
        auto_approve_platforms=text("setup.options.auto_approve_platforms"),
        auto_reject_below_followers=text("setup.options.auto_reject_below_followers"),
        auto_reject_implausible=text("setup.options.auto_reject_implausible"),
        code_once_per_customer=text("setup.options.code_once_per_customer"),
        gift_address_retention_days=text("setup.options.gift_address_retention_days"),
    )
    @app_commands.choices(
        attribution_priority=[
            app_commands.Choice(name=text("setup.priority.code"), value="code"),
            app_commands.Choice(name=text("setup.priority.click"), value="click"),
        ]
    )
    @manager_only()
    async def setup(
        self,
        interaction: discord.Interaction,
        review_channel: discord.TextChannel | None = None,
        announcements_channel: discord.TextChannel | None = None,
        creator_role: discord.Role | None = None,
        manager_role: discord.Role | None = None,
        shop_url: app_commands.Range[str, 1, 500] | None = None,
        allowed_domains: app_commands.Range[str, 0, 1000] | None = None,
        commission_rate: app_commands.Range[str, 1, 10] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        currency: app_commands.Range[str, 3, 3] | None = None,
        summary_cron: app_commands.Range[str, 9, 100] | None = None,
        hold_days: app_commands.Range[int, 0, 365] | None = None,
        payout_threshold: app_commands.Range[str, 1, 20] | None = None,
        reminder_offsets: app_commands.Range[str, 2, 100] | None = None,
        discount_percent: app_commands.Range[int, 1, 90] | None = None,
        reapply_cooldown_days: app_commands.Range[int, 0, 365] | None = None,
        tier_thresholds: app_commands.Range[str, 5, 60] | None = None,
        attribution_window_days: app_commands.Range[int, 1, 365] | None = None,
        attribution_priority: app_commands.Choice[str] | None = None,
        auto_approve_followers: app_commands.Range[str, 1, 40] | None = None,
        auto_approve_engagement: app_commands.Range[str, 1, 10] | None = None,
        auto_approve_platforms: app_commands.Range[str, 1, 100] | None = None,
        auto_reject_below_followers: app_commands.Range[str, 1, 20] | None = None,
        auto_reject_implausible: bool | None = None,
        code_once_per_customer: bool | None = None,
        gift_address_retention_days: app_commands.Range[int, 0, 365] | None = None,
    ) -> None:
        given = {
            "review_channel": review_channel.id if review_channel else None,
            "announcements_channel": announcements_channel.id if announcements_channel else None,
            "creator_role": creator_role.id if creator_role else None,
            "manager_role": manager_role.id if manager_role else None,
            "shop_url": shop_url,
            "allowed_domains": allowed_domains,
            "commission_rate": commission_rate,
            "timezone": timezone,
            "currency": currency,
            "summary_cron": summary_cron,
            "hold_days": hold_days,
            "payout_threshold": payout_threshold,
            "reminder_offsets": reminder_offsets,
            "discount_percent": discount_percent,
            "reapply_cooldown_days": reapply_cooldown_days,
            "tier_thresholds": tier_thresholds,
            "attribution_window_days": attribution_window_days,
            "attribution_priority": attribution_priority.value if attribution_priority else None,
            "auto_approve_followers": auto_approve_followers,
            "auto_approve_engagement": auto_approve_engagement,
            "auto_approve_platforms": auto_approve_platforms,
            "auto_reject_below_followers": auto_reject_below_followers,
            "auto_reject_implausible": auto_reject_implausible,
            "code_once_per_customer": code_once_per_customer,
            "gift_address_retention_days": gift_address_retention_days,
        }
        changes = {option: value for option, value in given.items() if value is not None}
        service = services(interaction).settings
        assert interaction.guild_id is not None  # manager_only() is guild-only
        if changes:
            settings, changed = await service.update(
                interaction.guild_id, interaction.user.id, changes
            )
        else:
            settings, changed = await service.get(interaction.guild_id), {}
        unreachable: list[Campaign] = []
        if changed.keys() & {"allowed_domains", "shop_url"}:
            unreachable = await services(interaction).campaigns.unreachable(interaction.guild_id)
        await reply(
            interaction,
            embed=settings_embed(
                settings,
                lang(interaction),
                changed,
                unreachable,
                services(interaction).code_sync.connected,
            ),
        )

    @setup.autocomplete("timezone")
    async def _timezone(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(_TIMEZONES, current)

    @setup.autocomplete("currency")
    async def _currency(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(_CURRENCIES, current)


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(SetupCog(bot))
