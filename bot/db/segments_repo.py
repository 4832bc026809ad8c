"""SQL for segments: the saved filters, and the one query that resolves one to creators.

The resolving query reuses the roster's per-creator numbers (:func:`creator_numbers`, only
its ``o`` part is joined, so only sales are aggregated) and its campaign membership, so
"revenue" and "last sale" mean the same in ``/creators`` and in a segment.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Queries, Transaction
from bot.db.roster_repo import IN_CAMPAIGN, creator_numbers
from bot.domain.segments import REVENUE_DAYS, Segment, SegmentCriteria

_DAY = 86_400


def _segment(row: sqlite3.Row) -> Segment:
    return Segment(
        id=row["id"],
        guild_id=row["guild_id"],
        name=row["name"],
        criteria=SegmentCriteria.from_json(row["criteria"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


@dataclass(frozen=True)
class SegmentMember:
    creator_id: int
    handle: str | None


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SegmentRepository:
    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        name: str,
        criteria: SegmentCriteria,
        actor_id: int,
        now: int,
    ) -> int | None:
        """Store a segment; ``None`` if the server already has one by that name."""
        query = """
            INSERT INTO segments (guild_id, name, criteria, created_by, created_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
        """
        return await tx.insert(query, guild_id, name, criteria.to_json(), actor_id, now)

    async def segments(self, q: Queries, guild_id: int) -> list[Segment]:
        """A server's segments by name."""
        query = "SELECT * FROM segments WHERE guild_id = ? ORDER BY name COLLATE NOCASE"
        return [_segment(r) for r in await q.fetch_all(query, guild_id)]

    async def count(self, q: Queries, guild_id: int) -> int:
        return int(await q.fetch_val("SELECT count(*) FROM segments WHERE guild_id = ?", guild_id))

    async def by_name(self, q: Queries, guild_id: int, name: str) -> Segment | None:
        query = "SELECT * FROM segments WHERE guild_id = ? AND name = ? COLLATE NOCASE"
        row = await q.fetch_one(query, guild_id, name)
        return None if row is None else _segment(row)

    async def delete(self, tx: Transaction, segment_id: int) -> bool:
        return await tx.execute("DELETE FROM segments WHERE id = ?", segment_id) > 0

    async def members(
        self,
        q: Queries,
        guild_id: int,
        criteria: SegmentCriteria,
        *,
        now: int,
        joined_after: int | None,
        joined_before: int | None,
        currency: str,
    ) -> list[SegmentMember]:
        """The server's active creators (not erased) matching ``criteria``, in one query:
        by revenue (best first) for a top-N segment, else in the order they joined.

        ``joined_after`` and ``joined_before`` are the criteria's days as epoch seconds in
        the server's timezone; revenue counts sales in ``currency`` over the last 30 days.
        """
        since = now - REVENUE_DAYS * _DAY
        numbers, args = creator_numbers(guild_id, since, now + 1, currency, None)
        where = ["c.guild_id = ?", "c.status = 'active'", "c.user_id IS NOT NULL"]
        args.append(guild_id)
        if criteria.tier is not None:
            where.append("c.tier = ?")
            args.append(criteria.tier.value)
        if criteria.platform is not None:
            where.append("c.platform = ?")
            args.append(criteria.platform.value)
        if criteria.campaign_id is not None:
            where.append(IN_CAMPAIGN)
            args.append(criteria.campaign_id)
        if criteria.level_id is not None:
            where.append(
                "EXISTS (SELECT 1 FROM creator_levels AS lv JOIN levels AS l ON l.id = lv.level_id"
                " WHERE lv.creator_id = c.id AND lv.level_id = ? AND l.deleted_at IS NULL)"
            )
            args.append(criteria.level_id)
        if criteria.niche_words:
            words = " OR ".join("c.niche LIKE ? ESCAPE '\\'" for _ in criteria.niche_words)
            where.append(f"({words})")
            args += [_like(w) for w in criteria.niche_words]
        if joined_after is not None:
            where.append("c.approved_at >= ?")
            args.append(joined_after)
        if joined_before is not None:
            where.append("c.approved_at < ?")
            args.append(joined_before)
        if criteria.no_sale_days is not None:
            where.append("coalesce(o.last_sale_at, 0) < ?")
            args.append(now - criteria.no_sale_days * _DAY)
        order = "c.approved_at, c.id"
        limit = ""
        if criteria.top_revenue is not None:
            where.append("coalesce(o.revenue, 0) > 0")
            order = "o.revenue DESC, c.id"
            limit = "LIMIT ?"
        extra: list[Any] = [criteria.top_revenue] if limit else []
        query = f"""
            {numbers}
            SELECT c.id, c.handle
            FROM creators AS c
            LEFT JOIN o ON o.creator_id = c.id
            WHERE {" AND ".join(where)}
            ORDER BY {order}
            {limit}
        """
        rows = await q.fetch_all(query, *args, *extra)
        return [SegmentMember(r["id"], r["handle"]) for r in rows]
