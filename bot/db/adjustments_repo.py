"""SQL for what happens to an order after its sale: refunds and cancellations
(``conversion_adjustments``), the ones that arrived before their sale (``early_adjustments``)
and the other ids an order is known by (``order_aliases``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.connection import Queries, Transaction
from bot.db.money_repo import ConversionRow, conversion_from_row
from bot.domain.derivation import Derivation

# Aliases followed at most this far: payment → invoice → Checkout session needs two.
_ALIAS_DEPTH = 4


@dataclass(frozen=True)
class AdjustmentRow:
    """One refund or cancellation of a conversion, as applied (or held)."""

    id: int
    conversion_id: int
    refund_key: str
    kind: str
    amount_minor: int
    state: str  # applied, estimated, held, corrected
    derivation: Derivation | None
    sent_minor: int | None
    sent_currency: str | None
    actor_id: int | None
    created_at: int


def _adjustment(row: sqlite3.Row) -> AdjustmentRow:
    return AdjustmentRow(
        id=row["id"],
        conversion_id=row["conversion_id"],
        refund_key=row["refund_key"],
        kind=row["kind"],
        amount_minor=row["amount_minor"],
        state=row["state"],
        derivation=Derivation.from_json(row["derivation"]),
        sent_minor=row["sent_minor"],
        sent_currency=row["sent_currency"],
        actor_id=row["actor_id"],
        created_at=row["created_at"],
    )


@dataclass(frozen=True)
class ParkedRow:
    """A refund or cancellation kept until its sale arrives."""

    refund_key: str
    kind: str
    refund_minor: int
    gross_basis: bool
    gross_minor: int | None
    currency: str | None
    derivation: Derivation | None


class AdjustmentRepository:
    async def add_adjustment(
        self,
        tx: Transaction,
        *,
        conversion_id: int,
        refund_key: str,
        kind: str,
        amount: int,
        now: int,
        state: str = "applied",
        derivation: Derivation | None = None,
        sent: tuple[int, str] | None = None,
        actor_id: int | None = None,
    ) -> bool:
        """Record a refund or cancellation once per refund key; False if seen before."""
        query = """
            INSERT INTO conversion_adjustments (conversion_id, refund_key, kind, amount_minor,
                                                created_at, state, derivation, sent_minor,
                                                sent_currency, actor_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (conversion_id, refund_key) DO NOTHING
        """
        values = (
            conversion_id,
            refund_key,
            kind,
            amount,
            now,
            state,
            derivation.to_json() if derivation else None,
            sent[0] if sent else None,
            sent[1] if sent else None,
            actor_id,
        )
        return await tx.execute(query, *values) == 1

    async def refund_known(self, q: Queries, source: str, order_id: str, refund_key: str) -> bool:
        """Whether this refund of the order was recorded or kept for its sale already."""
        query = """
            SELECT 1 FROM conversion_adjustments AS a
            JOIN conversions AS c ON c.id = a.conversion_id
            WHERE c.source = ? AND c.order_id = ? AND a.refund_key = ?
            UNION ALL
            SELECT 1 FROM early_adjustments
            WHERE source = ? AND order_id = ? AND refund_key = ?
            LIMIT 1
        """
        row = await q.fetch_one(query, source, order_id, refund_key, source, order_id, refund_key)
        return row is not None

    async def adjustments(self, q: Queries, conversion_id: int) -> list[AdjustmentRow]:
        """A conversion's refunds and cancellations, oldest first."""
        query = "SELECT * FROM conversion_adjustments WHERE conversion_id = ? ORDER BY id"
        return [_adjustment(r) for r in await q.fetch_all(query, conversion_id)]

    async def correct_adjustment(
        self,
        tx: Transaction,
        adjustment_id: int,
        *,
        amount: int,
        derivation: Derivation,
        actor_id: int,
    ) -> None:
        """A manager's amount for a refund: it replaces the estimated or held one."""
        query = """
            UPDATE conversion_adjustments
            SET amount_minor = ?, state = 'corrected', derivation = ?, actor_id = ?
            WHERE id = ?
        """
        await tx.execute(query, amount, derivation.to_json(), actor_id, adjustment_id)

    async def park_adjustment(
        self,
        tx: Transaction,
        *,
        source: str,
        order_id: str,
        refund_key: str,
        kind: str,
        refund_minor: int,
        gross_basis: bool,
        now: int,
        currency: str | None = None,
        gross_minor: int | None = None,
        derivation: Derivation | None = None,
    ) -> bool:
        """Keep a refund or cancellation whose sale has not arrived yet, once per refund key;
        False if it is kept already."""
        query = """
            INSERT INTO early_adjustments (source, order_id, refund_key, kind, refund_minor,
                                           gross_basis, received_at, currency, gross_minor,
                                           derivation)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (source, order_id, refund_key) DO NOTHING
        """
        values = (
            source,
            order_id,
            refund_key,
            kind,
            refund_minor,
            int(gross_basis),
            now,
            currency,
            gross_minor,
            derivation.to_json() if derivation else None,
        )
        return await tx.execute(query, *values) == 1

    async def take_parked(self, tx: Transaction, source: str, order_id: str) -> list[ParkedRow]:
        """The kept refunds and cancellations of an order, oldest first, deleting them."""
        query = "SELECT * FROM early_adjustments WHERE source = ? AND order_id = ? ORDER BY id"
        rows = await tx.fetch_all(query, source, order_id)
        if rows:
            await tx.execute(
                "DELETE FROM early_adjustments WHERE source = ? AND order_id = ?", source, order_id
            )
        return [
            ParkedRow(
                refund_key=r["refund_key"],
                kind=r["kind"],
                refund_minor=r["refund_minor"],
                gross_basis=bool(r["gross_basis"]),
                gross_minor=r["gross_minor"],
                currency=r["currency"],
                derivation=Derivation.from_json(r["derivation"]),
            )
            for r in rows
        ]

    async def forget_parked_before(self, tx: Transaction, before: int) -> int:
        """Drop kept refunds whose sale never came."""
        return await tx.execute("DELETE FROM early_adjustments WHERE received_at < ?", before)

    # --- other ids of orders ---------------------------------------------------------------

    async def add_alias(
        self,
        tx: Transaction,
        source: str,
        alias: str,
        order_id: str,
        now: int,
        *,
        resolved: bool = False,
    ) -> bool:
        """Record that ``alias`` stands for ``order_id`` (``resolved``: a conversion is known
        under it); False if ``alias`` is known already."""
        query = """
            INSERT INTO order_aliases (source, alias, order_id, resolved, created_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (source, alias) DO NOTHING
        """
        return await tx.execute(query, source, alias, order_id, int(resolved), now) == 1

    async def resolve_aliases(self, tx: Transaction, source: str, aliases: Sequence[str]) -> None:
        """Mark ``aliases`` as leading to a conversion: they are kept."""
        marks = ", ".join("?" * len(aliases))
        query = f"""
            UPDATE order_aliases SET resolved = 1
            WHERE source = ? AND alias IN ({marks}) AND resolved = 0
        """
        await tx.execute(query, source, *aliases)

    async def conversion_named(
        self, q: Queries, source: str, ids: Sequence[str]
    ) -> ConversionRow | None:
        """The conversion recorded under one of ``ids``, or under what they are aliases of."""
        starts = ", ".join(["(?)"] * len(ids))
        query = f"""
            WITH RECURSIVE names (id, depth) AS (
                SELECT column1, 0 FROM (VALUES {starts})
                UNION
                SELECT a.order_id, n.depth + 1 FROM order_aliases AS a
                JOIN names AS n ON a.source = ? AND a.alias = n.id
                WHERE n.depth < {_ALIAS_DEPTH}
            )
            SELECT c.* FROM conversions AS c JOIN names AS n ON c.order_id = n.id
            WHERE c.source = ? ORDER BY n.depth, c.id LIMIT 1
        """
        row = await q.fetch_one(query, *ids, source, source)
        return None if row is None else conversion_from_row(row)

    async def names_of(self, q: Queries, source: str, order_id: str) -> list[str]:
        """``order_id`` and every alias that leads to it."""
        query = f"""
            WITH RECURSIVE names (id, depth) AS (
                SELECT ?, 0
                UNION
                SELECT a.alias, n.depth + 1 FROM order_aliases AS a
                JOIN names AS n ON a.source = ? AND a.order_id = n.id
                WHERE n.depth < {_ALIAS_DEPTH}
            )
            SELECT DISTINCT id FROM names
        """
        return [row[0] for row in await q.fetch_all(query, order_id, source)]

    async def conversions_by_alias(
        self, q: Queries, guild_id: int, alias: str
    ) -> list[ConversionRow]:
        """A server's conversions that ``alias`` leads to, in any source."""
        query = f"""
            WITH RECURSIVE names (source, id, depth) AS (
                SELECT source, order_id, 1 FROM order_aliases WHERE alias = ?
                UNION
                SELECT a.source, a.order_id, n.depth + 1 FROM order_aliases AS a
                JOIN names AS n ON a.source = n.source AND a.alias = n.id
                WHERE n.depth < {_ALIAS_DEPTH}
            )
            SELECT * FROM conversions WHERE guild_id = ? AND id IN (
                SELECT c.id FROM conversions AS c
                JOIN names AS n ON c.source = n.source AND c.order_id = n.id
            ) ORDER BY id
        """
        return [conversion_from_row(r) for r in await q.fetch_all(query, alias, guild_id)]

    async def forget_stale_aliases(self, tx: Transaction, before: int) -> int:
        """Drop unresolved aliases older than ``before`` that lead to no conversion (directly
        or through the alias they stand for)."""
        query = """
            DELETE FROM order_aliases AS o
            WHERE o.resolved = 0 AND o.created_at < ?
              AND NOT EXISTS (SELECT 1 FROM conversions AS c
                              WHERE c.source = o.source AND c.order_id = o.order_id)
              AND NOT EXISTS (SELECT 1 FROM order_aliases AS a
                              JOIN conversions AS c ON c.source = a.source
                                                   AND c.order_id = a.order_id
                              WHERE a.source = o.source AND a.alias = o.order_id)
        """
        return await tx.execute(query, before)
