"""SQL for contracts, gifts, deliverables, reminders and contract templates."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.deliverables import Contract, Deliverable, Kind, Status

_SELECT = """
    SELECT d.*, c.user_id AS creator_user_id, c.handle AS creator_handle,
           c.locale AS creator_locale, c.tier AS creator_tier
    FROM deliverables d JOIN creators c ON c.id = d.creator_id
"""


# Reported numbers of a post: a value not given keeps the one stored.
_METRICS = """
    reach = coalesce(?, reach), likes = coalesce(?, likes), comments = coalesce(?, comments),
    shares = coalesce(?, shares), metrics_at = coalesce(?, metrics_at)
"""


@dataclass(frozen=True)
class PostNumbers:
    """The numbers a creator reports for a post; ``None`` where not given."""

    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    measured_at: int | None = None  # set when any number is given

    def args(self) -> tuple[int | None, ...]:
        return (self.reach, self.likes, self.comments, self.shares, self.measured_at)


@dataclass(frozen=True)
class ContractTemplate:
    """A named shape of contract: how many posts of which kind over how many days."""

    id: int
    guild_id: int
    name: str
    platform: str
    kind: str
    count: int
    days: int
    fee_minor: int
    created_at: int


@dataclass(frozen=True)
class UndeliveredReminders:
    """How many reminders of one deliverable could not be delivered (closed DMs)."""

    deliverable_id: int
    count: int


def _deliverable(row: sqlite3.Row) -> Deliverable:
    return Deliverable(
        id=row["id"],
        guild_id=row["guild_id"],
        creator_id=row["creator_id"],
        contract_id=row["contract_id"],
        platform=row["platform"],
        kind=Kind(row["kind"]),
        due_at=from_epoch(row["due_at"]),  # type: ignore[arg-type]
        due_version=row["due_version"],
        due_set_at=from_epoch(row["due_set_at"]),  # type: ignore[arg-type]
        fee_minor=row["fee_minor"],
        currency=row["currency"],
        status=Status(row["status"]),
        submission_url=row["submission_url"],
        submitted_at=from_epoch(row["submitted_at"]),
        review_channel_id=row["review_channel_id"],
        review_message_id=row["review_message_id"],
        decided_by=row["decided_by"],
        decided_at=from_epoch(row["decided_at"]),
        rejection_reason=row["rejection_reason"],
        reach=row["reach"],
        likes=row["likes"],
        comments=row["comments"],
        shares=row["shares"],
        updated_at=from_epoch(row["updated_at"]),  # type: ignore[arg-type]
        creator_user_id=row["creator_user_id"],
        creator_handle=row["creator_handle"],
        creator_locale=row["creator_locale"],
        creator_tier=row["creator_tier"],
    )


def _contract(row: sqlite3.Row) -> Contract:
    return Contract(
        id=row["id"],
        guild_id=row["guild_id"],
        creator_id=row["creator_id"],
        title=row["title"],
        starts_at=from_epoch(row["starts_at"]),  # type: ignore[arg-type]
        ends_at=from_epoch(row["ends_at"]),  # type: ignore[arg-type]
        fee_minor=row["fee_minor"],
        total_fee_minor=row["total_fee_minor"],
        currency=row["currency"],
        plan_id=row["plan_id"],
        status=row["status"],
    )


class DeliverableRepository:
    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        creator_id: int,
        contract_id: int | None,
        platform: str,
        kind: str,
        due_at: int,
        fee_minor: int,
        currency: str,
        created_by: int,
        now: int,
        bulk_id: int | None = None,
        bulk_slot: int | None = None,
    ) -> int:
        """Plan a deliverable; its due time is set ``now``. A bulk request's deliverable
        carries the request and its slot (unique per request and creator)."""
        query = """
            INSERT INTO deliverables (guild_id, creator_id, contract_id, platform, kind, due_at,
                                      due_set_at, fee_minor, currency, created_by, created_at,
                                      updated_at, bulk_id, bulk_slot)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        new_id = await tx.insert(
            query,
            guild_id,
            creator_id,
            contract_id,
            platform,
            kind,
            due_at,
            now,
            fee_minor,
            currency,
            created_by,
            now,
            now,
            bulk_id,
            bulk_slot,
        )
        assert new_id is not None
        return new_id

    async def of_bulk(self, q: Queries, bulk_id: int, creator_id: int) -> list[Deliverable]:
        """The deliverables a bulk request made for one creator, by slot."""
        query = _SELECT + " WHERE d.bulk_id = ? AND d.creator_id = ? ORDER BY d.bulk_slot"
        return [_deliverable(r) for r in await q.fetch_all(query, bulk_id, creator_id)]

    async def get(self, q: Queries, deliverable_id: int) -> Deliverable | None:
        row = await q.fetch_one(_SELECT + " WHERE d.id = ?", deliverable_id)
        return None if row is None else _deliverable(row)

    async def of_creator(self, q: Queries, creator_id: int, since: int) -> list[Deliverable]:
        """Open deliverables, and decided ones changed since ``since``, by due time."""
        query = (
            _SELECT
            + """
            WHERE d.creator_id = ?
              AND (d.status IN ('planned', 'rejected', 'submitted') OR d.updated_at >= ?)
            ORDER BY d.due_at LIMIT 50
        """
        )
        return [_deliverable(r) for r in await q.fetch_all(query, creator_id, since)]

    async def of_guild(
        self, q: Queries, guild_id: int, creator_id: int | None, limit: int = 50
    ) -> list[Deliverable]:
        """Not yet approved or cancelled deliverables of a server (or one creator)."""
        query = (
            _SELECT
            + """
            WHERE d.guild_id = ? AND (? IS NULL OR d.creator_id = ?)
              AND d.status IN ('planned', 'rejected', 'submitted')
            ORDER BY d.due_at LIMIT ?
        """
        )
        return [
            _deliverable(r)
            for r in await q.fetch_all(query, guild_id, creator_id, creator_id, limit)
        ]

    async def open_for_reminders(self, q: Queries, until: int) -> list[Deliverable]:
        """Open deliverables of active creators due before ``until`` (the sweep's horizon)."""
        query = (
            _SELECT
            + """
            WHERE d.status IN ('planned', 'rejected') AND d.due_at <= ? AND c.status = 'active'
            ORDER BY d.due_at
        """
        )
        return [_deliverable(r) for r in await q.fetch_all(query, until)]

    # Each transition changes the row only from the states it allows; False otherwise.

    async def set_fee(self, tx: Transaction, deliverable_id: int, fee_minor: int, now: int) -> bool:
        query = """
            UPDATE deliverables SET fee_minor = ?, updated_at = ?
            WHERE id = ? AND status IN ('planned', 'rejected', 'submitted')
        """
        return await tx.execute(query, fee_minor, now, deliverable_id) == 1

    async def cancel(self, tx: Transaction, deliverable_id: int, now: int) -> bool:
        query = """
            UPDATE deliverables SET status = 'cancelled', updated_at = ?
            WHERE id = ? AND status IN ('planned', 'rejected', 'submitted')
        """
        return await tx.execute(query, now, deliverable_id) == 1

    async def submit(
        self, tx: Transaction, deliverable_id: int, url: str, numbers: PostNumbers, now: int
    ) -> bool:
        query = f"""
            UPDATE deliverables
            SET status = 'submitted', submission_url = ?, submitted_at = ?, updated_at = ?,
                {_METRICS}
            WHERE id = ? AND status IN ('planned', 'rejected', 'submitted')
        """
        return await tx.execute(query, url, now, now, *numbers.args(), deliverable_id) == 1

    async def update_numbers(
        self, tx: Transaction, deliverable_id: int, numbers: PostNumbers, now: int
    ) -> bool:
        """New numbers for a post already handed in (submitted or approved)."""
        query = f"""
            UPDATE deliverables SET updated_at = ?, {_METRICS}
            WHERE id = ? AND status IN ('submitted', 'approved')
        """
        return await tx.execute(query, now, *numbers.args(), deliverable_id) == 1

    async def approve(self, tx: Transaction, deliverable_id: int, actor_id: int, now: int) -> bool:
        query = """
            UPDATE deliverables
            SET status = 'approved', decided_by = ?, decided_at = ?, updated_at = ?
            WHERE id = ? AND status = 'submitted'
        """
        return await tx.execute(query, actor_id, now, now, deliverable_id) == 1

    async def reject(
        self, tx: Transaction, deliverable_id: int, reason: str | None, actor_id: int, now: int
    ) -> bool:
        query = """
            UPDATE deliverables
            SET status = 'rejected', rejection_reason = ?, decided_by = ?, decided_at = ?,
                updated_at = ?
            WHERE id = ? AND status = 'submitted'
        """
        return await tx.execute(query, reason, actor_id, now, now, deliverable_id) == 1

    async def set_card(
        self, tx: Transaction, deliverable_id: int, channel_id: int, message_id: int
    ) -> None:
        """Remember where the review card is."""
        query = """
            UPDATE deliverables SET review_channel_id = ?, review_message_id = ? WHERE id = ?
        """
        await tx.execute(query, channel_id, message_id, deliverable_id)

    async def bump_due(self, tx: Transaction, deliverable_id: int, due_at: int, now: int) -> bool:
        query = """
            UPDATE deliverables
            SET due_at = ?, due_version = due_version + 1, due_set_at = ?, updated_at = ?
            WHERE id = ? AND status IN ('planned', 'rejected', 'submitted')
        """
        return await tx.execute(query, due_at, now, now, deliverable_id) == 1

    # --- reminders ----------------------------------------------------------------------

    async def reminder_kinds(self, q: Queries, deliverable_id: int, version: int) -> set[str]:
        query = "SELECT kind FROM reminders WHERE deliverable_id = ? AND due_version = ?"
        return {r["kind"] for r in await q.fetch_all(query, deliverable_id, version)}

    async def claim_reminder(
        self, tx: Transaction, deliverable_id: int, version: int, kind: str, status: str, now: int
    ) -> bool:
        """Reserve one reminder; False if it was claimed before (never send it twice)."""
        query = """
            INSERT INTO reminders (deliverable_id, due_version, kind, status, claimed_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (deliverable_id, due_version, kind) DO NOTHING
        """
        return await tx.execute(query, deliverable_id, version, kind, status, now) == 1

    async def finish_reminder(
        self, tx: Transaction, deliverable_id: int, version: int, kind: str, status: str, now: int
    ) -> None:
        query = """
            UPDATE reminders SET status = ?, sent_at = ?
            WHERE deliverable_id = ? AND due_version = ? AND kind = ?
        """
        await tx.execute(query, status, now, deliverable_id, version, kind)

    async def undeliverable_counts(self, q: Queries, guild_id: int) -> list[UndeliveredReminders]:
        """Per deliverable, how many reminders could not be delivered (closed DMs)."""
        query = """
            SELECT r.deliverable_id, COUNT(*) AS n FROM reminders r
            JOIN deliverables d ON d.id = r.deliverable_id
            WHERE d.guild_id = ? AND r.status = 'undeliverable'
            GROUP BY r.deliverable_id
        """
        return [
            UndeliveredReminders(r["deliverable_id"], r["n"])
            for r in await q.fetch_all(query, guild_id)
        ]

    # --- contracts, gifts, templates -----------------------------------------------------

    async def insert_contract(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        creator_id: int,
        title: str,
        starts_at: int,
        ends_at: int,
        fee_minor: int,
        total_fee_minor: int,
        currency: str,
        plan_id: int | None,
        created_by: int,
        now: int,
        bulk_id: int | None = None,
    ) -> int:
        """A contract; one made by a bulk request carries it (one per request and creator)."""
        query = """
            INSERT INTO contracts (guild_id, creator_id, title, starts_at, ends_at, fee_minor,
                                   total_fee_minor, currency, plan_id, created_by, created_at,
                                   bulk_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        new_id = await tx.insert(
            query,
            guild_id,
            creator_id,
            title,
            starts_at,
            ends_at,
            fee_minor,
            total_fee_minor,
            currency,
            plan_id,
            created_by,
            now,
            bulk_id,
        )
        assert new_id is not None
        return new_id

    async def contract_of_bulk(
        self, q: Queries, bulk_id: int, creator_id: int
    ) -> tuple[Contract, list[Deliverable]] | None:
        """The contract a bulk request made for one creator, with its deliverables."""
        query = "SELECT * FROM contracts WHERE bulk_id = ? AND creator_id = ?"
        row = await q.fetch_one(query, bulk_id, creator_id)
        if row is None:
            return None
        items = _SELECT + " WHERE d.contract_id = ? ORDER BY d.due_at"
        return _contract(row), [_deliverable(r) for r in await q.fetch_all(items, row["id"])]

    async def active_contract_titled(
        self, q: Queries, creator_id: int, title: str
    ) -> Contract | None:
        """The creator's active contract with this title (any case), if any."""
        query = """
            SELECT * FROM contracts
            WHERE creator_id = ? AND status = 'active' AND title = ? COLLATE NOCASE
        """
        row = await q.fetch_one(query, creator_id, title)
        return None if row is None else _contract(row)

    async def contract(self, q: Queries, contract_id: int) -> Contract | None:
        row = await q.fetch_one("SELECT * FROM contracts WHERE id = ?", contract_id)
        return None if row is None else _contract(row)

    async def contracts(self, q: Queries, guild_id: int, creator_id: int | None) -> list[Contract]:
        query = """
            SELECT * FROM contracts WHERE guild_id = ? AND (? IS NULL OR creator_id = ?)
            ORDER BY starts_at DESC LIMIT 25
        """
        return [_contract(r) for r in await q.fetch_all(query, guild_id, creator_id, creator_id)]

    async def insert_gift(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        creator_id: int,
        contract_id: int | None,
        description: str,
        cost_minor: int,
        currency: str,
        created_by: int,
        now: int,
    ) -> None:
        query = """
            INSERT INTO gifts (guild_id, creator_id, contract_id, description, cost_minor,
                               currency, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """
        await tx.execute(
            query,
            guild_id,
            creator_id,
            contract_id,
            description,
            cost_minor,
            currency,
            created_by,
            now,
        )

    async def insert_template(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        name: str,
        platform: str,
        kind: str,
        count: int,
        days: int,
        fee_minor: int,
        now: int,
    ) -> int | None:
        """Store a template; ``None`` if the server has one of that name."""
        query = """
            INSERT INTO contract_templates (guild_id, name, platform, kind, count, days,
                                            fee_minor, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (guild_id, name) DO NOTHING
        """
        return await tx.insert(query, guild_id, name, platform, kind, count, days, fee_minor, now)

    async def template(self, q: Queries, guild_id: int, name: str) -> ContractTemplate | None:
        query = """
            SELECT id, guild_id, name, platform, kind, count, days, fee_minor, created_at
            FROM contract_templates WHERE guild_id = ? AND name = ? COLLATE NOCASE
        """
        row = await q.fetch_one(query, guild_id, name.strip())
        return None if row is None else ContractTemplate(**dict(row))

    async def template_names(self, q: Queries, guild_id: int) -> list[str]:
        query = "SELECT name FROM contract_templates WHERE guild_id = ? ORDER BY name"
        return [r["name"] for r in await q.fetch_all(query, guild_id)]
