-- Revision: 0016
-- Revises: 0015
-- Creation Date: 2026-12-04
-- Reason: program-wide levels such as Bronze/Silver/Gold, reached by a
-- creator's attributed net revenue or orders, each with a commission rate and optionally a
-- Discord role; the sweep promotes (and, if the server chose so, demotes) creators.

-- A level. Its rate is kept as an archived revenue-share plan (`plan_id`), so commissions
-- earned at a level point at a plan like every other commission. A deleted level keeps its
-- row (commissions and history point at it) and frees its name.
CREATE TABLE levels (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    basis       TEXT    NOT NULL
                CHECK (basis IN ('revenue30', 'orders30', 'revenue_all', 'orders_all')),
    threshold   INTEGER NOT NULL CHECK (threshold >= 0),  -- minor units, or orders
    rate_bp     INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    role_id     INTEGER,
    plan_id     INTEGER REFERENCES plans (id),
    created_by  INTEGER,
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);
CREATE UNIQUE INDEX levels_live_name ON levels (guild_id, name COLLATE NOCASE)
    WHERE deleted_at IS NULL;

-- Per server: whether creators who fall below their level's threshold lose it (1) or keep
-- it (0, the default: a level is earned).
CREATE TABLE level_policies (
    guild_id INTEGER PRIMARY KEY,
    demote   INTEGER NOT NULL DEFAULT 0 CHECK (demote IN (0, 1))
);

-- A creator's current level (NULL: none, after a demotion below every level). `epoch`
-- counts the creator's level changes; the next change must claim epoch + 1.
CREATE TABLE creator_levels (
    creator_id INTEGER PRIMARY KEY REFERENCES creators (id),
    guild_id   INTEGER NOT NULL,
    level_id   INTEGER REFERENCES levels (id),
    epoch      INTEGER NOT NULL CHECK (epoch >= 1),
    since      INTEGER NOT NULL
);

-- Every promotion and demotion, once per creator and epoch. `synced_at` is set when the
-- Discord side (role, DM) was done.
CREATE TABLE level_changes (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    creator_id    INTEGER NOT NULL REFERENCES creators (id),
    epoch         INTEGER NOT NULL,
    from_level_id INTEGER REFERENCES levels (id),
    to_level_id   INTEGER REFERENCES levels (id),
    direction     TEXT    NOT NULL CHECK (direction IN ('up', 'down')),
    created_at    INTEGER NOT NULL,
    synced_at     INTEGER,
    UNIQUE (creator_id, epoch)
);
CREATE INDEX level_changes_unsynced ON level_changes (id) WHERE synced_at IS NULL;
