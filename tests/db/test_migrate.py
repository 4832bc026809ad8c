"""Migrations: applied once, in one transaction, never onto a newer schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.db.connection import Database
from bot.db.migrate import MIGRATIONS_DIR, current_version, load_migrations, migrate
from bot.errors import MigrationError


async def test_fresh_database_reaches_code_version(tmp_path: Path, clock: FrozenClock) -> None:
    """A new file gets every migration and records the version."""
    db = await Database(str(tmp_path / "a.db")).connect()
    try:
        applied = await migrate(db, clock)
        assert applied == [m.name for m in load_migrations()]
        assert await current_version(db) == len(applied)
        assert await migrate(db, clock) == []
    finally:
        await db.close()


async def test_wal_mode_and_busy_timeout(db: Database) -> None:
    """The store runs in WAL mode with a busy timeout."""
    assert await db.fetch_val("PRAGMA journal_mode") == "wal"
    assert await db.fetch_val("PRAGMA busy_timeout") == 5000


async def test_newer_database_is_refused(tmp_path: Path, clock: FrozenClock) -> None:
    """A schema newer than the code stops the program instead of being written to."""
    db = await Database(str(tmp_path / "b.db")).connect()
    try:
        await migrate(db, clock)
        await db.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)"
        )
        with pytest.raises(MigrationError, match="newer than this creatorbot"):
            await migrate(db, clock)
    finally:
        await db.close()


async def test_failing_migration_changes_nothing(tmp_path: Path, clock: FrozenClock) -> None:
    """If one pending file fails, the earlier pending files are rolled back too."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE first (id INTEGER);")
    (folder / "0002_broken.sql").write_text("CREATE TABLE second (id INTEGER); SELEC nonsense;")
    db = await Database(str(tmp_path / "c.db")).connect()
    try:
        with pytest.raises(MigrationError, match="nothing was changed"):
            await migrate(db, clock, folder)
        tables = await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert [t["name"] for t in tables] == []
    finally:
        await db.close()


def test_migration_files_are_numbered_without_gaps() -> None:
    """Every shipped migration has a header naming its revision."""
    for migration in load_migrations(MIGRATIONS_DIR):
        assert f"-- Revision: {migration.version:04d}" in migration.sql
        assert "-- Reason:" in migration.sql


async def test_backup_copies_committed_rows(db: Database, tmp_path: Path) -> None:
    """An online backup is a readable copy of the live database."""
    await db.execute(
        "INSERT INTO audit_log (guild_id, action, created_at) VALUES (1, 'test.backup', 0)"
    )
    seen: list[tuple[int, int]] = []
    await db.backup(
        str(tmp_path / "copy.db"), lambda remaining, total: seen.append((remaining, total))
    )
    copy = await Database(str(tmp_path / "copy.db")).connect()
    try:
        assert await copy.fetch_val("SELECT action FROM audit_log") == "test.backup"
    finally:
        await copy.close()
    assert seen and seen[-1][0] == 0


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    """A failing block leaves no trace."""
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO audit_log (guild_id, action, created_at) VALUES (1, 'x', 0)"
            )
            raise RuntimeError("boom")
    assert await db.fetch_val("SELECT COUNT(*) FROM audit_log") == 0


async def test_migration_breaking_a_foreign_key_changes_nothing(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """Foreign keys are checked before the commit: a file that orphans a row is undone."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_parent.sql").write_text(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));"
        "INSERT INTO parent (id) VALUES (1); INSERT INTO child (id, parent_id) VALUES (1, 1);"
    )
    db = await Database(str(tmp_path / "fk.db")).connect()
    try:
        await migrate(db, clock, folder)
        (folder / "0002_orphan.sql").write_text("DELETE FROM parent;")
        with pytest.raises(MigrationError, match="foreign key"):
            await migrate(db, clock, folder)
        assert await db.fetch_val("SELECT COUNT(*) FROM parent") == 1
        assert await current_version(db) == 1
        assert await db.fetch_val("PRAGMA foreign_keys") == 1
    finally:
        await db.close()


async def test_rebuilt_conversions_keep_rows_and_references(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """0022 rebuilds conversions: its rows, ids and the commissions pointing at them survive,
    and the new attribution methods are accepted."""
    before = tmp_path / "before"
    before.mkdir()
    for migration in load_migrations():
        if migration.version < 22:
            (before / f"{migration.name}.sql").write_text(migration.sql)
    db = await Database(str(tmp_path / "r.db")).connect()
    try:
        await migrate(db, clock, before)
        await db.execute(
            "INSERT INTO conversions (id, source, order_id, kind, status, attribution,"
            " attribution_reason, occurred_at, created_at, derivation)"
            " VALUES (7, 'shopify', '1001', 'sale', 'active', 'none', 'no_click_or_code',"
            " 1, 1, '{}')"
        )
        await db.execute(
            "INSERT INTO conversion_adjustments (conversion_id, refund_key, kind, amount_minor,"
            " created_at) VALUES (7, 'r1', 'refund', 100, 1)"
        )
        await migrate(db, clock)
        row = await db.fetch_one("SELECT order_id, derivation FROM conversions WHERE id = 7")
        assert (row["order_id"], row["derivation"]) == ("1001", "{}")
        assert await db.fetch_val("SELECT COUNT(*) FROM conversion_adjustments") == 1
        assert await db.fetch_all("PRAGMA foreign_key_check") == []
        await db.execute("UPDATE conversions SET attribution = 'directlink' WHERE id = 7")
        await db.execute("UPDATE conversions SET attribution = 'recurring' WHERE id = 7")
        with pytest.raises(Exception, match="CHECK"):
            await db.execute("UPDATE conversions SET attribution = 'guess' WHERE id = 7")
        with pytest.raises(Exception, match="FOREIGN KEY"):
            await db.execute(
                "INSERT INTO conversion_adjustments (conversion_id, refund_key, kind,"
                " amount_minor, created_at) VALUES (99, 'r2', 'refund', 1, 1)"
            )
    finally:
        await db.close()
