"""SQL for ``creators``, their ``links`` and ``discount_codes``."""

from __future__ import annotations

import sqlite3

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.creators import Creator, CreatorStatus, DiscountCode, Link
from bot.domain.tiers import Tier


class SlugTaken(Exception):
    """Another link already has this slug: draw another."""


def _creator(row: sqlite3.Row) -> Creator:
    return Creator(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        handle=row["handle"],
        source_slug=row["source_slug"],
        platform=row["platform"],
        followers=row["followers"],
        tier=Tier(row["tier"]),
        niche=row["niche"],
        email=row["email"],
        locale=row["locale"],
        status=CreatorStatus(row["status"]),
        plan_id=row["plan_id"],
        public_earnings=bool(row["public_earnings"]),
        welcome_pending=bool(row["welcome_pending"]),
        approved_by=row["approved_by"],
        approved_at=from_epoch(row["approved_at"]),  # type: ignore[arg-type]
        status_at=from_epoch(row["status_at"]),  # type: ignore[arg-type]
    )


def _link(row: sqlite3.Row) -> Link:
    return Link(
        id=row["id"],
        creator_id=row["creator_id"],
        campaign_id=row["campaign_id"],
        campaign_name=row["campaign_name"],
        campaign_slug=row["campaign_slug"],
        slug=row["slug"],
    )


def _code(row: sqlite3.Row) -> DiscountCode:
    return DiscountCode(
        id=row["id"],
        creator_id=row["creator_id"],
        code=row["code"],
        discount_percent=row["discount_percent"],
        active=bool(row["active"]),
    )


