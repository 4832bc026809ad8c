"""SQL for ``shop_codes``: each creatorbot code's state in each connected shop."""

from __future__ import annotations

import sqlite3
from collections import Counter

from bot.db.connection import Queries, Transaction
from bot.domain.shop_codes import ShopCodeRow, ShopCodeTally, SyncState
from bot.shops.codes import ShopKind


def _row(row: sqlite3.Row) -> ShopCodeRow:
    return ShopCodeRow(
        id=row["id"],
        guild_id=row["guild_id"],
        discount_code_id=row["discount_code_id"],
        shop=ShopKind(row["shop"]),
        code=row["code"],
        shop_id=row["shop_id"],
        state=SyncState(row["state"]),
        active=bool(row["active"]),
        want_active=bool(row["want_active"]),
        attempts=row["attempts"],
    )


class ShopCodeRepository:
    async def ensure(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        discount_code_id: int,
        shop: ShopKind,
        code: str,
        want_active: bool,
        now: int,
    ) -> ShopCodeRow:
        """The code's row for the shop, made (pending) if there is none yet."""
        query = """
            INSERT INTO shop_codes (guild_id, discount_code_id, shop, code, want_active,
                                    created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (discount_code_id, shop) DO NOTHING
        """
        await tx.execute(
            query, guild_id, discount_code_id, shop.value, code, int(want_active), now, now
        )
        found = await self.get(tx, discount_code_id, shop)
        assert found is not None
        return found

    async def get(self, q: Queries, discount_code_id: int, shop: ShopKind) -> ShopCodeRow | None:
        query = "SELECT * FROM shop_codes WHERE discount_code_id = ? AND shop = ?"
        row = await q.fetch_one(query, discount_code_id, shop.value)
        return None if row is None else _row(row)

    async def of_code(self, q: Queries, discount_code_id: int) -> list[ShopCodeRow]:
        query = "SELECT * FROM shop_codes WHERE discount_code_id = ? ORDER BY shop"
        return [_row(r) for r in await q.fetch_all(query, discount_code_id)]

    async def count_attempt(self, tx: Transaction, row_id: int, now: int) -> None:
        """One more create call is about to be made (before it is made: a crash after the
        call leaves the count, so a later "taken" is known to be possibly ours)."""
        query = "UPDATE shop_codes SET attempts = attempts + 1, updated_at = ? WHERE id = ?"
        await tx.execute(query, now, row_id)

    async def synced(
        self, tx: Transaction, row_id: int, *, shop_id: str, code: str, active: bool, now: int
    ) -> None:
        query = """
            UPDATE shop_codes
            SET state = 'synced', shop_id = ?, code = ?, active = ?, next_attempt_at = NULL,
                last_error = NULL, updated_at = ?
            WHERE id = ?
        """
        await tx.execute(query, shop_id, code, int(active), now, row_id)

    async def failed(
        self, tx: Transaction, row_id: int, *, error: str, retry_at: int, now: int
    ) -> None:
        query = """
            UPDATE shop_codes SET state = 'failed', last_error = ?, next_attempt_at = ?,
                                  updated_at = ?
            WHERE id = ?
        """
        await tx.execute(query, error[:200], retry_at, now, row_id)

    async def conflict(self, tx: Transaction, row_id: int, now: int) -> None:
        query = """
            UPDATE shop_codes SET state = 'conflict', next_attempt_at = NULL, updated_at = ?
            WHERE id = ?
        """
        await tx.execute(query, now, row_id)

    async def want_active(self, tx: Transaction, discount_code_id: int, active: bool) -> None:
        query = "UPDATE shop_codes SET want_active = ? WHERE discount_code_id = ?"
        await tx.execute(query, int(active), discount_code_id)

    async def due(self, q: Queries, now: int, limit: int = 100) -> list[ShopCodeRow]:
        """Rows whose shop could not answer and whose retry time has come."""
        query = """
            SELECT * FROM shop_codes
            WHERE state = 'failed' AND next_attempt_at <= ?
            ORDER BY next_attempt_at LIMIT ?
        """
        return [_row(r) for r in await q.fetch_all(query, now, limit)]

    async def states(self, q: Queries, guild_id: int) -> dict[ShopKind, Counter[str]]:
        """How many codes are in each state, per shop (``/campaign codes``)."""
        query = """
            SELECT shop, state, count(*) AS n FROM shop_codes WHERE guild_id = ?
            GROUP BY shop, state
        """
        found: dict[ShopKind, Counter[str]] = {}
        for row in await q.fetch_all(query, guild_id):
            found.setdefault(ShopKind(row["shop"]), Counter())[row["state"]] = row["n"]
        return found

    async def at_other_percent(
        self, q: Queries, guild_id: int, percent: int, after_id: int = 0, limit: int = 200
    ) -> list[int]:
        """Ids of the server's current codes (oldest first, after ``after_id``) that give
        another discount than ``percent``: those ``/campaign codes`` offers to update."""
        query = """
            SELECT d.id FROM discount_codes AS d
            WHERE d.guild_id = ? AND d.discount_percent != ? AND d.id > ?
            ORDER BY d.id LIMIT ?
        """
        return [row["id"] for row in await q.fetch_all(query, guild_id, percent, after_id, limit)]

    async def count_other_percent(self, q: Queries, guild_id: int, percent: int) -> int:
        query = """
            SELECT COUNT(*) FROM discount_codes
            WHERE guild_id = ? AND discount_percent != ?
        """
        return int(await q.fetch_val(query, guild_id, percent))

    async def set_percent(self, tx: Transaction, discount_code_id: int, percent: int) -> None:
        await tx.execute(
            "UPDATE discount_codes SET discount_percent = ? WHERE id = ?", percent, discount_code_id
        )

    async def tally(self, q: Queries, guild_id: int, percent: int) -> dict[ShopKind, ShopCodeTally]:
        """Per shop: codes live, deactivated, waiting for the shop, taken by someone else, and
        those live or deactivated that were made at another percent than ``percent``."""
        query = """
            SELECT s.shop,
                   sum(s.state = 'synced' AND s.active) AS live,
                   sum(s.state = 'synced' AND NOT s.active) AS inactive,
                   sum(s.state IN ('pending', 'failed')) AS waiting,
                   sum(s.state = 'conflict') AS conflict,
                   sum(s.state = 'synced' AND s.active AND d.discount_percent != ?) AS other_percent
            FROM shop_codes AS s JOIN discount_codes AS d ON d.id = s.discount_code_id
            WHERE s.guild_id = ?
            GROUP BY s.shop
        """
        return {
            ShopKind(row["shop"]): ShopCodeTally(
                live=row["live"],
                inactive=row["inactive"],
                waiting=row["waiting"],
                conflict=row["conflict"],
                other_percent=row["other_percent"],
            )
            for row in await q.fetch_all(query, percent, guild_id)
        }
