"""SQL for ``ledger_entries``: the one place that writes them (append-only)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.db.connection import Transaction
from bot.domain.ledger import Entry


class LedgerRepository:
    async def post(
        self,
        tx: Transaction,
        entries: Sequence[Entry],
        *,
        guild_id: int,
        creator_id: int,
        currency: str,
        actor_id: int | None,
        now: int,
        commission_id: int | None = None,
        payout_batch_id: int | None = None,
    ) -> None:
        """Append the entries of one movement of money (entries of 0 are left out)."""
        query = """
            INSERT INTO ledger_entries (guild_id, creator_id, commission_id, bucket, kind,
                                        amount_minor, currency, actor_id, created_at,
                                        payout_batch_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        rows = [
            (
                guild_id,
                creator_id,
                commission_id,
                entry.bucket.value,
                entry.kind.value,
                entry.amount,
                currency,
                actor_id,
                now,
                payout_batch_id,
            )
            for entry in entries
            if entry.amount
        ]
        if rows:
            await tx.execute_many(query, rows)
