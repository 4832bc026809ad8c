"""Forward-only schema migrations from numbered SQL files.

A migration is ``migrations/NNNN_reason.sql`` with a header::

    -- Revision: 0002
    -- Revises: 0001
    -- Creation Date: 2026-11-22
    -- Reason: creator onboarding

All pending files are applied in ONE transaction together with their rows in
``schema_migrations``: either the database reaches the code's version or it is left as it was.
A database whose version is newer than the newest file is refused, so an old binary never
writes into a schema it does not understand.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from bot.clock import Clock, to_epoch
from bot.db.connection import Database
from bot.errors import MigrationError

log = logging.getLogger(__name__)

# Package data: installed with the wheel, found wherever the package is.
MIGRATIONS_DIR = Path(str(files("bot") / "migrations"))
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migration files, in order; gaps or duplicate numbers are an error."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name not understood: {path.name}")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text("utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {expected:04d} is missing (found {migration.name})")
    return found


async def current_version(db: Database) -> int:
    exists = await db.fetch_val(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    )
    if not exists:
        return 0
    return int(await db.fetch_val("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


async def migrate(db: Database, clock: Clock, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration; return the names applied (empty when up to date)."""
    migrations = load_migrations(directory)
    code_version = migrations[-1].version if migrations else 0
    version = await current_version(db)
    if version > code_version:
        raise MigrationError(
            f"the database is at schema version {version}, newer than this creatorbot "
            f"(version {code_version}); upgrade creatorbot or restore a matching backup"
        )
    pending = [m for m in migrations if m.version > version]
    if not pending:
        return []
    now = to_epoch(clock.now())
    parts = [
        "BEGIN IMMEDIATE;",
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);",
    ]
    for m in pending:
        parts.append(m.sql)
        parts.append(
            f"INSERT INTO schema_migrations (version, name, applied_at) "
            f"VALUES ({m.version}, '{m.name}', {now});"
        )
    conn = db.writer
    # Foreign keys are off while the files run, as SQLite's procedure for rebuilding a table
    # asks (a rebuilt table is dropped and its copy renamed); they are checked before the
    # commit, and a migration that breaks one changes nothing.
    await conn.execute("PRAGMA foreign_keys = OFF")
    try:
        # executescript runs the files as written; the explicit BEGIN makes them one unit.
        await conn.executescript("\n".join(parts))
        broken = await (await conn.execute("PRAGMA foreign_key_check")).fetchall()
        if broken:
            table, _rowid, parent, _fk = broken[0]
            raise MigrationError(
                f"{len(broken)} rows would break a foreign key (first: {table} → {parent})"
            )
        await conn.commit()
    except Exception as exc:
        if conn.in_transaction:
            await conn.rollback()
        raise MigrationError(f"migration failed, nothing was changed: {exc}") from exc
    finally:
        await conn.execute("PRAGMA foreign_keys = ON")
    names = [m.name for m in pending]
    log.info("applied migrations: %s", ", ".join(names))
    return names