class CreatorRepository:
    async def get(self, q: Queries, creator_id: int) -> Creator | None:
        row = await q.fetch_one("SELECT * FROM creators WHERE id = ?", creator_id)
        return None if row is None else _creator(row)

    async def by_member(self, q: Queries, guild_id: int, user_id: int) -> Creator | None:
        query = "SELECT * FROM creators WHERE guild_id = ? AND user_id = ?"
        row = await q.fetch_one(query, guild_id, user_id)
        return None if row is None else _creator(row)

    async def active(self, q: Queries, guild_id: int) -> list[Creator]:
        query = "SELECT * FROM creators WHERE guild_id = ? AND status = 'active' ORDER BY id"
        return [_creator(r) for r in await q.fetch_all(query, guild_id)]

    async def upsert_approved(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        user_id: int,
        application_id: int,
        handle: str,
        source_slug: str,
        platform: str,
        followers: int,
        tier: str,
        niche: str,
        email: str | None,
        locale: str,
        approved_by: int | None,
        now: int,
    ) -> int:
        """Create the creator, or bring a paused/removed one back with the new details."""
        query = """
            INSERT INTO creators (
                guild_id, user_id, application_id, handle, source_slug, platform, followers,
                tier, niche, email, locale, status, approved_by, approved_at, status_at,
                created_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)
            ON CONFLICT (guild_id, user_id) WHERE user_id IS NOT NULL DO UPDATE SET
                application_id = excluded.application_id,
                handle = excluded.handle,
                platform = excluded.platform,
                followers = excluded.followers,
                tier = excluded.tier,
                niche = excluded.niche,
                email = excluded.email,
                locale = excluded.locale,
                status = 'active',
                approved_by = excluded.approved_by,
                approved_at = excluded.approved_at,
                status_at = excluded.status_at
            RETURNING id
        """
        return int(
            await tx.fetch_val(
                query,
                guild_id,
                user_id,
                application_id,
                handle,
                source_slug,
                platform,
                followers,
                tier,
                niche,
                email,
                locale,
                approved_by,
                now,
                now,
                now,
            )
        )

    async def set_status(
        self, tx: Transaction, creator_id: int, status: CreatorStatus, now: int
    ) -> bool:
        query = "UPDATE creators SET status = ?, status_at = ? WHERE id = ? AND status <> ?"
        return await tx.execute(query, status.value, now, creator_id, status.value) == 1

    async def set_welcome_pending(self, tx: Transaction, creator_id: int, pending: bool) -> bool:
        """Set or clear the pending-welcome flag; True if this call changed it."""
        query = "UPDATE creators SET welcome_pending = ? WHERE id = ? AND welcome_pending <> ?"
        return await tx.execute(query, int(pending), creator_id, int(pending)) == 1

    # --- links ------------------------------------------------------------------------

    async def links(self, q: Queries, creator_id: int) -> list[Link]:
        """The creator's links on active campaigns, default campaign first."""
        query = """
            SELECT l.id, l.creator_id, l.campaign_id, l.slug,
                   c.name AS campaign_name, c.slug AS campaign_slug
            FROM links l JOIN campaigns c ON c.id = l.campaign_id
            WHERE l.creator_id = ? AND c.active = 1
            ORDER BY c.is_default DESC, c.name
        """
        return [_link(r) for r in await q.fetch_all(query, creator_id)]

    async def insert_link(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        creator_id: int,
        campaign_id: int,
        slug: str,
        now: int,
    ) -> bool:
        """Add a link unless the creator has one for the campaign (False then); raises
        :class:`SlugTaken` if another link has the slug."""
        query = """
            INSERT INTO links (guild_id, creator_id, campaign_id, slug, created_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (creator_id, campaign_id) DO NOTHING
        """
        try:
            return await tx.execute(query, guild_id, creator_id, campaign_id, slug, now) == 1
        except sqlite3.IntegrityError as exc:
            raise SlugTaken(slug) from exc

    # --- discount codes ---------------------------------------------------------------

    async def code(self, q: Queries, creator_id: int) -> DiscountCode | None:
        query = "SELECT * FROM discount_codes WHERE creator_id = ? ORDER BY id DESC LIMIT 1"
        row = await q.fetch_one(query, creator_id)
        return None if row is None else _code(row)

    async def insert_code(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        creator_id: int,
        code: str,
        discount_percent: int,
        now: int,
    ) -> bool:
        """Store a code; False if it is taken (in any letter case)."""
        query = """
            INSERT INTO discount_codes (guild_id, creator_id, code, discount_percent, created_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (code) DO NOTHING
        """
        return await tx.execute(query, guild_id, creator_id, code, discount_percent, now) == 1

    async def code_by_id(self, q: Queries, code_id: int) -> DiscountCode | None:
        row = await q.fetch_one("SELECT * FROM discount_codes WHERE id = ?", code_id)
        return None if row is None else _code(row)

    async def with_codes(self, q: Queries, guild_id: int | None) -> list[int]:
        """Active creators with a code (of one server, or all), oldest first."""
        query = """
            SELECT c.id FROM creators c
            WHERE c.status = 'active' AND (? IS NULL OR c.guild_id = ?)
              AND EXISTS (SELECT 1 FROM discount_codes d WHERE d.creator_id = c.id)
            ORDER BY c.id
        """
        return [r["id"] for r in await q.fetch_all(query, guild_id, guild_id)]

    async def retire_code(self, tx: Transaction, code_id: int) -> None:
        """One code of a creator no longer works (the creator moved to a variant)."""
        await tx.execute("UPDATE discount_codes SET active = 0 WHERE id = ?", code_id)

    async def set_code_active(self, tx: Transaction, creator_id: int, active: bool) -> None:
        """Pause takes every code of the creator out of use; resume brings back the current
        one only (a code given up for a variant stays retired)."""
        if not active:
            query = "UPDATE discount_codes SET active = 0 WHERE creator_id = ?"
            await tx.execute(query, creator_id)
            return
        query = """
            UPDATE discount_codes SET active = 1
            WHERE id = (SELECT max(id) FROM discount_codes WHERE creator_id = ?)
        """
        await tx.execute(query, creator_id)
