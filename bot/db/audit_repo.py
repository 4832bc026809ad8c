"""SQL for ``audit_log``: append-only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.db.connection import Queries, Transaction


@dataclass(frozen=True)
class AuditEntry:
    id: int
    guild_id: int
    actor_id: int | None
    action: str
    subject: str | None
    detail: dict[str, Any]
    created_at: int


class AuditRepository:
    async def record(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        actor_id: int | None,
        action: str,
        now: int,
        subject: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        query = """
            INSERT INTO audit_log (guild_id, actor_id, action, subject, detail, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
        """
        payload = json.dumps(detail, sort_keys=True, default=str) if detail else None
        await tx.execute(query, guild_id, actor_id, action, subject, payload, now)

    async def recent(self, q: Queries, guild_id: int, limit: int = 50) -> list[AuditEntry]:
        query = """
            SELECT * FROM audit_log WHERE guild_id = ?
            ORDER BY created_at DESC, id DESC LIMIT ?
        """
        rows = await q.fetch_all(query, guild_id, limit)
        return [
            AuditEntry(
                id=r["id"],
                guild_id=r["guild_id"],
                actor_id=r["actor_id"],
                action=r["action"],
                subject=r["subject"],
                detail=json.loads(r["detail"]) if r["detail"] else {},
                created_at=r["created_at"],
            )
            for r in rows
        ]
