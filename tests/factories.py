"""Plain-SQL seeding of creators, campaigns and links, and user agents as browsers and
link-preview bots send them; for tests and benchmarks."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import urlsplit

from bot.db.connection import Database, Transaction

_numbers = itertools.count(1)
SEEDED_AT = 1_795_000_000  # 2026-11-18, before the tests' frozen "now"

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
IPHONE_INSTAGRAM = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Instagram 330.0.0.0"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"

# Link-preview and crawler user agents as the services send them.
BOT_AGENTS = {
    "Discordbot": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Twitterbot": "Twitterbot/1.0",
    "facebookexternalhit": (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
    ),
    "Slackbot-LinkExpanding": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "TelegramBot": "TelegramBot (like TwitterBot)",
    "WhatsApp": "WhatsApp/2.23.20.0 A",
    "LinkedInBot": (
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
    ),
    "Applebot": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)"
    ),
    "meta-externalagent": "meta-externalagent/1.1",
    "meta-externalagent (full)": (
        "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)"
    ),
    "Bluesky": "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    "Googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl": "curl/8.5.0",
}


async def allow_domain(tx: Transaction, guild_id: int, host: str) -> None:
    """Add ``host`` to the server's allowed domains (a settings row with defaults if none)."""
    await tx.execute(
        """
        INSERT INTO guild_settings (guild_id, allowed_domains, created_at, updated_at)
        VALUES (?, ?, 0, 0)
        ON CONFLICT (guild_id) DO UPDATE SET allowed_domains = CASE
            WHEN instr(',' || allowed_domains || ',', ',' || excluded.allowed_domains || ',')
            THEN allowed_domains
            ELSE trim(allowed_domains || ',' || excluded.allowed_domains, ',') END
        """,
        guild_id,
        host,
    )


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
    none yet) pointing at ``destination`` and the creator's link to it; return their ids.

    The destination's host joins the server's allowed domains (as ``/campaign create``
    requires), creating the settings row if needed."""
    n = next(_numbers)
    slug = slug or f"link{n}"
    source_slug = f"creator-{n}"
    try:
        host = urlsplit(destination).hostname
    except ValueError:
        host = None
    async with db.transaction() as tx:
        if host:
            await allow_domain(tx, guild_id, host)
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
