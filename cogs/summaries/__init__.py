"""The weekly summary: the schedule's channel post and DMs, ``/summary …`` for managers and
``/public-earnings`` for creators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.summaries._cog import SummariesCog, SummaryGroup

if TYPE_CHECKING:
    from bot.client import CreatorBot


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(SummariesCog(bot))
    bot.tree.add_command(SummaryGroup())
