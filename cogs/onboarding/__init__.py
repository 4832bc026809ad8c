"""Creator onboarding: apply, review, approve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.onboarding._cog import CreatorGroup, OnboardingCog

if TYPE_CHECKING:
    from bot.client import CreatorBot


async def setup(bot: CreatorBot) -> None:
    await bot.add_cog(OnboardingCog(bot))
    bot.tree.add_command(CreatorGroup())
