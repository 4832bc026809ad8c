"""SQL for ``payout_methods``, ``payout_batches``, ``payout_items`` and the payout ledger moves."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.connection import Queries, Transaction
from bot.domain.ledger import BatchStatus


@dataclass(frozen=True)
class BalanceRow:
    """A creator's approved balance in one currency, with who they are and how they are paid."""

    creator_id: int
    user_id: int | None
    handle: str | None
    locale: str
    erased: bool
    currency: str
    amount_minor: int
    method: str | None
    details: str | None


@dataclass(frozen=True)
class BatchRow:
    id: int
    guild_id: int
    status: BatchStatus
    item_count: int
    created_by: int | None
    created_at: int
    paid_by: int | None
    paid_at: int | None


@dataclass(frozen=True)
class ItemRow:
    """A payout item with its creator and their current payout method (``None`` if erased)."""

    batch_id: int
    creator_id: int
    user_id: int | None
    handle: str | None
    locale: str
    amount_minor: int
    currency: str
    method: str
    current_method: str | None
    details: str | None


def _batch(row: sqlite3.Row) -> BatchRow:
    return BatchRow(
        id=row["id"],
        guild_id=row["guild_id"],
        status=BatchStatus.CANCELLED
        if row["cancelled_at"] is not None
        else BatchStatus(row["status"]),
        item_count=row["item_count"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        paid_by=row["paid_by"],
        paid_at=row["paid_at"],
    )


class PayoutRepository:
    # --- payout methods -----------------------------------------------------------------

    async def save_method(
        self, tx: Transaction, creator_id: int, method: str, details: str, now: int
    ) -> None:
        query = """
            INSERT INTO payout_methods (creator_id, method, details, updated_at)
            VALUES (?, ?, ?, ?)
            ON CONFLICT (creator_id) DO UPDATE SET
                method = excluded.method, details = excluded.details,
                updated_at = excluded.updated_at
        """
        await tx.execute(query, creator_id, method, details, now)

    async def method(self, q: Queries, creator_id: int) -> tuple[str, str] | None:
        """(provider, details JSON) of a creator, or ``None``."""
        query = "SELECT method, details FROM payout_methods WHERE creator_id = ?"
        row = await q.fetch_one(query, creator_id)
        return None if row is None else (row["method"], row["details"])

    # --- balances -----------------------------------------------------------------------

    async def approved_balances(self, q: Queries, guild_id: int) -> list[BalanceRow]:
        """Every non-zero approved balance of the server's creators, per currency.

        The approved bucket already nets clawbacks (negative entries) against new earnings.
        """
        query = """
            SELECT c.id AS creator_id, c.user_id, c.handle, c.locale, c.erased_at,
                   l.currency, SUM(l.amount_minor) AS amount,
                   m.method, m.details
            FROM creators c
            JOIN ledger_entries l ON l.creator_id = c.id AND l.bucket = 'approved'
            LEFT JOIN payout_methods m ON m.creator_id = c.id
            WHERE c.guild_id = ?
            GROUP BY c.id, l.currency
            HAVING SUM(l.amount_minor) <> 0
            ORDER BY c.id, l.currency
        """
        return [
            BalanceRow(
                creator_id=r["creator_id"],
                user_id=r["user_id"],
                handle=r["handle"],
                locale=r["locale"],
                erased=r["erased_at"] is not None,
                currency=r["currency"],
                amount_minor=int(r["amount"]),
                method=r["method"],
                details=r["details"],
            )
            for r in await q.fetch_all(query, guild_id)
        ]

    # --- freezing a batch ---------------------------------------------------------------

    async def create_batch(
        self, tx: Transaction, guild_id: int, actor_id: int | None, now: int
    ) -> int:
        query = "INSERT INTO payout_batches (guild_id, created_by, created_at) VALUES (?, ?, ?)"
        batch_id = await tx.insert(query, guild_id, actor_id, now)
        assert batch_id is not None
        return batch_id

    async def add_item(
        self,
        tx: Transaction,
        *,
        batch_id: int,
        creator_id: int,
        amount_minor: int,
        currency: str,
        method: str,
    ) -> None:
        query = """
            INSERT INTO payout_items (batch_id, creator_id, amount_minor, currency, method)
            VALUES (?, ?, ?, ?, ?)
        """
        await tx.execute(query, batch_id, creator_id, amount_minor, currency, method)

    async def mark_commissions_paid(
        self, tx: Transaction, *, batch_id: int, creator_id: int, currency: str, now: int
    ) -> int:
        """Put the creator's approved commissions in the batch; a commission that is in a
        batch already is never taken again."""
        query = """
            UPDATE commissions SET state = 'paid', payout_batch_id = ?, updated_at = ?
            WHERE creator_id = ? AND currency = ? AND state = 'approved'
              AND payout_batch_id IS NULL
        """
        return await tx.execute(query, batch_id, now, creator_id, currency)

    async def set_item_count(self, tx: Transaction, batch_id: int, count: int) -> None:
        await tx.execute("UPDATE payout_batches SET item_count = ? WHERE id = ?", count, batch_id)

    # --- batches afterwards -------------------------------------------------------------

    async def batch(self, q: Queries, batch_id: int) -> BatchRow | None:
        row = await q.fetch_one("SELECT * FROM payout_batches WHERE id = ?", batch_id)
        return None if row is None else _batch(row)

    async def mark_batch_paid(
        self, tx: Transaction, batch_id: int, actor_id: int | None, now: int
    ) -> bool:
        """Frozen → paid; False if the batch was paid already."""
        query = """
            UPDATE payout_batches SET status = 'paid', paid_by = ?, paid_at = ?
            WHERE id = ? AND status = 'frozen' AND cancelled_at IS NULL
        """
        return await tx.execute(query, actor_id, now, batch_id) == 1

    async def cancel_batch(
        self, tx: Transaction, batch_id: int, actor_id: int | None, now: int
    ) -> bool:
        """Frozen → cancelled; False if the batch was paid or cancelled already."""
        query = """
            UPDATE payout_batches SET cancelled_by = ?, cancelled_at = ?
            WHERE id = ? AND status = 'frozen' AND cancelled_at IS NULL
        """
        return await tx.execute(query, actor_id, now, batch_id) == 1

    async def release_commissions(self, tx: Transaction, batch_id: int, now: int) -> int:
        """Take a cancelled batch's commissions out of it: paid ones are approved again (one
        reversed since keeps its state), and any later batch may take them."""
        query = """
            UPDATE commissions
            SET state = CASE WHEN state = 'paid' THEN 'approved' ELSE state END,
                payout_batch_id = NULL, updated_at = ?
            WHERE payout_batch_id = ?
        """
        return await tx.execute(query, now, batch_id)

    async def items(self, q: Queries, batch_id: int) -> list[ItemRow]:
        query = """
            SELECT i.batch_id, i.creator_id, c.user_id, c.handle, c.locale, i.amount_minor,
                   i.currency, i.method, m.method AS current_method, m.details
            FROM payout_items i
            JOIN creators c ON c.id = i.creator_id
            LEFT JOIN payout_methods m ON m.creator_id = i.creator_id
            WHERE i.batch_id = ?
            ORDER BY i.currency, i.creator_id
        """
        return [
            ItemRow(
                batch_id=r["batch_id"],
                creator_id=r["creator_id"],
                user_id=r["user_id"],
                handle=r["handle"],
                locale=r["locale"],
                amount_minor=r["amount_minor"],
                currency=r["currency"],
                method=r["method"],
                current_method=r["current_method"],
                details=r["details"],
            )
            for r in await q.fetch_all(query, batch_id)
        ]

    async def totals(self, q: Queries, batch_id: int) -> dict[str, int]:
        """What a batch pays, per currency."""
        query = """
            SELECT currency, SUM(amount_minor) AS total FROM payout_items
            WHERE batch_id = ? GROUP BY currency ORDER BY currency
        """
        return {r["currency"]: int(r["total"]) for r in await q.fetch_all(query, batch_id)}

    async def unpaid_batches(self, q: Queries, guild_id: int, limit: int = 10) -> list[BatchRow]:
        """Frozen batches nobody marked paid yet, oldest first."""
        query = """
            SELECT * FROM payout_batches
            WHERE guild_id = ? AND status = 'frozen' AND cancelled_at IS NULL
            ORDER BY id LIMIT ?
        """
        return [_batch(r) for r in await q.fetch_all(query, guild_id, limit)]
