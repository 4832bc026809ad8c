"""SQL for DirectLink sites: claims, decisions, and the webhook's lookup by host."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.sites import Site, SiteMatch, SiteStatus


def _site(row: sqlite3.Row) -> Site:
    created = from_epoch(row["created_at"])
    assert created is not None
    return Site(
        id=row["id"],
        guild_id=row["guild_id"],
        creator_id=row["creator_id"],
        url=row["url"],
        match=SiteMatch(row["host"], row["path"]),
        status=SiteStatus(row["status"]),
        decided_by=row["decided_by"],
        decided_at=from_epoch(row["decided_at"]),
        created_at=created,
        review_channel_id=row["review_channel_id"],
        review_message_id=row["review_message_id"],
    )


@dataclass(frozen=True)
class SiteOwner:
    """An approved site with what attribution needs about its creator."""

    site: Site
    creator_active: bool


class SiteRepository:
    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        creator_id: int,
        url: str,
        match: SiteMatch,
        status: SiteStatus,
        decided_by: int | None,
        now: int,
    ) -> int | None:
        """Claim a site; ``None`` when the server has a live claim on the same match."""
        query = """
            INSERT INTO creator_sites (guild_id, creator_id, url, host, path, status,
                                       decided_by, decided_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
        """
        decided_at = now if status is SiteStatus.APPROVED else None
        return await tx.insert(
            query,
            guild_id,
            creator_id,
            url,
            match.host,
            match.path,
            status.value,
            decided_by,
            decided_at,
            now,
            now,
        )

    async def get(self, q: Queries, site_id: int) -> Site | None:
        row = await q.fetch_one("SELECT * FROM creator_sites WHERE id = ?", site_id)
        return None if row is None else _site(row)

    async def live_claim(self, q: Queries, guild_id: int, match: SiteMatch) -> Site | None:
        """The pending or approved site of the server with exactly this match."""
        query = """
            SELECT * FROM creator_sites
            WHERE guild_id = ? AND host = ? AND path = ? AND status IN ('pending', 'approved')
        """
        row = await q.fetch_one(query, guild_id, match.host, match.path)
        return None if row is None else _site(row)

    async def of_creator(self, q: Queries, creator_id: int, *, live_only: bool) -> list[Site]:
        """A creator's sites, oldest first (without the removed ones)."""
        statuses = "('pending', 'approved')" if live_only else "('pending', 'approved', 'rejected')"
        query = f"""
            SELECT * FROM creator_sites WHERE creator_id = ? AND status IN {statuses}
            ORDER BY id
        """
        return [_site(r) for r in await q.fetch_all(query, creator_id)]

    async def count_live(self, q: Queries, creator_id: int) -> int:
        query = """
            SELECT count(*) FROM creator_sites
            WHERE creator_id = ? AND status IN ('pending', 'approved')
        """
        return int(await q.fetch_val(query, creator_id))

    async def decide(
        self, tx: Transaction, site_id: int, status: SiteStatus, actor_id: int, now: int
    ) -> bool:
        """Approve or reject a pending site; False when it is no longer pending."""
        query = """
            UPDATE creator_sites SET status = ?, decided_by = ?, decided_at = ?, updated_at = ?
            WHERE id = ? AND status = 'pending'
        """
        return await tx.execute(query, status.value, actor_id, now, now, site_id) > 0

    async def remove(self, tx: Transaction, site_id: int, now: int) -> bool:
        """Take back a live site; False when it is not live."""
        query = """
            UPDATE creator_sites SET status = 'removed', updated_at = ?
            WHERE id = ? AND status IN ('pending', 'approved')
        """
        return await tx.execute(query, now, site_id) > 0

    async def free_claims(self, tx: Transaction, creator_id: int, now: int) -> int:
        """Every live site of a creator leaving the program is removed; how many."""
        query = """
            UPDATE creator_sites SET status = 'removed', updated_at = ?
            WHERE creator_id = ? AND status IN ('pending', 'approved')
        """
        return await tx.execute(query, now, creator_id)

    async def set_card(
        self, tx: Transaction, site_id: int, channel_id: int, message_id: int
    ) -> None:
        query = """
            UPDATE creator_sites SET review_channel_id = ?, review_message_id = ? WHERE id = ?
        """
        await tx.execute(query, channel_id, message_id, site_id)

    async def approved_on_host(self, q: Queries, host: str) -> list[SiteOwner]:
        """Approved sites on ``host`` in any server, with whether their creator is active."""
        query = """
            SELECT s.*, c.status = 'active' AS creator_active
            FROM creator_sites AS s JOIN creators AS c ON c.id = s.creator_id
            WHERE s.host = ? AND s.status = 'approved'
            ORDER BY s.id
        """
        return [
            SiteOwner(_site(r), bool(r["creator_active"])) for r in await q.fetch_all(query, host)
        ]

    # --- privacy ----------------------------------------------------------------------------

    async def export(self, q: Queries, creator_id: int) -> list[dict[str, object]]:
        """A creator's sites as their data export shows them (every status)."""
        query = """
            SELECT id, url, host, path, status, decided_at, created_at, updated_at
            FROM creator_sites WHERE creator_id = ? ORDER BY id
        """
        return [dict(r) for r in await q.fetch_all(query, creator_id)]

    async def cards_of_creator(self, q: Queries, creator_id: int) -> list[tuple[int, int, int]]:
        """(site id, channel id, message id) of the creator's review cards."""
        query = """
            SELECT id, review_channel_id, review_message_id FROM creator_sites
            WHERE creator_id = ? AND review_message_id IS NOT NULL ORDER BY id
        """
        return [(r[0], r[1], r[2]) for r in await q.fetch_all(query, creator_id)]

    async def erase(self, tx: Transaction, creator_id: int) -> int:
        """Delete every site of an erased creator (the URLs name them); how many."""
        return await tx.execute("DELETE FROM creator_sites WHERE creator_id = ?", creator_id)
