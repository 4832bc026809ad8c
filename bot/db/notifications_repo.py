"""SQL for ``notifications``: the at-most-once outbox of direct messages and posts."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.connection import Queries, Transaction


@dataclass(frozen=True)
class UndeliverableNotice:
    """A message the recipient's privacy settings refused."""

    user_id: int | None
    kind: str
    dedupe_key: str
    created_at: int


class NotificationRepository:
    async def claim(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        user_id: int | None,
        kind: str,
        dedupe_key: str,
        now: int,
    ) -> bool:
        """Reserve ``dedupe_key``; False if it was claimed before (then do not send)."""
        query = """
            INSERT INTO notifications (guild_id, user_id, kind, dedupe_key, created_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (dedupe_key) DO NOTHING
        """
        return await tx.execute(query, guild_id, user_id, kind, dedupe_key, now) == 1

    async def finish(
        self, tx: Transaction, dedupe_key: str, status: str, now: int, error: str | None = None
    ) -> None:
        query = "UPDATE notifications SET status = ?, sent_at = ?, error = ? WHERE dedupe_key = ?"
        await tx.execute(query, status, now if status == "sent" else None, error, dedupe_key)

    async def status(self, q: Queries, dedupe_key: str) -> str | None:
        query = "SELECT status FROM notifications WHERE dedupe_key = ?"
        return await q.fetch_val(query, dedupe_key)

    async def undeliverable(
        self, q: Queries, guild_id: int, limit: int = 50
    ) -> list[UndeliverableNotice]:
        query = """
            SELECT user_id, kind, dedupe_key, created_at FROM notifications
            WHERE guild_id = ? AND status = 'undeliverable'
            ORDER BY created_at DESC LIMIT ?
        """
        return [
            UndeliverableNotice(r["user_id"], r["kind"], r["dedupe_key"], r["created_at"])
            for r in await q.fetch_all(query, guild_id, limit)
        ]
