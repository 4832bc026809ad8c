-- Revision: 0020
-- Revises: 0019
-- Creation Date: 2026-12-04
-- Reason: bulk deliverables and contracts for a segment (`/deliverable add segment:`,
-- `/contract create segment:`). The request is stored as a draft so its confirmation button
-- works after a restart; the job that carries it out creates each creator's deliverables or
-- contract under a unique key, so a restart half-way never creates one twice.

-- what: 'deliverables' (count × platform/kind, all due at due_at, each with fee_minor) or
-- 'contract' (terms: the contract as /contract create gave it, as JSON).
-- recipients: how many creators the segment held when asked, then when started.
CREATE TABLE bulk_requests (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    what        TEXT    NOT NULL CHECK (what IN ('deliverables', 'contract')),
    segment     TEXT    NOT NULL,
    platform    TEXT,
    kind        TEXT,
    count       INTEGER CHECK (count BETWEEN 1 AND 10),
    due_at      INTEGER,
    fee_minor   INTEGER NOT NULL DEFAULT 0 CHECK (fee_minor >= 0),
    currency    TEXT    NOT NULL,
    terms       TEXT    CHECK (terms IS NULL OR json_valid(terms)),
    recipients  INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'draft'
                CHECK (state IN ('draft', 'started', 'cancelled')),
    job_id      INTEGER REFERENCES jobs (id),
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    CHECK ((what = 'deliverables' AND platform IS NOT NULL AND kind IS NOT NULL
            AND count IS NOT NULL AND due_at IS NOT NULL AND terms IS NULL)
        OR (what = 'contract' AND terms IS NOT NULL))
);

-- A deliverable made by a bulk request remembers it and its place (1..count) for the creator.
ALTER TABLE deliverables ADD COLUMN bulk_id INTEGER REFERENCES bulk_requests (id);
ALTER TABLE deliverables ADD COLUMN bulk_slot INTEGER;
CREATE UNIQUE INDEX deliverables_bulk_slot ON deliverables (bulk_id, creator_id, bulk_slot)
    WHERE bulk_id IS NOT NULL;

-- A contract made by a bulk request: one per request and creator.
ALTER TABLE contracts ADD COLUMN bulk_id INTEGER REFERENCES bulk_requests (id);
CREATE UNIQUE INDEX contracts_bulk ON contracts (bulk_id, creator_id) WHERE bulk_id IS NOT NULL;
