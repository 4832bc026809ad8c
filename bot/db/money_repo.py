"""SQL for conversions, their adjustments, commissions, the ledger and plans."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.db.connection import Queries, Transaction
from bot.domain.attribution import ClickFacts, CodeFacts
from bot.domain.commission import Plan, PlanKind, levels_from_json
from bot.domain.derivation import Derivation
from bot.domain.ledger import CommissionState
from bot.domain.recurring import FIRST_ORDER_ONLY, Recurring, RecurringTerms


@dataclass(frozen=True)
class BucketTotal:
    """The sum of a creator's ledger entries in one bucket."""

    bucket: str
    amount_minor: int


@dataclass(frozen=True)
class CreatorPeriod:
    """A creator's active orders, leads and net revenue over a period."""

    orders: int
    leads: int
    revenue_minor: int


@dataclass(frozen=True)
class StateTotal:
    """What a creator's commissions in one state come to, and how much of them was reversed."""

    state: CommissionState
    amount_minor: int
    reversed_minor: int


@dataclass(frozen=True)
class ConversionRow:
    id: int
    guild_id: int | None
    source: str
    order_id: str
    kind: str
    status: str
    currency: str | None
    net_minor: int
    refunded_minor: int
    gross_minor: int | None
    creator_id: int | None
    attribution: str
    attribution_reason: str
    flags: tuple[str, ...]
    occurred_at: int
    code: str | None = None
    click_id: str | None = None
    derivation: Derivation | None = None
    created_at: int = 0


@dataclass(frozen=True)
class FirstSaleRow:
    """A creator whose first sale is still to be celebrated."""

    creator_id: int
    guild_id: int
    user_id: int
    locale: str
    orders: int
    earned: int


@dataclass(frozen=True)
class CommissionRow:
    id: int
    guild_id: int
    creator_id: int
    conversion_id: int | None
    currency: str
    amount_minor: int
    reversed_minor: int
    state: CommissionState
    hold_reason: str | None
    approve_after: int
    plan_id: int | None = None

    @property
    def remaining(self) -> int:
        return self.amount_minor - self.reversed_minor


def conversion_from_row(row: sqlite3.Row) -> ConversionRow:
    return ConversionRow(
        id=row["id"],
        guild_id=row["guild_id"],
        source=row["source"],
        order_id=row["order_id"],
        kind=row["kind"],
        status=row["status"],
        currency=row["currency"],
        net_minor=row["net_minor"],
        refunded_minor=row["refunded_minor"],
        gross_minor=row["gross_minor"],
        creator_id=row["creator_id"],
        attribution=row["attribution"],
        attribution_reason=row["attribution_reason"],
        flags=tuple(f for f in row["flags"].split(",") if f),
        occurred_at=row["occurred_at"],
        code=row["code"],
        click_id=row["click_id"],
        derivation=Derivation.from_json(row["derivation"]),
        created_at=row["created_at"],
    )


def _commission(row: sqlite3.Row) -> CommissionRow:
    return CommissionRow(
        id=row["id"],
        guild_id=row["guild_id"],
        creator_id=row["creator_id"],
        conversion_id=row["conversion_id"],
        currency=row["currency"],
        amount_minor=row["amount_minor"],
        reversed_minor=row["reversed_minor"],
        state=CommissionState(row["state"]),
        hold_reason=row["hold_reason"],
        approve_after=row["approve_after"],
        plan_id=row["plan_id"],
    )


def _plan(row: sqlite3.Row) -> Plan:
    return Plan(
        id=row["id"],
        guild_id=row["guild_id"],
        name=row["name"],
        kind=PlanKind(row["kind"]),
        rate_bp=row["rate_bp"],
        amount_minor=row["amount_minor"],
        tier_basis=row["tier_basis"],
        levels=levels_from_json(row["levels"]),
        is_default=bool(row["is_default"]),
        recurring=RecurringTerms(Recurring(row["recurring"]), row["recurring_months"]),
    )


@dataclass(frozen=True)
class EarnedRow:
    """One of a creator's commissions with the order behind it, for ``/earnings``."""

    commission: CommissionRow
    kind: str
    order_id: str | None
    net_minor: int | None
    refunded_minor: int
    order_currency: str | None
    derivation: Derivation | None
    created_at: int


