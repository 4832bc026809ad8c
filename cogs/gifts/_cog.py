"""The gifts cog: the offer DMs as a resumable job, and the persistent buttons."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from discord.ext import commands

from bot.domain.broadcasts import INACTIVE, LEFT
from bot.domain.jobs import ItemResult, ItemState, Job, JobItem, JobKind
from bot.i18n import language_of, render
from bot.notify import dm_job_item, is_member
from bot.progress import resumed_progress
from bot.services.broadcasts import dm_outcome
from bot.services.jobs import Progress
from bot.services.notifications import Delivery
from cogs.gifts._answer import GiftButton, VariantSelect, offer_view
from cogs.gifts._commands import GiftGroup, _tell_delivered, delivered_job_text, job_text

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)


class GiftsCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(GiftButton, VariantSelect)
        self.bot.services.jobs.register(
            JobKind.GIFT_OFFER, self.send_item, resumed_progress=self._progress
        )
        self.bot.services.jobs.register(
            JobKind.GIFT_DELIVERED, self.tell_item, resumed_progress=self._told_progress
        )
        self.bot.services.schedule.add_sweep_task("gift deliveries", self.tell_deliveries)

    async def tell_deliveries(self) -> int:
        """DM the creators of gifts delivered without a manager's command (the shop said so)
        or whose DM a crash cut off, once each."""
        told = 0
        for gift in await self.bot.services.gifts.untold_deliveries():
            await _tell_delivered(self.bot, gift)
            told += 1
        return told

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(GiftButton, VariantSelect)
        await self.bot.services.jobs.unregister(JobKind.GIFT_OFFER)
        await self.bot.services.jobs.unregister(JobKind.GIFT_DELIVERED)

    def _progress(self, job: Job) -> Progress | None:
        return resumed_progress(self.bot, job, job_text)

    def _told_progress(self, job: Job) -> Progress | None:
        return resumed_progress(self.bot, job, delivered_job_text)

    async def tell_item(self, job: Job, item: JobItem) -> ItemResult:
        """One delivered gift: its creator's "your gift arrived" DM, once."""
        gift = await self.bot.services.gifts.delivered_item(job, item)
        if gift is None or gift.notice is None:
            return ItemResult(ItemState.SKIPPED, INACTIVE)
        delivery = await _tell_delivered(self.bot, gift)
        if delivery is Delivery.UNDELIVERABLE and not await is_member(
            self.bot, job.guild_id, gift.notice.user_id
        ):
            return ItemResult(ItemState.SKIPPED, LEFT)
        return ItemResult(ItemState.DONE, dm_outcome(delivery))

    async def send_item(self, job: Job, item: JobItem) -> ItemResult:
        """One creator of an offer: their DM with Accept / Decline, once."""
        svc = self.bot.services
        recipient = await svc.gifts.recipient(job, item)
        if recipient.skipped is not None:
            return ItemResult(ItemState.SKIPPED, recipient.skipped)
        assert recipient.claim is not None and recipient.notice is not None
        claim_id = recipient.claim.id
        language = language_of(recipient.claim.locale)

        async def message() -> dict[str, Any]:
            guild = self.bot.get_guild(job.guild_id)
            settings = await svc.settings.get(job.guild_id)
            content = render(
                "gifts.offer_dm",
                language,
                offer=recipient.offer,
                brand=guild.name if guild else "",
                tz=settings.timezone,
            )
            return {"content": content, "view": offer_view(claim_id, language)}

        marker = f"cb:gift:accept:{claim_id}"
        return await dm_job_item(
            self.bot,
            svc.notifications,
            job.guild_id,
            recipient.notice,
            recipient.earlier,
            message,
            lambda m: marker in str([c.to_dict() for c in m.components]),
        )


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(GiftsCog(bot))
    bot.tree.add_command(GiftGroup())
