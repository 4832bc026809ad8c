"""SQL for ``jobs`` and ``job_items``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.jobs import ItemState, Job, JobItem, JobKind, JobState


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        guild_id=row["guild_id"],
        kind=JobKind(row["kind"]),
        state=JobState(row["state"]),
        created_by=row["created_by"],
        created_at=from_epoch(row["created_at"]),  # type: ignore[arg-type]
        finished_at=from_epoch(row["finished_at"]),
        total=row["total"],
        params=json.loads(row["params"]),
        counts=json.loads(row["counts"]),
    )


def _item(row: sqlite3.Row) -> JobItem:
    return JobItem(
        job_id=row["job_id"],
        subject_id=row["subject_id"],
        state=ItemState(row["state"]),
        outcome=row["outcome"],
        attempts=row["attempts"],
    )


class JobRepository:
    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        kind: JobKind,
        created_by: int,
        params: dict[str, Any],
        subject_ids: Sequence[int],
        now: int,
    ) -> int:
        """A running job with one pending item per subject (duplicates collapse)."""
        query = """
            INSERT INTO jobs (guild_id, kind, created_by, created_at, params)
            VALUES (?, ?, ?, ?, ?)
        """
        job_id = await tx.insert(
            query, guild_id, kind.value, created_by, now, json.dumps(params, sort_keys=True)
        )
        assert job_id is not None
        query = """
            INSERT INTO job_items (job_id, subject_id, position) VALUES (?, ?, ?)
            ON CONFLICT (job_id, subject_id) DO NOTHING
        """
        await tx.execute_many(
            query, [(job_id, subject, position) for position, subject in enumerate(subject_ids)]
        )
        query = """
            UPDATE jobs SET total = (SELECT count(*) FROM job_items WHERE job_id = ?) WHERE id = ?
        """
        await tx.execute(query, job_id, job_id)
        return job_id

    async def get(self, q: Queries, job_id: int) -> Job | None:
        row = await q.fetch_one("SELECT * FROM jobs WHERE id = ?", job_id)
        return None if row is None else _job(row)

    async def running(self, q: Queries) -> list[Job]:
        query = "SELECT * FROM jobs WHERE state = 'running' ORDER BY id"
        return [_job(row) for row in await q.fetch_all(query)]

    async def claim_next(self, tx: Transaction, job_id: int, now: int) -> JobItem | None:
        """Claim the next unfinished item: an interrupted (still claimed) one first."""
        query = """
            UPDATE job_items SET state = 'claimed', attempts = attempts + 1, updated_at = ?
            WHERE job_id = ? AND subject_id = (
                SELECT subject_id FROM job_items
                WHERE job_id = ? AND state IN ('pending', 'claimed')
                ORDER BY state = 'claimed' DESC, position
                LIMIT 1
            )
            RETURNING *
        """
        row = await tx.fetch_one(query, now, job_id, job_id)
        return None if row is None else _item(row)

    async def finish_item(
        self,
        tx: Transaction,
        job_id: int,
        subject_id: int,
        state: ItemState,
        outcome: str | None,
        now: int,
    ) -> bool:
        """Record a claimed item's result and count it on the job; False if it was not
        claimed (then nothing is counted twice)."""
        query = """
            UPDATE job_items SET state = ?, outcome = ?, updated_at = ?
            WHERE job_id = ? AND subject_id = ? AND state = 'claimed'
        """
        if await tx.execute(query, state.value, outcome, now, job_id, subject_id) != 1:
            return False
        query = """
            UPDATE jobs SET counts = json_set(
                counts, '$.' || ?1, coalesce(json_extract(counts, '$.' || ?1), 0) + 1
            )
            WHERE id = ?2
        """
        await tx.execute(query, state.value, job_id)
        if outcome:
            await tx.execute(query, outcome, job_id)
        return True

    async def finish(self, tx: Transaction, job_id: int, now: int) -> bool:
        """Mark the job finished when no item is left open; False otherwise."""
        query = """
            UPDATE jobs SET state = 'finished', finished_at = ?,
                            params = json_remove(params, '$.reply')
            WHERE id = ? AND state = 'running' AND NOT EXISTS (
                SELECT 1 FROM job_items
                WHERE job_id = ? AND state IN ('pending', 'claimed')
            )
        """
        return await tx.execute(query, now, job_id, job_id) == 1

    async def set_param(self, tx: Transaction, job_id: int, name: str, value: Any) -> None:
        """Set one key of a job's params (a JSON object)."""
        query = "UPDATE jobs SET params = json_set(params, '$.' || ?, json(?)) WHERE id = ?"
        await tx.execute(query, name, json.dumps(value, sort_keys=True), job_id)

    async def items(self, q: Queries, job_id: int) -> list[JobItem]:
        query = "SELECT * FROM job_items WHERE job_id = ? ORDER BY position"
        return [_item(row) for row in await q.fetch_all(query, job_id)]
