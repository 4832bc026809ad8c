"""An e2e program whose Shopify store is connected: the local stand-in served beside the
Discord emulator, reached by the bot through CREATORBOT_SHOPIFY_STORE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from emulators._base import LoopbackServer
from emulators.shopify import ShopifyStore, create_app

TOKEN = "shpat_0123456789abcdef0123456789abcdef"


@asynccontextmanager
async def shopify_program(
    database: Path, clock: FrozenClock, store: ShopifyStore, **env: str
) -> AsyncIterator[LocalDiscord]:
    """A configured program (review channel, shop, creator role) with ``store`` connected;
    ``env`` sets more of the bot's environment (e.g. the webhook secret)."""
    async with (
        LoopbackServer(create_app(store)) as shop,
        LocalDiscord(
            database,
            clock=clock,
            CREATORBOT_SHOPIFY_STORE=shop.base_url,
            CREATORBOT_SHOPIFY_ADMIN_TOKEN=TOKEN,
            **env,
        ) as world,
    ):
        cast = world.cast
        await world.services.settings.update(
            cast.guild.id,
            cast.manager.id,
            {
                "review_channel": cast.review.id,
                "shop_url": "https://shop.example.com",
                "creator_role": cast.creator_role.id,
            },
        )
        yield world
