"""Plain-SQL seeding of creators, campaigns and links for tests and benchmarks."""

from __future__ import annotations

import itertools
from typing import Any

from bot.db.connection import Database

_numbers = itertools.count(1)
SEEDED_AT = 1_795_000_000  # 2026-11-18, before the tests' frozen "now"


async def seed_link(
    db: Database,
    *,
    guild_id: int = 1,
    status: str = "active",
    destination: str = "https://shop.example/p?ref=1#top",
    slug: str | None = None,
    campaign_active: bool = True,
) -> dict[str, Any]:
    """Insert a creator (``status``), a campaign (the server's default campaign if it has
    none yet) pointing at ``destination`` and the creator's link to it; return their ids."""
    n = next(_numbers)
    slug = slug or f"link{n}"
    source_slug = f"creator-{n}"
    async with db.transaction() as tx:
        has_default = await tx.fetch_val(
            "SELECT 1 FROM campaigns WHERE guild_id = ? AND is_default = 1", guild_id
        )
        campaign_slug = f"campaign-{n}" if has_default else "shop"
        campaign_id = await tx.insert(
            """
            INSERT INTO campaigns (guild_id, name, slug, destination_url, is_default, active,
                                   created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            guild_id,
            campaign_slug.title(),
            campaign_slug,
            destination,
            0 if has_default else 1,
            int(campaign_active),
            SEEDED_AT,
        )
        creator_id = await tx.insert(
            """
            INSERT INTO creators (guild_id, user_id, handle, source_slug, platform, followers,
                                  tier, status, approved_at, status_at, created_at)
            VALUES (?, ?, ?, ?, 'instagram', 5000, 'nano', ?, ?, ?, ?)
            """,
            guild_id,
            1_000_000 + n,
            f"creator{n}",
            source_slug,
            status,
            SEEDED_AT,
            SEEDED_AT,
            SEEDED_AT,
        )
        link_id = await tx.insert(
            """
            INSERT INTO links (guild_id, creator_id, campaign_id, slug, created_at)
            VALUES (?, ?, ?, ?, ?)
            """,
            guild_id,
            creator_id,
            campaign_id,
            slug,
            SEEDED_AT,
        )
    return {
        "guild_id": guild_id,
        "creator_id": creator_id,
        "campaign_id": campaign_id,
        "link_id": link_id,
        "slug": slug,
        "source_slug": source_slug,
        "campaign_slug": campaign_slug,
        "destination": destination,
    }
