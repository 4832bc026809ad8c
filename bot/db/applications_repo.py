"""SQL for ``applications``."""

from __future__ import annotations

import sqlite3

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.applications import (
    Application,
    ApplicationInput,
    Assessment,
    Platform,
    Status,
)
from bot.domain.tiers import Tier

_PENDING = "('open', 'info_requested')"


def _from_row(row: sqlite3.Row) -> Application:
    return Application(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        platform=Platform(row["platform"]),
        handle=row["handle"],
        followers=row["followers"],
        niche=row["niche"],
        engagement_rate_bp=row["engagement_rate_bp"],
        profile_url=row["profile_url"],
        email=row["email"],
        locale=row["locale"],
        tier=Tier(row["tier"]),
        flags=tuple(f for f in row["flags"].split(",") if f),
        status=Status(row["status"]),
        info_question=row["info_question"],
        review_channel_id=row["review_channel_id"],
        review_message_id=row["review_message_id"],
        decided_by=row["decided_by"],
        decided_at=from_epoch(row["decided_at"]),
        decision_reason=row["decision_reason"],
        created_at=from_epoch(row["created_at"]),  # type: ignore[arg-type]
    )


class ApplicationRepository:
    async def get(self, q: Queries, application_id: int) -> Application | None:
        row = await q.fetch_one("SELECT * FROM applications WHERE id = ?", application_id)
        return None if row is None else _from_row(row)

    async def pending_for(self, q: Queries, guild_id: int, user_id: int) -> Application | None:
        query = f"""
            SELECT * FROM applications
            WHERE guild_id = ? AND user_id = ? AND status IN {_PENDING}
        """
        row = await q.fetch_one(query, guild_id, user_id)
        return None if row is None else _from_row(row)

    async def pending_in(self, q: Queries, guild_id: int) -> list[Application]:
        """Every waiting application of a server (the review queue)."""
        query = f"""
            SELECT * FROM applications
            WHERE guild_id = ? AND status IN {_PENDING} AND user_id IS NOT NULL
            ORDER BY id
        """
        return [_from_row(row) for row in await q.fetch_all(query, guild_id)]

    async def last_rejection(self, q: Queries, guild_id: int, user_id: int) -> Application | None:
        query = """
            SELECT * FROM applications
            WHERE guild_id = ? AND user_id = ? AND status = 'rejected'
            ORDER BY decided_at DESC, id DESC LIMIT 1
        """
        row = await q.fetch_one(query, guild_id, user_id)
        return None if row is None else _from_row(row)

    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        user_id: int,
        data: ApplicationInput,
        assessment: Assessment,
        locale: str,
        now: int,
    ) -> int | None:
        """Insert an open application; ``None`` if the member has a pending one (the unique
        index decides)."""
        query = """
            INSERT INTO applications (
                guild_id, user_id, platform, handle, followers, niche, engagement_rate_bp,
                profile_url, email, locale, tier, flags, status, created_at, updated_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)
            ON CONFLICT DO NOTHING
        """
        return await tx.insert(
            query,
            guild_id,
            user_id,
            data.platform.value,
            data.handle,
            data.followers,
            data.niche,
            data.engagement_rate_bp,
            data.profile_url,
            data.email,
            locale,
            assessment.tier.value,
            ",".join(assessment.flags),
            now,
            now,
        )

    async def update_details(
        self,
        tx: Transaction,
        application_id: int,
        *,
        data: ApplicationInput,
        assessment: Assessment,
        locale: str,
        now: int,
    ) -> int:
        """The applicant's answer to a question: new details, and the card is open again."""
        query = f"""
            UPDATE applications SET
                platform = ?, handle = ?, followers = ?, niche = ?, engagement_rate_bp = ?,
                profile_url = ?, email = ?, locale = ?, tier = ?, flags = ?,
                status = 'open', updated_at = ?
            WHERE id = ? AND status IN {_PENDING}
        """
        return await tx.execute(
            query,
            data.platform.value,
            data.handle,
            data.followers,
            data.niche,
            data.engagement_rate_bp,
            data.profile_url,
            data.email,
            locale,
            assessment.tier.value,
            ",".join(assessment.flags),
            now,
            application_id,
        )

    async def set_card(
        self, tx: Transaction, application_id: int, channel_id: int, message_id: int
    ) -> None:
        query = """
            UPDATE applications SET review_channel_id = ?, review_message_id = ? WHERE id = ?
        """
        await tx.execute(query, channel_id, message_id, application_id)

    async def decide(
        self,
        tx: Transaction,
        application_id: int,
        *,
        status: Status,
        actor_id: int,
        reason: str | None,
        now: int,
    ) -> bool:
        """Approve or reject a pending application; False if it was already decided."""
        query = f"""
            UPDATE applications
            SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?, updated_at = ?
            WHERE id = ? AND status IN {_PENDING}
        """
        changed = await tx.execute(query, status.value, actor_id, now, reason, now, application_id)
        return changed == 1

    async def request_info(
        self, tx: Transaction, application_id: int, *, question: str, now: int
    ) -> bool:
        query = f"""
            UPDATE applications
            SET status = 'info_requested', info_question = ?, updated_at = ?
            WHERE id = ? AND status IN {_PENDING}
        """
        return await tx.execute(query, question, now, application_id) == 1
