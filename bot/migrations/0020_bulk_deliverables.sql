-- Revision: 0020
-- Revises: 0019
-- Creation Date: 2026-12-04
-- Reason: bulk deliverables (`/deliverable add segment:`). The request is stored as a draft
-- so its confirmation button works after a restart; the job that carries it out creates each
-- creator's deliverables under a unique key, so a restart half-way never creates one twice.

-- What every creator of the segment gets: count deliverables of one platform and kind, all
-- due at due_at, each with the same fee. recipients: how many the segment held when asked.
CREATE TABLE bulk_deliverables (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    segment     TEXT    NOT NULL,
    platform    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    count       INTEGER NOT NULL CHECK (count BETWEEN 1 AND 10),
    due_at      INTEGER NOT NULL,
    fee_minor   INTEGER NOT NULL DEFAULT 0 CHECK (fee_minor >= 0),
    currency    TEXT    NOT NULL,
    recipients  INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'draft'
                CHECK (state IN ('draft', 'started', 'cancelled')),
    job_id      INTEGER REFERENCES jobs (id),
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

-- A deliverable made by a bulk request remembers it and its place (1..count) for the creator.
ALTER TABLE deliverables ADD COLUMN bulk_id INTEGER REFERENCES bulk_deliverables (id);
ALTER TABLE deliverables ADD COLUMN bulk_slot INTEGER;
CREATE UNIQUE INDEX deliverables_bulk_slot ON deliverables (bulk_id, creator_id, bulk_slot)
    WHERE bulk_id IS NOT NULL;
