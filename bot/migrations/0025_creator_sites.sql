-- Revision: 0025
-- Revises: 0024
-- Creation Date: 2026-12-05
-- Reason: DirectLink. A creator registers their own sites and profile pages (`/sites add`,
-- and the profile URL of an approved application); a manager approves each one; an order
-- whose referring site is an approved site is the creator's when it has no click and no code.

-- url: as the creator gave it; host + path: what it matches (path '' for the whole host).
-- status: pending | approved | rejected | removed. Pending and approved are live claims: one
-- per (guild, host, path), so two creators of a server never claim the same site. Rejected
-- and removed rows are kept for the record (and the audit) until the creator is erased.
CREATE TABLE creator_sites (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    creator_id        INTEGER NOT NULL REFERENCES creators (id),
    url               TEXT    NOT NULL,
    host              TEXT    NOT NULL,
    path              TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'approved', 'rejected', 'removed')),
    decided_by        INTEGER,  -- the manager; NULL when approved with the application
    decided_at        INTEGER,
    review_channel_id INTEGER,
    review_message_id INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX creator_sites_live_claim ON creator_sites (guild_id, host, path)
    WHERE status IN ('pending', 'approved');
CREATE INDEX creator_sites_creator ON creator_sites (creator_id, status);
-- The webhook's lookup: approved sites of one host, in any server.
CREATE INDEX creator_sites_approved_host ON creator_sites (host) WHERE status = 'approved';