class MoneyRepository:
    # --- attribution facts ----------------------------------------------------------------

    async def click_facts(self, q: Queries, click_id: str) -> ClickFacts | None:
        query = """
            SELECT k.click_id, k.guild_id, k.creator_id, k.link_id, k.clicked_at,
                   k.visitor_hash, c.status
            FROM clicks k JOIN creators c ON c.id = k.creator_id
            WHERE k.click_id = ?
        """
        row = await q.fetch_one(query, click_id)
        if row is None:
            return None
        return ClickFacts(
            click_id=row["click_id"],
            guild_id=row["guild_id"],
            creator_id=row["creator_id"],
            link_id=row["link_id"],
            clicked_at=row["clicked_at"],
            visitor_hash=row["visitor_hash"],
            creator_active=row["status"] == "active",
        )

    async def code_facts(self, q: Queries, code: str) -> CodeFacts | None:
        query = """
            SELECT d.code, d.guild_id, d.creator_id, d.active, c.status
            FROM discount_codes d JOIN creators c ON c.id = d.creator_id
            WHERE d.code = ?
        """
        row = await q.fetch_one(query, code.strip())
        if row is None:
            return None
        return CodeFacts(
            code=row["code"],
            guild_id=row["guild_id"],
            creator_id=row["creator_id"],
            active=bool(row["active"]) and row["status"] == "active",
        )

    # --- conversions ----------------------------------------------------------------------

    async def insert_conversion(
        self,
        tx: Transaction,
        *,
        guild_id: int | None,
        source: str,
        order_id: str,
        kind: str,
        status: str,
        currency: str | None,
        net_minor: int,
        gross_minor: int | None,
        creator_id: int | None,
        link_id: int | None,
        click_id: int | None,
        code: str | None,
        attribution: str,
        attribution_reason: str | None,
        visitor_hash: str | None,
        flags: str,
        delivery_id: str | None,
        derivation: str,
        occurred_at: int,
        created_at: int,
        customer_key: str | None = None,
    ) -> int | None:
        """Insert a conversion; ``None`` if (source, order_id) exists already."""
        query = """
            INSERT INTO conversions (
                guild_id, source, order_id, kind, status, currency, net_minor, gross_minor,
                creator_id, link_id, click_id, code, attribution, attribution_reason,
                visitor_hash, flags, delivery_id, derivation, occurred_at, created_at,
                customer_key
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (source, order_id) DO NOTHING
        """
        return await tx.insert(
            query,
            guild_id,
            source,
            order_id,
            kind,
            status,
            currency,
            net_minor,
            gross_minor,
            creator_id,
            link_id,
            click_id,
            code,
            attribution,
            attribution_reason,
            visitor_hash,
            flags,
            delivery_id,
            derivation,
            occurred_at,
            created_at,
            customer_key,
        )

    async def conversion(self, q: Queries, source: str, order_id: str) -> ConversionRow | None:
        query = "SELECT * FROM conversions WHERE source = ? AND order_id = ?"
        row = await q.fetch_one(query, source, order_id)
        return None if row is None else conversion_from_row(row)

    async def conversion_by_id(self, q: Queries, conversion_id: int) -> ConversionRow | None:
        row = await q.fetch_one("SELECT * FROM conversions WHERE id = ?", conversion_id)
        return None if row is None else conversion_from_row(row)

    async def conversions_by_order(
        self, q: Queries, guild_id: int, order_id: str
    ) -> list[ConversionRow]:
        query = "SELECT * FROM conversions WHERE guild_id = ? AND order_id = ? ORDER BY id"
        return [conversion_from_row(r) for r in await q.fetch_all(query, guild_id, order_id)]

    async def other_sources(self, q: Queries, source: str, order_id: str) -> int:
        query = "SELECT COUNT(*) FROM conversions WHERE order_id = ? AND source <> ?"
        return int(await q.fetch_val(query, order_id, source))

    async def visitor_orders_since(self, q: Queries, visitor_hash: str, since: int) -> int:
        query = """
            SELECT COUNT(*) FROM conversions
            WHERE visitor_hash = ? AND occurred_at >= ? AND status = 'active'
        """
        return int(await q.fetch_val(query, visitor_hash, since))

    async def month_to_date(
        self, q: Queries, creator_id: int, since: int, conversion: int, occurred: int
    ) -> tuple[int, int]:
        """(net revenue, sales) of a creator's active sales from ``since`` up to, not
        including, ``conversion`` (orders in the same second count in arrival order)."""
        query = """
            SELECT COALESCE(SUM(net_minor - refunded_minor), 0), COUNT(*)
            FROM conversions
            WHERE creator_id = ? AND kind = 'sale' AND status = 'active' AND occurred_at >= ?
              AND (occurred_at < ? OR (occurred_at = ? AND id < ?))
        """
        row = await q.fetch_one(query, creator_id, since, occurred, occurred, conversion)
        assert row is not None
        return int(row[0]), int(row[1])

    async def add_refunded(
        self, tx: Transaction, conversion_id: int, amount: int, cancelled: bool
    ) -> None:
        """Add ``amount`` (negative: a manager lowered a refund) to what was refunded."""
        query = """
            UPDATE conversions
            SET refunded_minor = MAX(0, MIN(net_minor, refunded_minor + ?)),
                status = CASE WHEN ? THEN 'cancelled' ELSE status END
            WHERE id = ?
        """
        await tx.execute(query, amount, int(cancelled), conversion_id)

    # --- commissions and the ledger --------------------------------------------------------

    async def insert_commission(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        creator_id: int,
        conversion_id: int | None,
        deliverable_id: int | None,
        plan_id: int | None,
        kind: str,
        bounty_entry_id: int | None = None,
        currency: str,
        amount_minor: int,
        state: str,
        hold_reason: str | None,
        approve_after: int,
        created_at: int,
        updated_at: int,
    ) -> int:
        query = """
            INSERT INTO commissions (
                guild_id, creator_id, conversion_id, deliverable_id, bounty_entry_id,
                plan_id, kind, currency, amount_minor, state, hold_reason, approve_after,
                created_at, updated_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        new_id = await tx.insert(
            query,
            guild_id,
            creator_id,
            conversion_id,
            deliverable_id,
            bounty_entry_id,
            plan_id,
            kind,
            currency,
            amount_minor,
            state,
            hold_reason,
            approve_after,
            created_at,
            updated_at,
        )
        assert new_id is not None
        return new_id

    async def commission_for_conversion(
        self, q: Queries, conversion_id: int
    ) -> CommissionRow | None:
        row = await q.fetch_one("SELECT * FROM commissions WHERE conversion_id = ?", conversion_id)
        return None if row is None else _commission(row)

    async def commission(self, q: Queries, commission_id: int) -> CommissionRow | None:
        row = await q.fetch_one("SELECT * FROM commissions WHERE id = ?", commission_id)
        return None if row is None else _commission(row)

    async def move_state(
        self,
        tx: Transaction,
        commission_id: int,
        source: CommissionState,
        target: CommissionState,
        now: int,
    ) -> bool:
        """Move a commission from ``source`` to ``target``; False if it was not in ``source``.
        Leaving the on-hold state clears its reason."""
        query = """
            UPDATE commissions
            SET state = ?, updated_at = ?,
                hold_reason = CASE WHEN ? = 'on_hold' THEN hold_reason ELSE NULL END
            WHERE id = ? AND state = ?
        """
        values = (target.value, now, target.value, commission_id, source.value)
        return await tx.execute(query, *values) == 1

    async def add_reversed(
        self, tx: Transaction, commission_id: int, amount: int, now: int
    ) -> None:
        query = """
            UPDATE commissions
            SET reversed_minor = reversed_minor + ?,
                state = CASE WHEN reversed_minor + ? >= amount_minor AND state <> 'paid'
                             THEN 'reversed' ELSE state END,
                updated_at = ?
            WHERE id = ?
        """
        await tx.execute(query, amount, amount, now, commission_id)

    async def restore_reversed(
        self, tx: Transaction, commission_id: int, amount: int, state: CommissionState, now: int
    ) -> None:
        """Give back ``amount`` of reversed commission (a refund was lowered); the commission
        is in ``state`` afterwards."""
        query = """
            UPDATE commissions SET reversed_minor = reversed_minor - ?, state = ?, updated_at = ?
            WHERE id = ?
        """
        await tx.execute(query, amount, state.value, now, commission_id)

    async def recent_commissions(self, q: Queries, creator_id: int, limit: int) -> list[EarnedRow]:
        """A creator's newest commissions, with the conversion each was earned on."""
        query = """
            SELECT m.*, v.order_id, v.net_minor, v.refunded_minor AS order_refunded,
                   v.currency AS order_currency, v.derivation
            FROM commissions AS m LEFT JOIN conversions AS v ON v.id = m.conversion_id
            WHERE m.creator_id = ?
            ORDER BY m.created_at DESC, m.id DESC LIMIT ?
        """
        return [
            EarnedRow(
                commission=_commission(r),
                kind=r["kind"],
                order_id=r["order_id"],
                net_minor=r["net_minor"],
                refunded_minor=r["order_refunded"] or 0,
                order_currency=r["order_currency"],
                derivation=Derivation.from_json(r["derivation"]),
                created_at=r["created_at"],
            )
            for r in await q.fetch_all(query, creator_id, limit)
        ]

    async def maturing(self, q: Queries, now: int, limit: int) -> list[CommissionRow]:
        query = """
            SELECT * FROM commissions WHERE state = 'pending' AND approve_after <= ?
            ORDER BY approve_after LIMIT ?
        """
        return [_commission(r) for r in await q.fetch_all(query, now, limit)]

    async def balances(self, q: Queries, creator_id: int) -> list[BucketTotal]:
        """The creator's balance per bucket, from the ledger."""
        query = """
            SELECT bucket, SUM(amount_minor) AS total FROM ledger_entries
            WHERE creator_id = ? GROUP BY bucket
        """
        return [
            BucketTotal(r["bucket"], int(r["total"])) for r in await q.fetch_all(query, creator_id)
        ]

    async def clawed_back(self, q: Queries, creator_id: int) -> int:
        query = """
            SELECT COALESCE(-SUM(amount_minor), 0) FROM ledger_entries
            WHERE creator_id = ? AND kind = 'clawback' AND bucket = 'approved'
        """
        return int(await q.fetch_val(query, creator_id))

    async def next_maturity(self, q: Queries, creator_id: int) -> int | None:
        query = """
            SELECT MIN(approve_after) FROM commissions WHERE creator_id = ? AND state = 'pending'
        """
        return await q.fetch_val(query, creator_id)

    # --- stats ------------------------------------------------------------------------------

    async def creator_period(
        self, q: Queries, creator_id: int, since: int, until: int
    ) -> CreatorPeriod:
        """Orders, leads and net revenue of a creator in ``[since, until)``."""
        query = """
            SELECT
                COALESCE(SUM(kind = 'sale'), 0) AS orders,
                COALESCE(SUM(kind = 'lead'), 0) AS leads,
                COALESCE(SUM(CASE WHEN kind = 'sale' THEN net_minor - refunded_minor END), 0)
                    AS revenue
            FROM conversions
            WHERE creator_id = ? AND status = 'active' AND occurred_at >= ? AND occurred_at < ?
        """
        row = await q.fetch_one(query, creator_id, since, until)
        assert row is not None
        return CreatorPeriod(int(row["orders"]), int(row["leads"]), int(row["revenue"]))

    async def recurring_commission(
        self, q: Queries, creator_id: int, since: int, until: int
    ) -> int:
        """What a creator earned in a period on returning customers, net of reversals."""
        query = """
            SELECT COALESCE(SUM(m.amount_minor - m.reversed_minor), 0)
            FROM commissions m JOIN conversions v ON v.id = m.conversion_id
            WHERE m.creator_id = ? AND v.attribution = 'recurring'
              AND m.created_at >= ? AND m.created_at < ?
        """
        return int(await q.fetch_val(query, creator_id, since, until))

    async def commissions_by_state(
        self, q: Queries, creator_id: int, since: int, until: int
    ) -> list[StateTotal]:
        """What a creator earned in a period per commission state, net of reversals, and the
        reversed parts."""
        query = """
            SELECT state, SUM(amount_minor - reversed_minor) AS total,
                   SUM(reversed_minor) AS reversed_total
            FROM commissions
            WHERE creator_id = ? AND created_at >= ? AND created_at < ?
            GROUP BY state
        """
        return [
            StateTotal(CommissionState(r["state"]), int(r["total"]), int(r["reversed_total"]))
            for r in await q.fetch_all(query, creator_id, since, until)
        ]

    async def first_sales_to_announce(
        self, q: Queries, before: int, key_prefix: str
    ) -> list[FirstSaleRow]:
        """Active creators with sales whose first-sale message (keyed ``key_prefix`` + the
        creator's id) was never sent, where the first sale is older than ``before`` (so a
        burst of orders becomes one message)."""
        query = """
            SELECT c.id AS creator_id, c.guild_id, c.user_id, c.locale,
                   COUNT(v.id) AS orders, MIN(v.created_at) AS first_at,
                   (SELECT COALESCE(SUM(m.amount_minor - m.reversed_minor), 0)
                    FROM commissions m WHERE m.creator_id = c.id) AS earned
            FROM creators c
            JOIN conversions v ON v.creator_id = c.id AND v.kind = 'sale' AND v.status = 'active'
            WHERE c.status = 'active' AND c.user_id IS NOT NULL
              AND NOT EXISTS (
                  SELECT 1 FROM notifications n WHERE n.dedupe_key = ? || c.id
              )
            GROUP BY c.id
            HAVING first_at <= ?
            LIMIT 200
        """
        return [
            FirstSaleRow(
                creator_id=r["creator_id"],
                guild_id=r["guild_id"],
                user_id=r["user_id"],
                locale=r["locale"],
                orders=r["orders"],
                earned=r["earned"],
            )
            for r in await q.fetch_all(query, key_prefix, before)
        ]

    # --- plans ------------------------------------------------------------------------------

    async def plan(self, q: Queries, plan_id: int) -> Plan | None:
        row = await q.fetch_one("SELECT * FROM plans WHERE id = ?", plan_id)
        return None if row is None else _plan(row)

    async def plans(self, q: Queries, guild_id: int) -> list[Plan]:
        query = """
            SELECT * FROM plans WHERE guild_id = ? AND archived = 0
            ORDER BY is_default DESC, name
        """
        return [_plan(r) for r in await q.fetch_all(query, guild_id)]

    async def plan_by_name(self, q: Queries, guild_id: int, name: str) -> Plan | None:
        query = "SELECT * FROM plans WHERE guild_id = ? AND name = ? COLLATE NOCASE"
        row = await q.fetch_one(query, guild_id, name.strip())
        return None if row is None else _plan(row)

    async def insert_plan(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        name: str,
        kind: str,
        rate_bp: int | None,
        amount_minor: int | None,
        tier_basis: str | None,
        levels: str | None,
        now: int,
        recurring: RecurringTerms = FIRST_ORDER_ONLY,
    ) -> int | None:
        """Store a plan; ``None`` if the server has one of that name."""
        query = """
            INSERT INTO plans (guild_id, name, kind, rate_bp, amount_minor, tier_basis, levels,
                               recurring, recurring_months, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, name) DO NOTHING
        """
        return await tx.insert(
            query,
            guild_id,
            name,
            kind,
            rate_bp,
            amount_minor,
            tier_basis,
            levels,
            recurring.kind.value,
            recurring.months,
            now,
        )

    async def set_creator_plan(self, tx: Transaction, creator_id: int, plan_id: int | None) -> None:
        await tx.execute("UPDATE creators SET plan_id = ? WHERE id = ?", plan_id, creator_id)

    async def campaign_plan_of_link(self, q: Queries, link_id: int) -> int | None:
        query = """
            SELECT c.plan_id FROM links l JOIN campaigns c ON c.id = l.campaign_id
            WHERE l.id = ?
        """
        return await q.fetch_val(query, link_id)
