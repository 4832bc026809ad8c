"""SQL for returning customers: ``customers`` (who brought whom), ``program_secrets``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.connection import Queries, Transaction
from bot.domain.recurring import CustomerFacts


@dataclass(frozen=True)
class LifetimeRow:
    """A creator's customers and everything they bought, ever."""

    creator_id: int
    customers: int
    orders: int
    revenue_minor: int


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


class CustomerRepository:
    async def secret(self, q: Queries, name: str) -> str | None:
        return await q.fetch_val("SELECT value FROM program_secrets WHERE name = ?", name)

    async def keep_secret(self, tx: Transaction, name: str, value: str) -> str:
        """Store ``value`` unless a secret of that name exists; return the one kept."""
        await tx.execute(
            "INSERT INTO program_secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
            name,
            value,
        )
        kept = await tx.fetch_val("SELECT value FROM program_secrets WHERE name = ?", name)
        assert kept is not None
        return str(kept)

    async def owner(
        self, q: Queries, keys: Sequence[str], guild_id: int | None = None
    ) -> CustomerFacts | None:
        """Who brought the customer any of ``keys`` names (in ``guild_id``, or the earliest in
        any server), with the link of that first order."""
        if not keys:
            return None
        where = f"k.customer_key IN ({_marks(keys)})"
        args: list[object] = list(keys)
        if guild_id is not None:
            where += " AND k.guild_id = ?"
            args.append(guild_id)
        query = f"""
            SELECT k.guild_id, k.creator_id, k.acquired_at, k.conversion_id, c.status,
                   v.link_id
            FROM customers k
            JOIN creators c ON c.id = k.creator_id
            LEFT JOIN conversions v ON v.id = k.conversion_id
            WHERE {where}
            ORDER BY k.acquired_at, k.id
            LIMIT 1
        """
        row = await q.fetch_one(query, *args)
        if row is None:
            return None
        return CustomerFacts(
            guild_id=row["guild_id"],
            creator_id=row["creator_id"],
            creator_active=row["status"] == "active",
            acquired_at=row["acquired_at"],
            conversion_id=row["conversion_id"],
            link_id=row["link_id"],
        )

    async def remember(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        keys: Sequence[str],
        creator_id: int,
        conversion_id: int,
        acquired_at: int,
    ) -> None:
        """Record ``keys`` as the customer ``creator_id`` brought; keys known already keep
        their creator."""
        await tx.execute_many(
            """
            INSERT INTO customers (guild_id, customer_key, creator_id, conversion_id, acquired_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, customer_key) DO NOTHING
            """,
            [(guild_id, key, creator_id, conversion_id, acquired_at) for key in keys],
        )

    async def forget(self, tx: Transaction, keys: Sequence[str]) -> int:
        """Erase a customer: their keys and the link from their orders to them."""
        if not keys:
            return 0
        marks = _marks(keys)
        removed = await tx.execute(f"DELETE FROM customers WHERE customer_key IN ({marks})", *keys)
        await tx.execute(
            f"UPDATE conversions SET customer_key = NULL WHERE customer_key IN ({marks})", *keys
        )
        return removed

    async def lifetime_by_creator(
        self, q: Queries, guild_id: int, currency: str
    ) -> list[LifetimeRow]:
        """Per creator: the customers they brought and the net revenue of all their orders in
        the program currency, whoever (or nothing) they were attributed to."""
        query = """
            WITH owned AS (
                SELECT DISTINCT creator_id, customer_key, conversion_id
                FROM customers WHERE guild_id = ?
            )
            SELECT o.creator_id,
                   COUNT(DISTINCT o.conversion_id) AS customers,
                   COUNT(v.id) AS orders,
                   COALESCE(SUM(v.net_minor - v.refunded_minor), 0) AS revenue
            FROM owned o
            LEFT JOIN conversions v
                ON v.customer_key = o.customer_key AND v.kind = 'sale'
                AND v.status = 'active' AND v.currency = ?
            GROUP BY o.creator_id
        """
        return [
            LifetimeRow(r["creator_id"], r["customers"], r["orders"], r["revenue"])
            for r in await q.fetch_all(query, guild_id, currency)
        ]
