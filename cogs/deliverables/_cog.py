"""Contracts and deliverables: manager commands, ``/deliverables``, ``/submit``, the
verification card, and the reminder sweep."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import Services
from bot.domain.bulk_requests import MAX_COUNT
from bot.domain.deliverables import Kind
from bot.domain.jobs import ItemResult, Job, JobItem, JobKind
from bot.errors import CreatorbotError
from bot.i18n import render
from bot.interactions import (
    NO_MENTIONS,
    ManagerGroup,
    guild_language,
    lang,
    name_choices,
    reply,
    services,
)
from bot.notify import send_dm
from bot.services.deliverables import Metrics, ReminderJob
from bot.services.notifications import RecipientUnreachable
from bot.translator import text
from cogs.deliverables._bulk import BulkButton, confirmation, plan_item, resumed
from cogs.deliverables._review import ReviewButton, post_card
from cogs.deliverables._views import describe
from cogs.onboarding._cog import PLATFORMS

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

KINDS = tuple(k.value for k in Kind)
PLATFORM_CHOICES = [
    app_commands.Choice(name=text(f"apply.platforms.{p}"), value=p) for p in PLATFORMS
]
KIND_CHOICES = [app_commands.Choice(name=text(f"deliverable.kinds.{k}"), value=k) for k in KINDS]


class DeliverableGroup(
    ManagerGroup,
    name="deliverable",
    description=text("deliverable.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    @app_commands.command(name="add", description=text("deliverable.add.description"))
    @app_commands.describe(
        platform=text("deliverable.options.platform"),
        kind=text("deliverable.options.kind"),
        due=text("deliverable.options.due"),
        member=text("deliverable.options.member"),
        segment=text("deliverable.options.segment"),
        fee=text("deliverable.options.fee"),
        count=text("deliverable.options.count"),
    )
    @app_commands.choices(platform=PLATFORM_CHOICES, kind=KIND_CHOICES)
    async def add(
        self,
        interaction: discord.Interaction,
        platform: app_commands.Choice[str],
        kind: app_commands.Choice[str],
        due: app_commands.Range[str, 2, 40],
        member: discord.Member | None = None,
        segment: app_commands.Range[str, 1, 40] | None = None,
        fee: app_commands.Range[str, 1, 20] | None = None,
        count: app_commands.Range[int, 1, MAX_COUNT] = 1,
    ) -> None:
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        if (member is None) == (segment is None):
            raise CreatorbotError("deliverables.member_or_segment", both=member is not None)
        settings = await svc.settings.get(interaction.guild_id)
        if segment is not None:
            request = await svc.bulk_requests.ask(
                interaction.guild_id,
                interaction.user.id,
                segment=segment,
                platform=platform.value,
                kind=kind.value,
                due=due,
                fee=fee,
                count=count,
            )
            await reply(interaction, **confirmation(request, language, settings.timezone))
            return
        assert member is not None
        lines = []
        for _ in range(count):
            item = await svc.deliverables.add(
                interaction.guild_id,
                interaction.user.id,
                member.id,
                platform=platform.value,
                kind=kind.value,
                due=due,
                fee=fee,
            )
            described = describe(item, language, settings.timezone, svc.clock.now())
            lines.append(render("deliverables.added", language, **described))
        await reply(interaction, "\n".join(lines))

    @add.autocomplete("segment")
    async def _segment(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).segments.names(interaction.guild_id)
        return name_choices(["all", *names], current)

    @app_commands.command(name="list", description=text("deliverable.list.description"))
    @app_commands.describe(member=text("deliverable.options.member"))
    async def list_(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        items, undeliverable = await svc.deliverables.listing(
            interaction.guild_id, member.id if member else None
        )
        settings = await svc.settings.get(interaction.guild_id)
        language = lang(interaction)
        now = svc.clock.now()
        embed = discord.Embed(
            title=render("deliverables.list_title", language),
            description=render(
                "deliverables.list",
                language,
                items=[describe(i, language, settings.timezone, now) for i in items],
                undeliverable=undeliverable,
            ),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="edit", description=text("deliverable.edit.description"))
    @app_commands.describe(
        deliverable=text("deliverable.options.id"),
        due=text("deliverable.options.due"),
        fee=text("deliverable.options.fee"),
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        deliverable: int,
        due: app_commands.Range[str, 10, 40] | None = None,
        fee: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        item = await svc.deliverables.edit(
            interaction.guild_id, interaction.user.id, deliverable, due=due, fee=fee
        )
        settings = await svc.settings.get(interaction.guild_id)
        language = lang(interaction)
        await reply(
            interaction,
            render(
                "deliverables.edited",
                language,
                **describe(item, language, settings.timezone, svc.clock.now()),
            ),
        )

    @app_commands.command(name="cancel", description=text("deliverable.cancel.description"))
    @app_commands.describe(deliverable=text("deliverable.options.id"))
    async def cancel(self, interaction: discord.Interaction, deliverable: int) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        item = await svc.deliverables.cancel(interaction.guild_id, interaction.user.id, deliverable)
        await post_card(interaction.client, svc, item)
        await reply(interaction, render("deliverables.cancelled", lang(interaction), d=item))


class ContractGroup(
    ManagerGroup,
    name="contract",
    description=text("contract.description"),
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
):
    @app_commands.command(name="create", description=text("contract.create.description"))
    @app_commands.describe(
        member=text("contract.options.member"),
        segment=text("contract.options.segment"),
        title=text("contract.options.title"),
        start=text("contract.options.start"),
        end=text("contract.options.end"),
        fee=text("contract.options.fee"),
        total_fee=text("contract.options.total_fee"),
        plan=text("contract.options.plan"),
        gift=text("contract.options.gift"),
        gift_cost=text("contract.options.gift_cost"),
        template=text("contract.options.template"),
    )
    async def create(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 2, 100],
        start: app_commands.Range[str, 10, 40],
        member: discord.Member | None = None,
        segment: app_commands.Range[str, 1, 40] | None = None,
        end: app_commands.Range[str, 10, 40] | None = None,
        fee: app_commands.Range[str, 1, 20] | None = None,
        total_fee: app_commands.Range[str, 1, 20] | None = None,
        plan: app_commands.Range[str, 1, 60] | None = None,
        gift: app_commands.Range[str, 2, 200] | None = None,
        gift_cost: app_commands.Range[str, 1, 20] | None = None,
        template: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        if (member is None) == (segment is None):
            raise CreatorbotError("deliverables.member_or_segment", both=member is not None)
        settings = await svc.settings.get(interaction.guild_id)
        language = lang(interaction)
        terms = await svc.deliverables.contract_terms(
            interaction.guild_id,
            title=title,
            start=start,
            end=end,
            fee=fee,
            total_fee=total_fee,
            plan=plan,
            gift=gift,
            gift_cost=gift_cost,
            template=template,
        )
        if segment is not None:
            request = await svc.bulk_requests.ask_contract(
                interaction.guild_id, interaction.user.id, segment=segment, terms=terms
            )
            await reply(interaction, **confirmation(request, language, settings.timezone))
            return
        assert member is not None
        contract, items = await svc.deliverables.contract_on(
            interaction.guild_id, interaction.user.id, member.id, terms
        )
        now = svc.clock.now()
        await reply(
            interaction,
            render(
                "deliverables.contract_created",
                language,
                c=contract,
                member=member.id,
                items=[describe(i, language, settings.timezone, now) for i in items],
                timezone=settings.timezone,
            ),
        )

    @create.autocomplete("segment")
    async def _segment(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).segments.names(interaction.guild_id)
        return name_choices(["all", *names], current)

    @create.autocomplete("template")
    async def _template(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        names = await services(interaction).deliverables.template_names(interaction.guild_id)
        return [
            app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()
        ][:25]

    @app_commands.command(name="template", description=text("contract.template.description"))
    @app_commands.describe(
        name=text("contract.options.template_name"),
        platform=text("deliverable.options.platform"),
        kind=text("deliverable.options.kind"),
        count=text("contract.options.count"),
        days=text("contract.options.days"),
        fee=text("contract.options.fee"),
    )
    @app_commands.choices(platform=PLATFORM_CHOICES, kind=KIND_CHOICES)
    async def template(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 2, 60],
        platform: app_commands.Choice[str],
        kind: app_commands.Choice[str],
        count: app_commands.Range[int, 1, 50],
        days: app_commands.Range[int, 1, 366],
        fee: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        saved = await svc.deliverables.create_template(
            interaction.guild_id,
            interaction.user.id,
            name=name,
            platform=platform.value,
            kind=kind.value,
            count=count,
            days=days,
            fee=fee,
        )
        await reply(
            interaction,
            render(
                "deliverables.template_saved", lang(interaction), name=saved, count=count, days=days
            ),
        )

    @app_commands.command(name="list", description=text("contract.list.description"))
    @app_commands.describe(member=text("contract.options.member"))
    async def list_(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        contracts = await svc.deliverables.contracts(
            interaction.guild_id, member.id if member else None
        )
        settings = await svc.settings.get(interaction.guild_id)
        embed = discord.Embed(
            title=render("deliverables.contracts_title", lang(interaction)),
            description=render(
                "deliverables.contracts",
                lang(interaction),
                contracts=contracts,
                timezone=settings.timezone,
            ),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)


class DeliverablesCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        svc = self.bot.services
        svc.schedule.add_sweep_task("deliverable reminders", self.send_reminders)
        # Cards posted before a restart keep their buttons: they are routed by custom_id.
        self.bot.add_dynamic_items(ReviewButton, BulkButton)
        svc.jobs.register(
            JobKind.BULK_DELIVERABLES,
            self.plan_item,
            resumed_progress=lambda job: resumed(self.bot, job),
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton, BulkButton)
        await self.bot.services.jobs.unregister(JobKind.BULK_DELIVERABLES)

    async def plan_item(self, job: Job, item: JobItem) -> ItemResult:
        """One creator of a bulk request (``/deliverable add segment:``)."""
        return await plan_item(self.bot, job, item)

    @app_commands.command(name="deliverables", description=text("deliverables.description"))
    @app_commands.guild_only()
    async def deliverables(self, interaction: discord.Interaction) -> None:
        svc = services(interaction)
        assert interaction.guild_id is not None
        items = await svc.deliverables.mine(interaction.guild_id, interaction.user.id)
        settings = await svc.settings.get(interaction.guild_id)
        language = lang(interaction)
        now = svc.clock.now()
        embed = discord.Embed(
            title=render("deliverables.mine_title", language),
            description=render(
                "deliverables.mine",
                language,
                items=[describe(i, language, settings.timezone, now) for i in items],
            ),
            colour=discord.Colour.blurple(),
        )
        await reply(interaction, embed=embed)

    @app_commands.command(name="submit", description=text("submit.description"))
    @app_commands.guild_only()
    @app_commands.describe(
        deliverable=text("submit.options.deliverable"),
        url=text("submit.options.url"),
        reach=text("submit.options.reach"),
        likes=text("submit.options.likes"),
        comments=text("submit.options.comments"),
        shares=text("submit.options.shares"),
    )
    async def submit(
        self,
        interaction: discord.Interaction,
        deliverable: int,
        url: app_commands.Range[str, 10, 500],
        reach: app_commands.Range[int, 0, 10_000_000_000] | None = None,
        likes: app_commands.Range[int, 0, 10_000_000_000] | None = None,
        comments: app_commands.Range[int, 0, 10_000_000_000] | None = None,
        shares: app_commands.Range[int, 0, 10_000_000_000] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        svc = services(interaction)
        assert interaction.guild_id is not None
        item, needs_review = await svc.deliverables.submit(
            interaction.guild_id,
            interaction.user.id,
            deliverable,
            url,
            Metrics(reach, likes, comments, shares),
        )
        await post_card(interaction.client, svc, item)
        settings = await svc.settings.get(interaction.guild_id)
        language = lang(interaction)
        await reply(
            interaction,
            render(
                "deliverables.submitted" if needs_review else "deliverables.metrics_saved",
                language,
                **describe(item, language, settings.timezone, svc.clock.now()),
            ),
        )

    @submit.autocomplete("deliverable")
    async def _deliverable(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        svc = services(interaction)
        assert interaction.guild_id is not None
        items = await svc.deliverables.open_choices(interaction.guild_id, interaction.user.id)
        settings = await svc.settings.get(interaction.guild_id)
        language = lang(interaction)
        now = svc.clock.now()
        choices = []
        for item in items:
            label = render(
                "deliverables.choice", language, **describe(item, language, settings.timezone, now)
            )[:100]
            if current.lower() in label.lower():
                choices.append(app_commands.Choice(name=label, value=item.id))
        return choices[:25]

    async def send_reminders(self) -> int:
        """The sweep: claim what is due, then send; closed DMs are recorded, never fatal."""
        if not self.bot.is_ready():
            return 0
        svc: Services = self.bot.services
        sent = 0
        for job in await svc.deliverables.due_reminders():
            try:
                status = await self._send(svc, job)
            except Exception:
                log.exception("reminder %s of deliverable %s failed", job.kind, job.deliverable.id)
                status = "failed"
            await svc.deliverables.finish_reminder(job, status)
            sent += status == "sent"
        return sent

    async def _send(self, svc: Services, job: ReminderJob) -> str:
        item = job.deliverable
        now = svc.clock.now()
        if job.kind == "escalation":
            if job.review_channel_id is None:
                return "skipped"
            language = guild_language(self.bot, item.guild_id)
            content = render(
                "deliverables.escalation", language, **describe(item, language, job.timezone, now)
            )
            await self.bot.get_partial_messageable(job.review_channel_id).send(
                content, allowed_mentions=NO_MENTIONS
            )
            return "sent"
        if item.creator_user_id is None:
            return "skipped"
        key = "overdue" if job.kind.startswith("overdue:") else "reminder"
        content = render(
            f"deliverables.{key}_dm",
            item.creator_locale,
            **describe(item, item.creator_locale, job.timezone, now),
            notice=job.kind.partition(":")[2],
        )
        try:
            await send_dm(self.bot, item.creator_user_id, content=content)
        except RecipientUnreachable:
            svc.metrics.dm_failures.inc()
            return "undeliverable"
        return "sent"


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(DeliverablesCog(bot))
    bot.tree.add_command(DeliverableGroup())
    bot.tree.add_command(ContractGroup())
