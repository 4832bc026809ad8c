"""``/deliverable add segment:`` and ``/contract create segment:``: the confirmation, its
buttons, and the job's items."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.domain.bulk_requests import (
    DM_CLOSED,
    DM_FAILED,
    DM_SENT,
    BulkRequest,
    BulkWhat,
    summary_of,
)
from bot.domain.jobs import ItemResult, ItemState, Job, JobItem
from bot.i18n import render
from bot.interactions import NO_MENTIONS, PersistentButton, is_manager, lang, services
from bot.notify import dm_holds, send_dm
from bot.progress import job_progress, resumed_progress
from bot.services.jobs import Progress
from bot.services.notifications import Delivery

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)

_OUTCOME = {Delivery.SENT: DM_SENT, Delivery.UNDELIVERABLE: DM_CLOSED}
_STYLES = {"go": discord.ButtonStyle.success, "no": discord.ButtonStyle.secondary}


def confirmation(request: BulkRequest, language: str, timezone: str) -> dict[str, Any]:
    """The confirmation message: what each creator gets, with Confirm and Cancel."""
    view = discord.ui.View(timeout=None)
    view.add_item(BulkButton("go", request.id, language, count=request.recipients))
    view.add_item(BulkButton("no", request.id, language))
    key = "bulk_contract_confirm" if request.what is BulkWhat.CONTRACT else "bulk_confirm"
    content = render(f"deliverables.{key}", language, r=request, timezone=timezone)
    return {"content": content, "view": view}


def _job_text(job: Job, language: str) -> str:
    summary = summary_of(job)
    if not job.finished:
        return render("deliverables.bulk_progress", language, s=summary)
    contract = job.params.get("what") == BulkWhat.CONTRACT
    key = "bulk_contract_done" if contract else "bulk_done"
    return render(f"deliverables.{key}", language, s=summary)


def resumed(bot: CreatorBot, job: Job) -> Progress | None:
    """The progress report of a bulk request's job resumed after a restart."""
    return resumed_progress(bot, job, _job_text)


class BulkButton(PersistentButton, template=r"cb:bd:(?P<action>go|no):(?P<id>[0-9]{1,19})"):
    """Confirm or cancel a bulk request. The request is stored, so this works after a
    restart; pressing Confirm twice starts one job."""

    def __init__(self, action: str, request_id: int, language: str, *, count: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=render(f"deliverables.bulk_button_{action}", language, n=count),
                style=_STYLES[action],
                custom_id=f"cb:bd:{action}:{request_id}",
            )
        )
        self.action = action
        self.request_id = request_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BulkButton:
        return cls(match["action"], int(match["id"]), lang(interaction))

    async def press(self, interaction: discord.Interaction) -> None:
        await is_manager(interaction)
        svc = services(interaction)
        language = lang(interaction)
        assert interaction.guild_id is not None
        if self.action == "no":
            await svc.bulk_requests.cancel(
                interaction.guild_id, interaction.user.id, self.request_id
            )
            await interaction.response.edit_message(
                content=render("deliverables.bulk_cancelled", language), view=None
            )
            return
        job = await svc.bulk_requests.start(
            interaction.guild_id, interaction.user.id, self.request_id
        )
        progress = await job_progress(interaction, job, _job_text)
        await interaction.response.edit_message(
            content=_job_text(job, language), view=None, allowed_mentions=NO_MENTIONS
        )
        svc.jobs.start(job, progress)


async def plan_item(bot: CreatorBot, job: Job, item: JobItem) -> ItemResult:
    """One creator of a bulk request: their deliverables, then one DM telling them."""
    svc = bot.services
    step = await svc.bulk_requests.plan_item(job, item)
    if step.skipped is not None:
        return ItemResult(ItemState.SKIPPED, step.skipped)
    assert step.creator is not None and step.creator.user_id is not None
    if step.earlier is not None and step.earlier is not Delivery.UNFINISHED:
        # Attempted before a restart: the DM is never repeated.
        return ItemResult(ItemState.DONE, _OUTCOME.get(step.earlier, DM_FAILED))
    settings = await svc.settings.get(job.guild_id)
    language = step.creator.locale
    key = "bulk_contract_dm" if step.request.what is BulkWhat.CONTRACT else "bulk_dm"
    content = render(
        f"deliverables.{key}",
        language,
        r=step.request,
        items=step.planned,
        timezone=settings.timezone,
    )
    user_id = step.creator.user_id

    async def send() -> None:
        await send_dm(bot, user_id, content=content)

    if step.earlier is Delivery.UNFINISHED:
        # Claimed by a stopped run but never recorded: sent unless the DM is there.
        assert step.notice is not None
        delivery = await svc.notifications.settle(
            step.notice, send, lambda: dm_holds(bot, user_id, lambda m: m.content == content)
        )
    else:
        delivery = await svc.bulk_requests.tell(step, send)
    return ItemResult(ItemState.DONE, _OUTCOME.get(delivery, DM_FAILED))
