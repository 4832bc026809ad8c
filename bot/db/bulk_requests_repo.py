"""Bulk requests (deliverables or a contract for a segment): the draft a manager
confirms, and the job it starts."""

from __future__ import annotations

import json
import sqlite3

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.bulk_requests import BulkRequest, BulkState, BulkWhat
from bot.domain.deliverables import ContractTerms, Kind


def _request(row: sqlite3.Row) -> BulkRequest:
    return BulkRequest(
        id=row["id"],
        guild_id=row["guild_id"],
        what=BulkWhat(row["what"]),
        segment=row["segment"],
        platform=row["platform"],
        kind=Kind(row["kind"]) if row["kind"] else None,
        count=row["count"],
        due_at=from_epoch(row["due_at"]),
        fee_minor=row["fee_minor"],
        currency=row["currency"],
        terms=ContractTerms.from_json(json.loads(row["terms"])) if row["terms"] else None,
        recipients=row["recipients"],
        state=BulkState(row["state"]),
        job_id=row["job_id"],
        created_by=row["created_by"],
        created_at=from_epoch(row["created_at"]),  # type: ignore[arg-type]
    )


class BulkRequestRepository:
    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        segment: str,
        recipients: int,
        created_by: int,
        now: int,
        currency: str,
        platform: str | None = None,
        kind: Kind | None = None,
        count: int | None = None,
        due_at: int | None = None,
        fee_minor: int = 0,
        terms: ContractTerms | None = None,
    ) -> int:
        """A draft: deliverables (platform, kind, count, due_at) or a contract (terms)."""
        query = """
            INSERT INTO bulk_requests (guild_id, what, segment, platform, kind, count, due_at,
                                       fee_minor, currency, terms, recipients, created_by,
                                       created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        what = BulkWhat.CONTRACT if terms is not None else BulkWhat.DELIVERABLES
        new_id = await tx.insert(
            query,
            guild_id,
            what.value,
            segment,
            platform,
            kind.value if kind else None,
            count,
            due_at,
            fee_minor,
            currency,
            json.dumps(terms.to_json()) if terms is not None else None,
            recipients,
            created_by,
            now,
        )
        assert new_id is not None
        return new_id

    async def get(self, q: Queries, request_id: int) -> BulkRequest | None:
        row = await q.fetch_one("SELECT * FROM bulk_requests WHERE id = ?", request_id)
        return None if row is None else _request(row)

    async def by_job(self, q: Queries, job_id: int) -> BulkRequest | None:
        row = await q.fetch_one("SELECT * FROM bulk_requests WHERE job_id = ?", job_id)
        return None if row is None else _request(row)

    async def start(
        self, tx: Transaction, request_id: int, *, job_id: int, recipients: int
    ) -> bool:
        """Draft → started with its job; False if it was not a draft any more."""
        query = """
            UPDATE bulk_requests SET state = 'started', job_id = ?, recipients = ?
            WHERE id = ? AND state = 'draft'
        """
        return await tx.execute(query, job_id, recipients, request_id) == 1

    async def cancel(self, tx: Transaction, request_id: int) -> bool:
        """Draft → cancelled; False if it was not a draft any more."""
        query = "UPDATE bulk_requests SET state = 'cancelled' WHERE id = ? AND state = 'draft'"
        return await tx.execute(query, request_id) == 1
