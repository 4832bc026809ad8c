"""``/applications``: the review queue, ten per page, and "Approve all matching" and
"Reject all matching" as jobs."""

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
from bot.interactions import (
    PersistentButton,
    TextModal,
    is_manager,
    lang,
    manager_only,
    services,
)
from bot.progress import job_progress, resumed_progress
from bot.services.jobs import Progress
from bot.services.notifications import Delivery
from bot.services.onboarding import clean_reason
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
    "rej": discord.ButtonStyle.danger,
    "rgo": discord.ButtonStyle.danger,
    "back": discord.ButtonStyle.secondary,
}
# The reason typed for "Reject all matching", by the id of the message that asks to confirm
# it. A reason is longer than a custom_id may be; a restart forgets it and the manager is told
# to start again (nothing was rejected yet).
_REJECT_REASONS: dict[int, str] = {}
_MAX_REASONS_KEPT = 1000


class FilterTooLong(CreatorbotError):
    key = "queue.filter_too_long"


class RejectReasonLost(CreatorbotError):
    """The confirmation of a bulk rejection outlived its reason (a restart in between)."""

    key = "queue.reject_expired"


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
    template=r"cb:aq:(?P<action>prev|next|all|go|rej|rgo|back):(?P<page>[0-9]{1,5}):(?P<filter>.*)",
):
    """Paging, "Approve/Reject all matching", their confirmations and the way back.

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
        if self.action == "rgo":
            await _reject_all(interaction, self.chosen)
            return
        page = self.page + {"prev": -1, "next": 1}.get(self.action, 0)
        shown = await svc.review_queue.page(interaction.guild_id, self.chosen, page)
        if self.action == "rej":
            await interaction.response.send_modal(RejectAllModal(shown.page, self.chosen, language))
            return
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


def _running_text(running: list[Job], language: str) -> str:
    """A line per bulk approval still running here, for a manager whose reply went stale."""
    return "".join(render("queue.running", language, job=job) + "\n" for job in running)


def _page_view(shown: QueuePage, chosen: QueueFilter, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(QueueButton("prev", shown.page, chosen, language, disabled=shown.page == 0))
    last = shown.page >= shown.pages - 1
    view.add_item(QueueButton("next", shown.page, chosen, language, disabled=last))
    view.add_item(QueueButton("all", shown.page, chosen, language, count=shown.total))
    view.add_item(QueueButton("rej", shown.page, chosen, language, count=shown.total))
    return view


def _confirm_view(shown: QueuePage, chosen: QueueFilter, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(QueueButton("go", shown.page, chosen, language, count=shown.total))
    view.add_item(QueueButton("back", shown.page, chosen, language))
    return view


def _reject_confirm_view(shown: QueuePage, chosen: QueueFilter, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(QueueButton("rgo", shown.page, chosen, language, count=shown.total))
    view.add_item(QueueButton("back", shown.page, chosen, language))
    return view


class RejectAllModal(TextModal):
    """Asks the one reason every applicant of a bulk rejection reads, then for confirmation."""

    def __init__(self, page: int, chosen: QueueFilter, language: str) -> None:
        super().__init__(
            title=render("queue.reject_modal_title", language),
            label=render("onboarding.reject_modal_label", language),
            custom_id="cb:aq-modal:reject",
        )
        self.page = page
        self.chosen = chosen

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # No defer: the answer replaces the list with the confirmation, within three seconds.
        await self.on_text(interaction, self.text.value)

    async def on_text(self, interaction: discord.Interaction, text: str) -> None:
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None and interaction.message is not None
        reason = clean_reason(text)
        shown = await svc.review_queue.page(interaction.guild_id, self.chosen, self.page)
        if len(_REJECT_REASONS) >= _MAX_REASONS_KEPT:
            _REJECT_REASONS.pop(next(iter(_REJECT_REASONS)))
        _REJECT_REASONS[interaction.message.id] = reason
        await interaction.response.edit_message(
            content=render("queue.reject_confirm", language, n=shown.total, reason=reason),
            view=_reject_confirm_view(shown, self.chosen, language),
            allowed_mentions=discord.AllowedMentions.none(),
        )


def _job_text(job: Job, language: str) -> str:
    rejecting = job.kind is JobKind.REJECT_APPLICATIONS
    key = ("queue.reject_" if rejecting else "queue.") + ("done" if job.finished else "progress")
    return render(
        key,
        language,
        job=job,
        approved=job.count(ItemState.DONE),
        decided=job.count(ItemState.DONE),
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
    progress = await job_progress(interaction, job, _job_text)
    await interaction.response.edit_message(content=_job_text(job, language), view=None)
    svc.jobs.start(job, progress)


async def _reject_all(interaction: discord.Interaction, chosen: QueueFilter) -> None:
    """As :func:`_approve_all`, with the reason the manager typed in the modal."""
    svc = services(interaction)
    language = lang(interaction)
    assert interaction.guild_id is not None and interaction.message is not None
    reason = _REJECT_REASONS.get(interaction.message.id)
    if reason is None:
        raise RejectReasonLost()
    job = await svc.review_queue.start_rejection(
        interaction.guild_id, interaction.user.id, chosen, reason
    )
    _REJECT_REASONS.pop(interaction.message.id, None)
    progress = await job_progress(interaction, job, _job_text)
    await interaction.response.edit_message(content=_job_text(job, language), view=None)
    svc.jobs.start(job, progress)


class ReviewQueueCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(QueueButton)
        jobs = self.bot.services.jobs
        jobs.register(
            JobKind.APPROVE_APPLICATIONS, self.approve_item, resumed_progress=self._progress
        )
        jobs.register(
            JobKind.REJECT_APPLICATIONS, self.reject_item, resumed_progress=self._progress
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(QueueButton)
        await self.bot.services.jobs.unregister(JobKind.APPROVE_APPLICATIONS)
        await self.bot.services.jobs.unregister(JobKind.REJECT_APPLICATIONS)

    def _progress(self, job: Job) -> Progress | None:
        return resumed_progress(self.bot, job, _job_text)

    async def approve_item(self, job: Job, item: JobItem) -> ItemResult:
        """One application of a bulk approval: approve, then role, welcome DM and card."""
        svc = self.bot.services
        step = await svc.review_queue.approval_step(job, item)
        if step.skipped is not None:
            return ItemResult(ItemState.SKIPPED, step.skipped)
        assert step.approval is not None
        if step.welcome is Delivery.UNFINISHED:
            # A stopped run claimed the welcome but never recorded it: sent unless the
            # creator's DMs hold it already, so the restart neither loses nor doubles it.
            await _flows.complete_approval(self.bot, svc, step.approval, resumed=True)
        elif step.welcome is not None:
            # Completed before a restart: the DM was attempted once and is never repeated.
            return ItemResult(ItemState.DONE, outcome_of(step.welcome))
        else:
            await _flows.complete_approval(self.bot, svc, step.approval)
        return ItemResult(ItemState.DONE, await svc.review_queue.welcome_outcome(step.approval))

    async def reject_item(self, job: Job, item: JobItem) -> ItemResult:
        """One application of a bulk rejection: reject, then the rejection DM and the card."""
        svc = self.bot.services
        step = await svc.review_queue.rejection_step(job, item)
        if step.skipped is not None:
            return ItemResult(ItemState.SKIPPED, step.skipped)
        assert step.rejection is not None
        if step.dm is not None:
            # Attempted before a restart: the DM is never repeated.
            return ItemResult(ItemState.DONE, outcome_of(step.dm))
        await _flows.complete_rejection(self.bot, svc, step.rejection)
        return ItemResult(ItemState.DONE, await svc.review_queue.rejection_outcome(step.rejection))

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
        running = await svc.jobs.running_in(interaction.guild_id, JobKind.APPROVE_APPLICATIONS)
        await interaction.response.send_message(
            _running_text(running, language) + _page_text(shown, language),
            view=_page_view(shown, chosen, language),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(ReviewQueueCog(bot))
