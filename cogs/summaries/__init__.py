"""The weekly summary: the schedule's channel post and DMs, ``/summary …`` for managers and
``/public-earnings`` for creators."""

from __future__ import annotations

from discord.ext import commands

from cogs.summaries._cog import SummariesCog, SummaryGroup


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SummariesCog(bot))
    bot.tree.add_command(SummaryGroup())
