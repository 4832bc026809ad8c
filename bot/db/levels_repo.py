"""SQL for levels: ``levels``, ``level_policies``, ``creator_levels`` and ``level_changes``."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.connection import Queries, Transaction
from bot.domain.levels import CreatorStanding, Level, LevelBasis, LevelChange, Standing


def _level(row: sqlite3.Row) -> Level:
    return Level(
        id=row["id"],
        guild_id=row["guild_id"],
        name=row["name"],
        basis=LevelBasis(row["basis"]),
        threshold=row["threshold"],
        rate_bp=row["rate_bp"],
        role_id=row["role_id"],
        plan_id=row["plan_id"],
        deleted=row["deleted_at"] is not None,
    )


@dataclass(frozen=True)
class ChangeToSync:
    """A recorded level change whose Discord side (role, DM) is not done yet."""

    id: int
    guild_id: int
    creator_id: int
    user_id: int | None  # None once the creator erased their data
    locale: str
    epoch: int
    direction: str
    from_level: Level | None
    to_level: Level | None


class LevelRepository:
    # --- levels ------------------------------------------------------------------------------

    async def insert_level(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        name: str,
        basis: LevelBasis,
        threshold: int,
        rate_bp: int,
        role_id: int | None,
        actor_id: int,
        now: int,
    ) -> int | None:
        """Store a level and its archived revenue-share plan; ``None`` if the name is taken."""
        query = """
            INSERT INTO levels (guild_id, name, basis, threshold, rate_bp, role_id, created_by,
                                created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
        """
        level_id = await tx.insert(
            query, guild_id, name, basis.value, threshold, rate_bp, role_id, actor_id, now
        )
        if level_id is None:
            return None
        # Archived: never listed by /plan or offered to campaigns; the name is unique because
        # the level id is in it.
        query = """
            INSERT INTO plans (guild_id, name, kind, rate_bp, archived, created_at)
            VALUES (?, ?, 'revenue_share', ?, 1, ?)
        """
        plan_id = await tx.insert(query, guild_id, f"Level {name} #{level_id}", rate_bp, now)
        await tx.execute("UPDATE levels SET plan_id = ? WHERE id = ?", plan_id, level_id)
        return level_id

    async def level(self, q: Queries, level_id: int) -> Level | None:
        row = await q.fetch_one("SELECT * FROM levels WHERE id = ?", level_id)
        return None if row is None else _level(row)

    async def levels(self, q: Queries, guild_id: int) -> list[Level]:
        """A server's live levels, lowest first."""
        query = """
            SELECT * FROM levels WHERE guild_id = ? AND deleted_at IS NULL
            ORDER BY rate_bp, threshold, id
        """
        return [_level(r) for r in await q.fetch_all(query, guild_id)]

    async def level_by_name(self, q: Queries, guild_id: int, name: str) -> Level | None:
        query = """
            SELECT * FROM levels
            WHERE guild_id = ? AND name = ? COLLATE NOCASE AND deleted_at IS NULL
        """
        row = await q.fetch_one(query, guild_id, name.strip())
        return None if row is None else _level(row)

    async def delete_level(self, tx: Transaction, level_id: int, now: int) -> bool:
        query = "UPDATE levels SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL"
        return await tx.execute(query, now, level_id) > 0

    async def levels_for_sweep(self, q: Queries) -> list[Level]:
        """Every server's live levels, and the deleted ones somebody still holds."""
        query = """
            SELECT * FROM levels l
            WHERE l.deleted_at IS NULL
               OR EXISTS (SELECT 1 FROM creator_levels cl WHERE cl.level_id = l.id)
        """
        return [_level(r) for r in await q.fetch_all(query)]

    # --- the server's choice ------------------------------------------------------------------

    async def demote(self, q: Queries, guild_id: int) -> bool:
        query = "SELECT demote FROM level_policies WHERE guild_id = ?"
        return bool(await q.fetch_val(query, guild_id))

    async def set_demote(self, tx: Transaction, guild_id: int, demote: bool) -> None:
        query = """
            INSERT INTO level_policies (guild_id, demote) VALUES (?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET demote = excluded.demote
        """
        await tx.execute(query, guild_id, int(demote))

    async def demote_by_guild(self, q: Queries) -> dict[int, bool]:
        rows = await q.fetch_all("SELECT guild_id, demote FROM level_policies")
        return {r["guild_id"]: bool(r["demote"]) for r in rows}

    # --- creators' levels ---------------------------------------------------------------------

    async def standings(self, q: Queries, since: int) -> list[CreatorStanding]:
        """Every active creator of a server with levels (or holding one), with their level
        and attributed net revenue and orders since ``since`` and all time: one query."""
        query = """
            SELECT c.id AS creator_id, c.guild_id, cl.level_id, COALESCE(cl.epoch, 0) AS epoch,
                   COALESCE(SUM(CASE WHEN v.occurred_at >= ?
                                     THEN v.net_minor - v.refunded_minor END), 0) AS revenue30,
                   COUNT(CASE WHEN v.occurred_at >= ? THEN v.id END) AS orders30,
                   COALESCE(SUM(v.net_minor - v.refunded_minor), 0) AS revenue_all,
                   COUNT(v.id) AS orders_all
            FROM creators c
            LEFT JOIN creator_levels cl ON cl.creator_id = c.id
            LEFT JOIN conversions v
                   ON v.creator_id = c.id AND v.kind = 'sale' AND v.status = 'active'
                  AND (v.refunded_minor < v.net_minor OR v.net_minor = 0)
            WHERE c.status = 'active'
              AND (cl.level_id IS NOT NULL
                   OR c.guild_id IN (SELECT guild_id FROM levels WHERE deleted_at IS NULL))
            GROUP BY c.id
        """
        return [
            CreatorStanding(
                creator_id=r["creator_id"],
                guild_id=r["guild_id"],
                level_id=r["level_id"],
                epoch=r["epoch"],
                standing=Standing(
                    revenue30=r["revenue30"],
                    orders30=r["orders30"],
                    revenue_all=r["revenue_all"],
                    orders_all=r["orders_all"],
                ),
            )
            for r in await q.fetch_all(query, since, since)
        ]

    async def record_change(self, tx: Transaction, change: LevelChange, now: int) -> int | None:
        """Claim the creator's next epoch and move them; ``None`` if another sweep did."""
        query = """
            INSERT INTO level_changes (guild_id, creator_id, epoch, from_level_id, to_level_id,
                                       direction, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (creator_id, epoch) DO NOTHING
        """
        change_id = await tx.insert(
            query,
            change.guild_id,
            change.creator_id,
            change.epoch,
            change.from_level.id if change.from_level else None,
            change.to_level.id if change.to_level else None,
            change.direction.value,
            now,
        )
        if change_id is None:
            return None
        query = """
            INSERT INTO creator_levels (creator_id, guild_id, level_id, epoch, since)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (creator_id) DO UPDATE
                SET level_id = excluded.level_id, epoch = excluded.epoch, since = excluded.since
        """
        await tx.execute(
            query,
            change.creator_id,
            change.guild_id,
            change.to_level.id if change.to_level else None,
            change.epoch,
            now,
        )
        return change_id

    async def level_of(self, q: Queries, creator_id: int) -> Level | None:
        """The live level a creator holds, if any."""
        query = """
            SELECT l.* FROM creator_levels cl JOIN levels l ON l.id = cl.level_id
            WHERE cl.creator_id = ? AND l.deleted_at IS NULL
        """
        row = await q.fetch_one(query, creator_id)
        return None if row is None else _level(row)

    async def changes_to_sync(self, q: Queries, limit: int) -> list[ChangeToSync]:
        query = """
            SELECT h.id, h.guild_id, h.creator_id, h.epoch, h.direction,
                   h.from_level_id, h.to_level_id, c.user_id, c.locale
            FROM level_changes h JOIN creators c ON c.id = h.creator_id
            WHERE h.synced_at IS NULL
            ORDER BY h.id LIMIT ?
        """
        rows = await q.fetch_all(query, limit)
        ids = {r["from_level_id"] for r in rows} | {r["to_level_id"] for r in rows}
        ids.discard(None)
        levels: dict[int, Level] = {}
        if ids:
            marks = ",".join("?" * len(ids))
            found = await q.fetch_all(f"SELECT * FROM levels WHERE id IN ({marks})", *ids)
            levels = {r["id"]: _level(r) for r in found}
        return [
            ChangeToSync(
                id=r["id"],
                guild_id=r["guild_id"],
                creator_id=r["creator_id"],
                user_id=r["user_id"],
                locale=r["locale"],
                epoch=r["epoch"],
                direction=r["direction"],
                from_level=levels.get(r["from_level_id"]) if r["from_level_id"] else None,
                to_level=levels.get(r["to_level_id"]) if r["to_level_id"] else None,
            )
            for r in rows
        ]

    async def mark_synced(self, tx: Transaction, change_id: int, now: int) -> None:
        query = "UPDATE level_changes SET synced_at = ? WHERE id = ? AND synced_at IS NULL"
        await tx.execute(query, now, change_id)
