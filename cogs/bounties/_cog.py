"""The bounties cog: the announcement DMs as a resumable job, the cards' buttons, and the
sweep that tells the winners."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from discord.ext import commands

from bot.domain.jobs import ItemResult, ItemState, Job, JobItem, JobKind
from bot.i18n import language_of, render
from bot.notify import dm_job_item
from bot.progress import resumed_progress
from bot.services.jobs import Progress
from cogs.bounties._card import BountyEntryButton
from cogs.bounties._commands import BountyGroup
from cogs.bounties._posts import bounty_embed, job_text, tell_win

if TYPE_CHECKING:
    from bot.client import CreatorBot

log = logging.getLogger(__name__)


class BountiesCog(commands.Cog):
    def __init__(self, bot: CreatorBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(BountyEntryButton)
        self.bot.services.jobs.register(
            JobKind.BOUNTY_ANNOUNCE, self.send_item, resumed_progress=self._progress
        )
        self.bot.services.schedule.add_sweep_task("bounty winners", self.tell_winners)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(BountyEntryButton)
        await self.bot.services.jobs.unregister(JobKind.BOUNTY_ANNOUNCE)

    def _progress(self, job: Job) -> Progress | None:
        return resumed_progress(self.bot, job, job_text)

    async def tell_winners(self) -> int:
        """Tell the winners the sweep decided, and any a restart cut off, once each."""
        told = 0
        svc = self.bot.services
        for bounty, entry in await svc.bounties.untold():
            await tell_win(self.bot, svc, bounty, entry)
            told += 1
        return told

    async def send_item(self, job: Job, item: JobItem) -> ItemResult:
        """One creator of the segment: the bounty by DM, once."""
        svc = self.bot.services
        recipient = await svc.bounties.recipient(job, item)
        if recipient.skipped is not None:
            return ItemResult(ItemState.SKIPPED, recipient.skipped)
        assert recipient.creator is not None and recipient.notice is not None
        creator, bounty = recipient.creator, recipient.bounty
        title = render("bounties.embed_title", language_of(creator.locale), b=bounty)

        async def message() -> dict[str, Any]:
            settings = await svc.settings.get(job.guild_id)
            guild = self.bot.get_guild(job.guild_id)
            brand = guild.name if guild else ""
            language = language_of(creator.locale)
            return {"embed": bounty_embed(bounty, language, settings.timezone, brand)}

        return await dm_job_item(
            self.bot,
            svc.notifications,
            job.guild_id,
            recipient.notice,
            recipient.earlier,
            message,
            lambda m: any(e.title == title for e in m.embeds),
        )


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(BountiesCog(bot))
    bot.tree.add_command(BountyGroup())
