"""Bulk deliverable requests: the draft a manager confirms, and the job it starts."""

from __future__ import annotations

import sqlite3

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.bulk_deliverables import BulkRequest, BulkState
from bot.domain.deliverables import Kind


def _request(row: sqlite3.Row) -> BulkRequest:
    return BulkRequest(
        id=row["id"],
        guild_id=row["guild_id"],
        segment=row["segment"],
        platform=row["platform"],
        kind=Kind(row["kind"]),
        count=row["count"],
        due_at=from_epoch(row["due_at"]),  # type: ignore[arg-type]
        fee_minor=row["fee_minor"],
        currency=row["currency"],
        recipients=row["recipients"],
        state=BulkState(row["state"]),
        job_id=row["job_id"],
        created_by=row["created_by"],
        created_at=from_epoch(row["created_at"]),  # type: ignore[arg-type]
    )


class BulkDeliverableRepository:
    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        segment: str,
        platform: str,
        kind: Kind,
        count: int,
        due_at: int,
        fee_minor: int,
        currency: str,
        recipients: int,
        created_by: int,
        now: int,
    ) -> int:
        query = """
            INSERT INTO bulk_deliverables (guild_id, segment, platform, kind, count, due_at,
                                           fee_minor, currency, recipients, created_by,
                                           created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        new_id = await tx.insert(
            query,
            guild_id,
            segment,
            platform,
            kind.value,
            count,
            due_at,
            fee_minor,
            currency,
            recipients,
            created_by,
            now,
        )
        assert new_id is not None
        return new_id

    async def get(self, q: Queries, request_id: int) -> BulkRequest | None:
        row = await q.fetch_one("SELECT * FROM bulk_deliverables WHERE id = ?", request_id)
        return None if row is None else _request(row)

    async def by_job(self, q: Queries, job_id: int) -> BulkRequest | None:
        row = await q.fetch_one("SELECT * FROM bulk_deliverables WHERE job_id = ?", job_id)
        return None if row is None else _request(row)

    async def start(
        self, tx: Transaction, request_id: int, *, job_id: int, recipients: int
    ) -> bool:
        """Draft → started with its job; False if it was not a draft any more."""
        query = """
            UPDATE bulk_deliverables SET state = 'started', job_id = ?, recipients = ?
            WHERE id = ? AND state = 'draft'
        """
        return await tx.execute(query, job_id, recipients, request_id) == 1

    async def cancel(self, tx: Transaction, request_id: int) -> bool:
        """Draft → cancelled; False if it was not a draft any more."""
        query = "UPDATE bulk_deliverables SET state = 'cancelled' WHERE id = ? AND state = 'draft'"
        return await tx.execute(query, request_id) == 1
