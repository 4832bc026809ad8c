"""``/conversion add|reverse|release`` and ``/plan create|list|assign`` (managers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.clock import from_epoch
from bot.domain.commission import parse_money
from bot.domain.orders import EventKind
from bot.domain.recurring import MAX_MONTHS, Recurring
from bot.i18n import render
from bot.interactions import ManagerGroup, lang, name_choices, reply, services
from bot.services.conversions import ConversionInfo
from bot.translator import text

if TYPE_CHECKING:
    from bot.client import CreatorBot

SOURCES = ("shopify", "woocommerce", "stripe", "postback", "csv", "manual")
PLAN_KINDS = ("revenue_share", "cpa", "cpl", "tiered", "fixed_fee", "gifted")
# The options of every command that names an order.
_order_options = app_commands.describe(
    order=text("conversion.options.order"), source=text("conversion.options.source")
)
_source_choices = app_commands.choices(
    source=[app_commands.Choice(name=s, value=s) for s in SOURCES]
)


class ConversionGroup(
    ManagerGroup,
    name="conversion",
    description=text("conversion.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    @app_commands.command(name="add", description=text("conversion.add.description"))
    @app_commands.describe(
        member=text("conversion.options.member"),
        amount=text("conversion.options.amount"),
        order=text("conversion.options.order"),
        lead=text("conversion.options.lead"),
    )
    async def add(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        amount: app_commands.Range[str, 1, 20],
        order: app_commands.Range[str, 1, 100] | None = None,
        lead: bool = False,
    ) -> None:
        svc = services(interaction)
        settings = await svc.settings.get(member.guild.id)
        net = parse_money(amount, settings.currency)
        order_id = await svc.conversions.add_manual(
            member.guild.id,
            interaction.user.id,
            member.id,
            net,
            order,
            EventKind.LEAD if lead else EventKind.SALE,
        )
        await reply(
            interaction,
            render(
                "conversions.added",
                lang(interaction),
                member=member.id,
                order=order_id,
                amount=net,
                currency=settings.currency,
            ),
        )

    @app_commands.command(name="reverse", description=text("conversion.reverse.description"))
    @_order_options
    @_source_choices
    async def reverse(
        self,
        interaction: discord.Interaction,
        order: app_commands.Range[str, 1, 100],
        source: app_commands.Choice[str] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        conversion = await svc.conversions.reverse(
            interaction.guild_id, interaction.user.id, order, source.value if source else None
        )
        await reply(interaction, render("conversions.reversed", lang(interaction), c=conversion))

    @app_commands.command(name="info", description=text("conversion.info.description"))
    @_order_options
    @_source_choices
    async def info(
        self,
        interaction: discord.Interaction,
        order: app_commands.Range[str, 1, 100],
        source: app_commands.Choice[str] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        found = await svc.conversions.info(
            interaction.guild_id, order, source.value if source else None
        )
        await self._explain(interaction, found)

    @app_commands.command(name="refund", description=text("conversion.refund.description"))
    @app_commands.describe(
        order=text("conversion.options.order"),
        amount=text("conversion.options.refund_amount"),
        refund=text("conversion.options.refund"),
        source=text("conversion.options.source"),
    )
    @_source_choices
    async def refund(
        self,
        interaction: discord.Interaction,
        order: app_commands.Range[str, 1, 100],
        amount: app_commands.Range[str, 1, 20],
        refund: app_commands.Range[str, 1, 100] | None = None,
        source: app_commands.Choice[str] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        chosen = source.value if source else None
        found = await svc.conversions.find(interaction.guild_id, order, chosen)
        settings = await svc.settings.get(interaction.guild_id)
        currency = found.currency or settings.currency
        done, corrected = await svc.conversions.correct_refund(
            interaction.guild_id,
            interaction.user.id,
            found.order_id,
            parse_money(amount, currency),
            refund,
            found.source,
        )
        await self._explain(
            interaction,
            corrected,
            render(
                "conversions.refund_corrected",
                lang(interaction),
                a=done,
                order=found.order_id,
                currency=currency,
            ),
        )

    async def _explain(
        self, interaction: discord.Interaction, found: ConversionInfo, head: str | None = None
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        settings = await svc.settings.get(interaction.guild_id)
        commission = found.commission
        body = render(
            "conversions.info",
            lang(interaction),
            i=found,
            currency=settings.currency,
            timezone=settings.timezone,
            occurred=from_epoch(found.conversion.occurred_at),
            approve_after=from_epoch(commission.approve_after) if commission else None,
        )
        embed = discord.Embed(description=body[:4096], colour=discord.Colour.blurple())
        await reply(interaction, head, embed=embed)

    @app_commands.command(name="release", description=text("conversion.release.description"))
    @_order_options
    @_source_choices
    async def release(
        self,
        interaction: discord.Interaction,
        order: app_commands.Range[str, 1, 100],
        source: app_commands.Choice[str] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        commission = await svc.conversions.release(
            interaction.guild_id, interaction.user.id, order, source.value if source else None
        )
        await reply(
            interaction,
            render("conversions.released", lang(interaction), c=commission, order=order),
        )


class PlanGroup(
    ManagerGroup,
    name="plan",
    description=text("plan.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    @app_commands.command(name="create", description=text("plan.create.description"))
    @app_commands.describe(
        name=text("plan.options.name"),
        kind=text("plan.options.kind"),
        rate=text("plan.options.rate"),
        amount=text("plan.options.amount"),
        levels=text("plan.options.levels"),
        basis=text("plan.options.basis"),
        recurring=text("plan.options.recurring"),
        months=text("plan.options.months"),
    )
    @app_commands.choices(
        kind=[app_commands.Choice(name=text(f"plan.kinds.{k}"), value=k) for k in PLAN_KINDS],
        basis=[
            app_commands.Choice(name=text("plan.bases.revenue"), value="revenue"),
            app_commands.Choice(name=text("plan.bases.sales"), value="sales"),
        ],
        recurring=[
            app_commands.Choice(name=text(f"plan.recurring.{r.value}"), value=r.value)
            for r in Recurring
        ],
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 60],
        kind: app_commands.Choice[str],
        rate: app_commands.Range[str, 1, 10] | None = None,
        amount: app_commands.Range[str, 1, 20] | None = None,
        levels: app_commands.Range[str, 3, 200] | None = None,
        basis: app_commands.Choice[str] | None = None,
        recurring: app_commands.Choice[str] | None = None,
        months: app_commands.Range[int, 1, MAX_MONTHS] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        plan = await svc.plans.create(
            interaction.guild_id,
            interaction.user.id,
            name=name,
            kind=kind.value,
            rate=rate,
            amount=amount,
            levels=levels,
            basis=basis.value if basis else None,
            recurring=recurring.value if recurring else None,
            months=months,
        )
        settings = await svc.settings.get(interaction.guild_id)
        await reply(
            interaction,
            render("plans.created", lang(interaction), plan=plan, s=settings),
        )

    @app_commands.command(name="list", description=text("plan.list.description"))
    async def list_(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        plans = await svc.plans.list(interaction.guild_id)
        settings = await svc.settings.get(interaction.guild_id)
        embed = discord.Embed(
            title=render("plans.list_title", lang(interaction)),
            description=render("plans.list", lang(interaction), plans=plans, s=settings),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="assign", description=text("plan.assign.description"))
    @app_commands.describe(member=text("plan.options.member"), plan=text("plan.options.plan"))
    async def assign(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        plan: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        svc = services(interaction)
        chosen = await svc.plans.assign(member.guild.id, interaction.user.id, member.id, plan)
        await reply(
            interaction,
            render("plans.assigned", lang(interaction), member=member.id, plan=chosen),
        )

    @assign.autocomplete("plan")
    async def _plan(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        plans = await services(interaction).plans.list(interaction.guild_id)
        return name_choices((plan.name for plan in plans), current)


class ConversionsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(ConversionsCog(bot))
    bot.tree.add_command(ConversionGroup())
    bot.tree.add_command(PlanGroup())
