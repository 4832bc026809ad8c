-- Revision: 0017
-- Revises: 0016
-- Creation Date: 2026-12-04
-- Reason: saved segments (`/segment create|list|show|delete`): a named filter over a
-- server's active creators, resolved when it is used by broadcasts and bulk actions.

-- The filter is JSON of validated criteria (tier, platform, campaign id, level id, niche
-- words, join dates, days without a sale, top N by revenue); it holds no personal data.
CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    criteria    TEXT    NOT NULL CHECK (json_valid(criteria)),
    created_by  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX segments_name ON segments (guild_id, name COLLATE NOCASE);
