"""The SQLite store: one writer connection behind a lock, one reader connection.

SQLite allows one writer at a time. All writes go through :meth:`Database.transaction`, which
takes an asyncio lock and opens ``BEGIN IMMEDIATE`` so a transaction never interleaves with
another coroutine's statements on the same connection and never fails half-way for a lock it
could have taken up front. Reads use a second connection, which in WAL mode sees the last
committed state without waiting for the writer.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000


class Queries(Protocol):
    """What a repository needs: the reader (:class:`Database`) or a write :class:`Transaction`."""

    async def fetch_one(self, query: str, *args: Any) -> sqlite3.Row | None: ...
    async def fetch_all(self, query: str, *args: Any) -> list[sqlite3.Row]: ...
    async def fetch_val(self, query: str, *args: Any) -> Any: ...


class _Runner:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    # One trip to the database thread per read (execute, fetch and close happen there);
    # ``async with execute() as cursor`` costs three, which halves ingest throughput.
    # fetch_one is only used for queries of at most one row (keys, aggregates).
    async def fetch_one(self, query: str, *args: Any) -> sqlite3.Row | None:
        rows = await self._conn.execute_fetchall(query, args)
        return next(iter(rows), None)

    async def fetch_all(self, query: str, *args: Any) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(query, args))

    async def fetch_val(self, query: str, *args: Any) -> Any:
        row = await self.fetch_one(query, *args)
        return None if row is None else row[0]


class Transaction(_Runner):
    """An open write transaction; also answers reads, which see its own uncommitted writes."""

    # Like the reads, a write is one trip to the database thread: the cursor is left to the
    # garbage collector instead of being closed there (a second trip for nothing).

    async def execute(self, query: str, *args: Any) -> int:
        """Run one statement; return the affected row count (``rowcount``)."""
        cursor = await self._conn.execute(query, args)
        return cursor.rowcount

    async def insert(self, query: str, *args: Any) -> int | None:
        """Run one INSERT; return the new rowid, or ``None`` if nothing was inserted."""
        cursor = await self._conn.execute(query, args)
        return cursor.lastrowid if cursor.rowcount > 0 else None

    async def execute_many(self, query: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(query, rows)


async def _open(path: str) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")
    return conn


class Database(_Runner):
    """The application's handle on its SQLite file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def connect(self) -> Database:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await _open(self.path)
        mode = await (await self._writer.execute("PRAGMA journal_mode = WAL")).fetchone()
        if mode and mode[0] != "wal" and self.path != ":memory:":
            log.warning("SQLite refused WAL mode (journal_mode=%s); continuing", mode[0])
        # An in-memory database exists once per connection, so there the reader is the writer.
        self._reader = self._writer if self.path == ":memory:" else await _open(self.path)
        super().__init__(self._reader)
        return self

    async def close(self) -> None:
        """Close both connections; safe to call twice."""
        for conn in {id(c): c for c in (self._reader, self._writer) if c is not None}.values():
            await conn.close()
        self._reader = self._writer = None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("Database.connect() was not awaited")
        return self._writer

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back if the block raises."""
        async with self._write_lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(conn)
            except BaseException:
                await conn.rollback()
                raise
            else:
                await conn.commit()

    async def execute(self, query: str, *args: Any) -> int:
        """Run one write statement in its own transaction."""
        async with self.transaction() as tx:
            return await tx.execute(query, *args)

    async def backup(self, target: str, progress: Any = None) -> None:
        """Copy the live database to ``target`` with SQLite's online backup API.

        ``progress(remaining, total)`` is called from the database thread as pages are copied.
        """
        destination = sqlite3.connect(target)
        try:

            def _progress(_status: int, remaining: int, total: int) -> None:
                if progress is not None:
                    progress(remaining, total)

            await self.writer.backup(destination, pages=256, progress=_progress)
        finally:
            destination.close()
