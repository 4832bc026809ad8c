"""SQL for contracts, gifts, deliverables, reminders and contract templates."""

from __future__ import annotations

import sqlite3

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.deliverables import Contract, Deliverable, Kind, Status

_SELECT = """
    SELECT d.*, c.user_id AS creator_user_id, c.handle AS creator_handle,
           c.locale AS creator_locale, c.tier AS creator_tier
    FROM deliverables d JOIN creators c ON c.id = d.creator_id
"""


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
    async def insert(self, tx: Transaction, **values: object) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        new_id = await tx.insert(
            f"INSERT INTO deliverables ({columns}) VALUES ({marks})", *values.values()
        )
        assert new_id is not None
        return new_id

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

    async def update(
        self, tx: Transaction, deliverable_id: int, expected: tuple[str, ...], **values: object
    ) -> bool:
        """Change columns if the deliverable is in one of the ``expected`` states."""
        sets = ", ".join(f"{column} = ?" for column in values)
        marks = ", ".join("?" * len(expected))
        query = f"UPDATE deliverables SET {sets} WHERE id = ? AND status IN ({marks})"
        return await tx.execute(query, *values.values(), deliverable_id, *expected) == 1

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

    async def undeliverable_counts(self, q: Queries, guild_id: int) -> dict[int, int]:
        """Per deliverable, how many reminders could not be delivered (closed DMs)."""
        query = """
            SELECT r.deliverable_id, COUNT(*) AS n FROM reminders r
            JOIN deliverables d ON d.id = r.deliverable_id
            WHERE d.guild_id = ? AND r.status = 'undeliverable'
            GROUP BY r.deliverable_id
        """
        return {r["deliverable_id"]: r["n"] for r in await q.fetch_all(query, guild_id)}

    # --- contracts, gifts, templates -----------------------------------------------------

    async def insert_contract(self, tx: Transaction, **values: object) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        new_id = await tx.insert(
            f"INSERT INTO contracts ({columns}) VALUES ({marks})", *values.values()
        )
        assert new_id is not None
        return new_id

    async def contract(self, q: Queries, contract_id: int) -> Contract | None:
        row = await q.fetch_one("SELECT * FROM contracts WHERE id = ?", contract_id)
        return None if row is None else _contract(row)

    async def contracts(self, q: Queries, guild_id: int, creator_id: int | None) -> list[Contract]:
        query = """
            SELECT * FROM contracts WHERE guild_id = ? AND (? IS NULL OR creator_id = ?)
            ORDER BY starts_at DESC LIMIT 25
        """
        return [_contract(r) for r in await q.fetch_all(query, guild_id, creator_id, creator_id)]

    async def insert_gift(self, tx: Transaction, **values: object) -> None:
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        await tx.execute(f"INSERT INTO gifts ({columns}) VALUES ({marks})", *values.values())

    async def insert_template(self, tx: Transaction, **values: object) -> int | None:
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        query = f"""
            INSERT INTO contract_templates ({columns}) VALUES ({marks})
            ON CONFLICT (guild_id, name) DO NOTHING
        """
        return await tx.insert(query, *values.values())

    async def template(self, q: Queries, guild_id: int, name: str) -> sqlite3.Row | None:
        query = "SELECT * FROM contract_templates WHERE guild_id = ? AND name = ? COLLATE NOCASE"
        return await q.fetch_one(query, guild_id, name.strip())

    async def template_names(self, q: Queries, guild_id: int) -> list[str]:
        query = "SELECT name FROM contract_templates WHERE guild_id = ? ORDER BY name"
        return [r["name"] for r in await q.fetch_all(query, guild_id)]
