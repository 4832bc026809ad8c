"""SQL for ``broadcasts``: the drafts and sent briefs of ``/broadcast``."""

from __future__ import annotations

import sqlite3

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.broadcasts import Brief, Broadcast, BroadcastState


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        guild_id=row["guild_id"],
        state=BroadcastState(row["state"]),
        segment=row["segment"],
        campaign_id=row["campaign_id"],
        title=row["title"],
        text=row["body"],
        link=row["link"],
        image_url=row["image_url"],
        channel_id=row["channel_id"],
        recipients=row["recipients"],
        created_by=row["created_by"],
        created_at=from_epoch(row["created_at"]),  # type: ignore[arg-type]
        job_id=row["job_id"],
        sent_by=row["sent_by"],
        sent_at=from_epoch(row["sent_at"]),
    )


class BroadcastRepository:
    async def insert_draft(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        segment: str,
        campaign_id: int | None,
        brief: Brief,
        image_url: str | None,
        channel_id: int | None,
        recipients: int,
        actor_id: int,
        now: int,
    ) -> int:
        query = """
            INSERT INTO broadcasts (guild_id, segment, campaign_id, title, body, link,
                                    image_url, channel_id, recipients, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        broadcast_id = await tx.insert(
            query,
            guild_id,
            segment,
            campaign_id,
            brief.title,
            brief.text,
            brief.link,
            image_url,
            channel_id,
            recipients,
            actor_id,
            now,
        )
        assert broadcast_id is not None
        return broadcast_id

    async def get(self, q: Queries, broadcast_id: int) -> Broadcast | None:
        row = await q.fetch_one("SELECT * FROM broadcasts WHERE id = ?", broadcast_id)
        return None if row is None else _broadcast(row)

    async def by_job(self, q: Queries, job_id: int) -> Broadcast | None:
        row = await q.fetch_one("SELECT * FROM broadcasts WHERE job_id = ?", job_id)
        return None if row is None else _broadcast(row)

    async def mark_sending(
        self,
        tx: Transaction,
        broadcast_id: int,
        *,
        job_id: int,
        recipients: int,
        actor_id: int,
        now: int,
    ) -> bool:
        """Tie a draft to its job; False if it is no longer a draft (sent or cancelled)."""
        query = """
            UPDATE broadcasts
            SET state = 'sending', job_id = ?, recipients = ?, sent_by = ?, sent_at = ?
            WHERE id = ? AND state = 'draft'
        """
        return await tx.execute(query, job_id, recipients, actor_id, now, broadcast_id) == 1

    async def cancel(self, tx: Transaction, broadcast_id: int) -> bool:
        """Cancel a draft; False if it is no longer one."""
        query = "UPDATE broadcasts SET state = 'cancelled' WHERE id = ? AND state = 'draft'"
        return await tx.execute(query, broadcast_id) == 1

    async def recent(self, q: Queries, guild_id: int, limit: int) -> list[Broadcast]:
        """The server's latest broadcasts (drafts and cancelled ones too), newest first."""
        query = """
            SELECT * FROM broadcasts WHERE guild_id = ?
            ORDER BY created_at DESC, id DESC LIMIT ?
        """
        return [_broadcast(row) for row in await q.fetch_all(query, guild_id, limit)]
