"""SQL for ``weekly_summaries``: the claim that makes each summary go out at most once."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.connection import Queries, Transaction

_COLUMNS = """
    id, guild_id, week_start, kind, period_start, period_end, status, channel_id, message_id,
    dms_sent, dms_undeliverable, dms_failed, error, claimed_by, claimed_at, posted_at
"""


@dataclass(frozen=True)
class SummaryRow:
    """One row of ``weekly_summaries``: a summary claimed, posted, abandoned or failed."""

    id: int
    guild_id: int
    week_start: str  # the week's local Monday, or 'manual:…'
    kind: str
    period_start: int
    period_end: int
    status: str
    channel_id: int | None
    message_id: int | None
    dms_sent: int
    dms_undeliverable: int
    dms_failed: int
    error: str | None
    claimed_by: int | None
    claimed_at: int
    posted_at: int | None


def _summary(row: sqlite3.Row) -> SummaryRow:
    return SummaryRow(**dict(row))


@dataclass(frozen=True)
class DmCount:
    """How many DMs of one summary are in one outbox status."""

    status: str
    count: int


@dataclass(frozen=True)
class MemberCreator:
    """The creator record of a server member: its id and status."""

    id: int
    status: str


class SummaryRepository:
    async def claim_weekly(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        week_start: str,
        period_start: int,
        period_end: int,
        now: int,
    ) -> int | None:
        """Take the week's row; ``None`` if someone (another run, another process) has it."""
        query = """
            INSERT INTO weekly_summaries (guild_id, week_start, kind, period_start, period_end,
                                          claimed_at)
            VALUES (?, ?, 'weekly', ?, ?, ?)
            ON CONFLICT (guild_id, week_start) DO NOTHING
        """
        return await tx.insert(query, guild_id, week_start, period_start, period_end, now)

    async def claim_manual(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        key: str,
        period_start: int,
        period_end: int,
        actor_id: int,
        now: int,
        quiet_since: int,
    ) -> int | None:
        """Take a row for a hand-posted summary, unless one was posted after ``quiet_since``
        (one statement, so two managers at once cannot both pass the check)."""
        query = """
            INSERT INTO weekly_summaries (guild_id, week_start, kind, period_start, period_end,
                                          claimed_by, claimed_at)
            SELECT ?, ?, 'manual', ?, ?, ?, ?
            WHERE NOT EXISTS (
                SELECT 1 FROM weekly_summaries
                WHERE guild_id = ? AND kind = 'manual' AND claimed_at > ?
            )
            ON CONFLICT (guild_id, week_start) DO NOTHING
        """
        return await tx.insert(
            query, guild_id, key, period_start, period_end, actor_id, now, guild_id, quiet_since
        )

    async def last_manual_at(self, q: Queries, guild_id: int) -> int | None:
        query = """
            SELECT max(claimed_at) FROM weekly_summaries WHERE guild_id = ? AND kind = 'manual'
        """
        return await q.fetch_val(query, guild_id)

    async def exists(self, q: Queries, guild_id: int, week_start: str) -> bool:
        query = "SELECT 1 FROM weekly_summaries WHERE guild_id = ? AND week_start = ?"
        return await q.fetch_val(query, guild_id, week_start) is not None

    async def get(self, q: Queries, summary_id: int) -> SummaryRow | None:
        row = await q.fetch_one(f"SELECT {_COLUMNS} FROM weekly_summaries WHERE id = ?", summary_id)
        return _summary(row) if row else None

    async def record_message(
        self, tx: Transaction, summary_id: int, channel_id: int, message_id: int
    ) -> None:
        query = "UPDATE weekly_summaries SET channel_id = ?, message_id = ? WHERE id = ?"
        await tx.execute(query, channel_id, message_id, summary_id)

    async def finish(
        self,
        tx: Transaction,
        summary_id: int,
        *,
        status: str,
        counts: dict[str, int],
        error: str | None,
        now: int,
    ) -> None:
        query = """
            UPDATE weekly_summaries
            SET status = ?, dms_sent = ?, dms_undeliverable = ?, dms_failed = ?,
                error = coalesce(?, error), posted_at = ?
            WHERE id = ?
        """
        await tx.execute(
            query,
            status,
            counts.get("sent", 0),
            counts.get("undeliverable", 0),
            counts.get("failed", 0),
            error,
            now,
            summary_id,
        )

    async def unfinished(self, q: Queries, claimed_before: int) -> list[SummaryRow]:
        """Rows still ``claimed`` since before ``claimed_before``: a run that was cut off."""
        query = f"""
            SELECT {_COLUMNS} FROM weekly_summaries
            WHERE status = 'claimed' AND claimed_at < ?
            ORDER BY claimed_at
        """
        return [_summary(r) for r in await q.fetch_all(query, claimed_before)]

    async def recent(self, q: Queries, guild_id: int, limit: int) -> list[SummaryRow]:
        query = f"""
            SELECT {_COLUMNS} FROM weekly_summaries
            WHERE guild_id = ? ORDER BY claimed_at DESC, id DESC LIMIT ?
        """
        return [_summary(r) for r in await q.fetch_all(query, guild_id, limit)]

    async def settings_created_at(self, q: Queries, guild_id: int) -> int | None:
        """When the server first ran ``/setup`` (``None``: never)."""
        query = "SELECT created_at FROM guild_settings WHERE guild_id = ?"
        return await q.fetch_val(query, guild_id)

    # --- the DMs of one summary (rows of the notification outbox) ---------------------------

    async def dm_outcomes(self, q: Queries, prefix: str) -> list[DmCount]:
        """DMs per outbox status, of the notifications whose dedupe key starts with ``prefix``."""
        # A key range instead of LIKE, so the unique index on dedupe_key answers it.
        query = """
            SELECT status, count(*) FROM notifications
            WHERE dedupe_key >= ? AND dedupe_key < ?
            GROUP BY status
        """
        rows = await q.fetch_all(query, prefix, prefix + "\uffff")
        return [DmCount(r[0], int(r[1])) for r in rows]

    async def undeliverable_users(self, q: Queries, prefix: str, limit: int) -> list[int]:
        query = """
            SELECT user_id FROM notifications
            WHERE dedupe_key >= ? AND dedupe_key < ? AND status = 'undeliverable'
            ORDER BY id LIMIT ?
        """
        rows = await q.fetch_all(query, prefix, prefix + "\uffff", limit)
        return [int(r[0]) for r in rows if r[0] is not None]

    # --- the creator's choice ---------------------------------------------------------------

    async def creator_of_member(
        self, q: Queries, guild_id: int, user_id: int
    ) -> MemberCreator | None:
        query = "SELECT id, status FROM creators WHERE guild_id = ? AND user_id = ?"
        row = await q.fetch_one(query, guild_id, user_id)
        return MemberCreator(row["id"], row["status"]) if row else None

    async def set_public_earnings(self, tx: Transaction, creator_id: int, public: bool) -> bool:
        """Store the choice; False if it was already so."""
        query = """
            UPDATE creators SET public_earnings = ? WHERE id = ? AND public_earnings <> ?
        """
        return await tx.execute(query, int(public), creator_id, int(public)) == 1
