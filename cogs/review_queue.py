"""``/applications``: the review queue, ten per page, and "Approve all matching" as a job."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.applications import Platform, Status
from bot.domain.jobs import ItemResult, ItemState, Job, JobItem, JobKind
from bot.domain.review_queue import MAX_NICHE_FILTER, QueueFilter, QueuePage
from bot.domain.tiers import Tier
from bot.errors import CreatorbotError
from bot.i18n import render
from bot.interactions import PersistentButton, is_manager, lang, manager_only, services
from bot.services.review_queue import DM_CLOSED, DM_SENT, outcome_of
from bot.translator import text
from cogs.onboarding import _flows

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

CUSTOM_ID_LIMIT = 100
_STYLES = {
    "prev": discord.ButtonStyle.secondary,
    "next": discord.ButtonStyle.secondary,
    "all": discord.ButtonStyle.success,
    "go": discord.ButtonStyle.success,
    "back": discord.ButtonStyle.secondary,
}


class FilterTooLong(CreatorbotError):
    key = "queue.filter_too_long"


def encode_filter(chosen: QueueFilter) -> str:
    """The filter as the tail of a custom_id: ``status:tier:platform:centi:niche``."""
    engagement = "" if chosen.min_engagement is None else str(round(chosen.min_engagement * 100))
    return ":".join(
        (
            chosen.status or "",
            chosen.tier or "",
            chosen.platform or "",
            engagement,
            quote(chosen.niche or "", safe=" "),
        )
    )


def decode_filter(encoded: str) -> QueueFilter:
    status, tier, platform, engagement, niche = encoded.split(":", 4)
    return QueueFilter(
        status=Status(status) if status else None,
        tier=Tier(tier) if tier else None,
        platform=Platform(platform) if platform else None,
        min_engagement=int(engagement) / 100 if engagement else None,
        niche=unquote(niche) or None,
    )


class QueueButton(
    PersistentButton,
    template=r"cb:aq:(?P<action>prev|next|all|go|back):(?P<page>[0-9]{1,5}):(?P<filter>.*)",
):
    """Paging, "Approve all matching", its confirmation and the way back, on the queue.

    The page and the filter are in the custom_id, so the buttons work after a restart.
    """

    def __init__(
        self,
        action: str,
        page: int,
        chosen: QueueFilter,
        language: str,
        *,
        count: int = 0,
        disabled: bool = False,
    ) -> None:
        custom_id = f"cb:aq:{action}:{page}:{encode_filter(chosen)}"
        if len(custom_id) > CUSTOM_ID_LIMIT:
            raise FilterTooLong()
        super().__init__(
            discord.ui.Button(
                label=render(f"queue.button_{action}", language, n=count),
                style=_STYLES[action],
                custom_id=custom_id,
                disabled=disabled,
            )
        )
        self.action = action
        self.page = page
        self.chosen = chosen

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> QueueButton:
        return cls(
            match["action"], int(match["page"]), decode_filter(match["filter"]), lang(interaction)
        )

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        if self.action == "go":
            await _approve_all(interaction, self.chosen)
            return
        page = self.page + {"prev": -1, "next": 1}.get(self.action, 0)
        shown = await svc.review_queue.page(interaction.guild_id, self.chosen, page)
        if self.action == "all":
            await interaction.response.edit_message(
                content=render("queue.confirm", language, n=shown.total),
                view=_confirm_view(shown, self.chosen, language),
            )
            return
        await interaction.response.edit_message(
            content=_page_text(shown, language), view=_page_view(shown, self.chosen, language)
        )


def _page_text(shown: QueuePage, language: str) -> str:
    return render("queue.page", language, q=shown)


def _page_view(shown: QueuePage, chosen: QueueFilter, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(QueueButton("prev", shown.page, chosen, language, disabled=shown.page == 0))
    last = shown.page >= shown.pages - 1
    view.add_item(QueueButton("next", shown.page, chosen, language, disabled=last))
    view.add_item(QueueButton("all", shown.page, chosen, language, count=shown.total))
    return view


def _confirm_view(shown: QueuePage, chosen: QueueFilter, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(QueueButton("go", shown.page, chosen, language, count=shown.total))
    view.add_item(QueueButton("back", shown.page, chosen, language))
    return view


def _job_text(job: Job, language: str) -> str:
    key = "queue.done" if job.finished else "queue.progress"
    return render(
        key,
        language,
        job=job,
        approved=job.count(ItemState.DONE),
        sent=job.count(DM_SENT),
        closed=job.count(DM_CLOSED),
        skipped=job.count(ItemState.SKIPPED),
        failed=job.count(ItemState.FAILED),
    )


async def _approve_all(interaction: discord.Interaction, chosen: QueueFilter) -> None:
    """Create the job, answer at once, and let the run edit the answer as it goes."""
    svc = services(interaction)
    language = lang(interaction)
    assert interaction.guild_id is not None
    job = await svc.review_queue.start_approval(interaction.guild_id, interaction.user.id, chosen)
    await interaction.response.edit_message(content=_job_text(job, language), view=None)

    async def progress(current: Job) -> None:
        if not interaction.is_expired():
            await interaction.edit_original_response(content=_job_text(current, language))

    svc.jobs.start(job, progress)


class ReviewQueueCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(QueueButton)
        self.bot.services.jobs.register(JobKind.APPROVE_APPLICATIONS, self.approve_item)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(QueueButton)
        await self.bot.services.jobs.unregister(JobKind.APPROVE_APPLICATIONS)

    async def approve_item(self, job: Job, item: JobItem) -> ItemResult:
        """One application of a bulk approval: approve, then role, welcome DM and card."""
        svc = self.bot.services
        step = await svc.review_queue.approval_step(job, item)
        if step.skipped is not None:
            return ItemResult(ItemState.SKIPPED, step.skipped)
        assert step.approval is not None
        if step.welcome is not None:
            # Completed before a restart: the DM was attempted once and is never repeated.
            return ItemResult(ItemState.DONE, outcome_of(step.welcome))
        await _flows.complete_approval(self.bot, svc, step.approval)
        return ItemResult(ItemState.DONE, await svc.review_queue.welcome_outcome(step.approval))

    @app_commands.command(name="applications", description=text("applications.description"))
    @manager_only()
    @app_commands.describe(
        status=text("applications.options.status"),
        tier=text("applications.options.tier"),
        platform=text("applications.options.platform"),
        min_engagement=text("applications.options.min_engagement"),
        niche=text("applications.options.niche"),
    )
    @app_commands.choices(
        status=[
            app_commands.Choice(name=text(f"applications.statuses.{s}"), value=s)
            for s in (Status.OPEN, Status.INFO_REQUESTED)
        ],
        tier=[
            app_commands.Choice(name=text(f"applications.tiers.{t}"), value=t.value) for t in Tier
        ],
        platform=[
            app_commands.Choice(name=text(f"apply.platforms.{p}"), value=p.value) for p in Platform
        ],
    )
    async def applications(
        self,
        interaction: discord.Interaction,
        status: app_commands.Choice[str] | None = None,
        tier: app_commands.Choice[str] | None = None,
        platform: app_commands.Choice[str] | None = None,
        min_engagement: app_commands.Range[float, 0.0, 100.0] | None = None,
        niche: app_commands.Range[str, 1, MAX_NICHE_FILTER] | None = None,
    ) -> None:
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        chosen = QueueFilter(
            status=Status(status.value) if status else None,
            tier=Tier(tier.value) if tier else None,
            platform=Platform(platform.value) if platform else None,
            min_engagement=min_engagement,
            niche=" ".join(niche.split()) if niche else None,
        )
        shown = await svc.review_queue.page(interaction.guild_id, chosen, 0)
        await interaction.response.send_message(
            _page_text(shown, language),
            view=_page_view(shown, chosen, language),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(ReviewQueueCog(bot))
