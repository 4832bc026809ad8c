"""SQL for ``campaigns`` and ``plans``."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.connection import Queries, Transaction
from bot.domain.creators import Campaign

DEFAULT_CAMPAIGN_NAME = "Shop"
DEFAULT_CAMPAIGN_SLUG = "shop"
DEFAULT_PLAN_NAME = "Default"


@dataclass(frozen=True)
class CodeExportRow:
    """A discount code with its creator, as the shop's import wants it."""

    code: str
    discount_percent: int
    active: bool
    guild_id: int
    created_at: int
    handle: str | None
    source_slug: str
    creator_status: str


def _campaign(row: sqlite3.Row) -> Campaign:
    return Campaign(
        id=row["id"],
        guild_id=row["guild_id"],
        name=row["name"],
        slug=row["slug"],
        destination_url=row["destination_url"],
        plan_id=row["plan_id"],
        is_default=bool(row["is_default"]),
        active=bool(row["active"]),
    )


class CampaignRepository:
    async def get(self, q: Queries, campaign_id: int) -> Campaign | None:
        row = await q.fetch_one("SELECT * FROM campaigns WHERE id = ?", campaign_id)
        return None if row is None else _campaign(row)

    async def active(self, q: Queries, guild_id: int) -> list[Campaign]:
        query = """
            SELECT * FROM campaigns WHERE guild_id = ? AND active = 1
            ORDER BY is_default DESC, name
        """
        return [_campaign(r) for r in await q.fetch_all(query, guild_id)]

    async def ensure_default(
        self, tx: Transaction, guild_id: int, destination_url: str, now: int
    ) -> Campaign:
        """The server's default campaign, created on first need, pointing at the shop."""
        query = """
            INSERT INTO campaigns (guild_id, name, slug, destination_url, is_default, created_at)
            VALUES (?, ?, ?, ?, 1, ?)
            ON CONFLICT DO NOTHING
        """
        await tx.execute(
            query, guild_id, DEFAULT_CAMPAIGN_NAME, DEFAULT_CAMPAIGN_SLUG, destination_url, now
        )
        row = await tx.fetch_one(
            "SELECT * FROM campaigns WHERE guild_id = ? AND is_default = 1", guild_id
        )
        assert row is not None
        return _campaign(row)

    async def set_default_destination(
        self, tx: Transaction, guild_id: int, destination_url: str
    ) -> None:
        # Only when it differs: an update raises link_generation, and the tracker reloads.
        query = """
            UPDATE campaigns SET destination_url = ?
            WHERE guild_id = ? AND is_default = 1 AND destination_url IS NOT ?
        """
        await tx.execute(query, destination_url, guild_id, destination_url)

    async def ensure_default_plan(self, tx: Transaction, guild_id: int, now: int) -> int:
        """The server's default plan: a revenue share following the commission_rate setting."""
        query = """
            INSERT INTO plans (guild_id, name, kind, is_default, created_at)
            VALUES (?, ?, 'revenue_share', 1, ?)
            ON CONFLICT DO NOTHING
        """
        await tx.execute(query, guild_id, DEFAULT_PLAN_NAME, now)
        return int(
            await tx.fetch_val(
                "SELECT id FROM plans WHERE guild_id = ? AND is_default = 1", guild_id
            )
        )


class CampaignCatalog:
    """Campaign queries beyond the default campaign: creation, listing, plans by name."""

    async def create(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        name: str,
        slug: str,
        destination_url: str,
        plan_id: int | None,
        created_by: int,
        now: int,
    ) -> int | None:
        """Insert a campaign; ``None`` if the slug is taken in this server."""
        query = """
            INSERT INTO campaigns (guild_id, name, slug, destination_url, plan_id, created_by,
                                   created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, slug) DO NOTHING
        """
        return await tx.insert(
            query, guild_id, name, slug, destination_url, plan_id, created_by, now
        )

    async def by_name_or_slug(self, q: Queries, guild_id: int, text: str) -> Campaign | None:
        query = """
            SELECT * FROM campaigns
            WHERE guild_id = ? AND (slug = ? OR name = ? COLLATE NOCASE)
            ORDER BY active DESC LIMIT 1
        """
        row = await q.fetch_one(query, guild_id, text.lower(), text)
        return None if row is None else _campaign(row)

    async def with_link_counts(self, q: Queries, guild_id: int) -> list[tuple[Campaign, int]]:
        query = """
            SELECT c.*, (SELECT COUNT(*) FROM links l WHERE l.campaign_id = c.id) AS link_count
            FROM campaigns c WHERE c.guild_id = ?
            ORDER BY c.active DESC, c.is_default DESC, c.name
        """
        rows = await q.fetch_all(query, guild_id)
        return [(_campaign(r), r["link_count"]) for r in rows]

    async def plan_id_by_name(self, q: Queries, guild_id: int, name: str) -> int | None:
        query = """
            SELECT id FROM plans WHERE guild_id = ? AND name = ? COLLATE NOCASE AND archived = 0
        """
        return await q.fetch_val(query, guild_id, name)

    async def plan_names(self, q: Queries, guild_id: int) -> list[str]:
        query = "SELECT name FROM plans WHERE guild_id = ? AND archived = 0 ORDER BY name"
        return [r["name"] for r in await q.fetch_all(query, guild_id)]

    async def active_creator_ids(self, q: Queries, guild_id: int) -> list[int]:
        query = "SELECT id FROM creators WHERE guild_id = ? AND status = 'active' ORDER BY id"
        return [r["id"] for r in await q.fetch_all(query, guild_id)]

    async def code_rows(self, q: Queries, guild_id: int | None) -> list[CodeExportRow]:
        """Every discount code with its creator, for the shop's import."""
        query = """
            SELECT d.code, d.discount_percent, d.active, d.guild_id, d.created_at,
                   c.handle, c.source_slug, c.status
            FROM discount_codes d JOIN creators c ON c.id = d.creator_id
            WHERE (? IS NULL OR d.guild_id = ?)
            ORDER BY d.guild_id, d.code
        """
        return [
            CodeExportRow(
                code=r["code"],
                discount_percent=r["discount_percent"],
                active=bool(r["active"]),
                guild_id=r["guild_id"],
                created_at=r["created_at"],
                handle=r["handle"],
                source_slug=r["source_slug"],
                creator_status=r["status"],
            )
            for r in await q.fetch_all(query, guild_id, guild_id)
        ]
