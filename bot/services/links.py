"""Giving creators tracking links: one random slug per (creator, campaign)."""

from __future__ import annotations

import random

from bot.db.connection import Transaction
from bot.db.creators_repo import CreatorRepository, SlugTaken
from bot.domain.codes import new_slug

MAX_SLUG_TRIES = 20


async def ensure_link(
    tx: Transaction,
    creators: CreatorRepository,
    rng: random.Random,
    *,
    guild_id: int,
    creator_id: int,
    campaign_id: int,
    now: int,
) -> bool:
    """Give the creator a link for the campaign unless they have one; True if one was made.

    Random slugs can collide; the unique key on ``links.slug`` decides and we draw again.
    """
    for _ in range(MAX_SLUG_TRIES):
        try:
            return await creators.insert_link(
                tx,
                guild_id=guild_id,
                creator_id=creator_id,
                campaign_id=campaign_id,
                slug=new_slug(rng),
                now=now,
            )
        except SlugTaken:
            continue
    raise RuntimeError("could not find a free link slug")
