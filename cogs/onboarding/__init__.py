"""Creator onboarding: apply, review, approve."""

from __future__ import annotations

from discord.ext import commands

from cogs.onboarding._cog import CreatorGroup, OnboardingCog


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(OnboardingCog(bot))
    bot.tree.add_command(CreatorGroup())
