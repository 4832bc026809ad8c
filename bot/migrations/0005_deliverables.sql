-- Revision: 0005
-- Revises: 0004
-- Creation Date: 2026-11-22
-- Reason: contracts, deliverables and their reminders.

-- An agreement with a creator: dates, a fee per deliverable or in total, an optional
-- commission plan override for the contract's duration, and gifted products (a cost).
CREATE TABLE contracts (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    creator_id      INTEGER NOT NULL REFERENCES creators (id),
    title           TEXT    NOT NULL,
    starts_at       INTEGER NOT NULL,
    ends_at         INTEGER NOT NULL,
    fee_minor       INTEGER NOT NULL DEFAULT 0 CHECK (fee_minor >= 0),      -- per deliverable
    total_fee_minor INTEGER NOT NULL DEFAULT 0 CHECK (total_fee_minor >= 0),
    currency        TEXT    NOT NULL,
    plan_id         INTEGER REFERENCES plans (id),
    status          TEXT    NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'ended', 'cancelled')),
    created_by      INTEGER,
    created_at      INTEGER NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX contracts_creator ON contracts (creator_id, status);

-- Products sent to a creator: recorded as a cost of the program, never paid out.
CREATE TABLE gifts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    creator_id  INTEGER NOT NULL REFERENCES creators (id),
    contract_id INTEGER REFERENCES contracts (id),
    description TEXT    NOT NULL,
    cost_minor  INTEGER NOT NULL CHECK (cost_minor >= 0),
    currency    TEXT    NOT NULL,
    created_by  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX gifts_guild_time ON gifts (guild_id, created_at);

-- A post the creator owes: planned → submitted → approved | rejected (→ planned again);
-- cancelled. due_version grows with every change of the due time, so reminders planned for
-- an old due time never block (or duplicate) the new plan.
CREATE TABLE deliverables (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    creator_id        INTEGER NOT NULL REFERENCES creators (id),
    contract_id       INTEGER REFERENCES contracts (id),
    platform          TEXT    NOT NULL,
    kind              TEXT    NOT NULL
                      CHECK (kind IN ('post', 'reel', 'story', 'video', 'carousel', 'live', 'other')),
    due_at            INTEGER NOT NULL,
    due_version       INTEGER NOT NULL DEFAULT 1,
    due_set_at        INTEGER NOT NULL,   -- when the due time was last set (reminder planning)
    fee_minor         INTEGER NOT NULL DEFAULT 0 CHECK (fee_minor >= 0),
    currency          TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'planned'
                      CHECK (status IN ('planned', 'submitted', 'approved', 'rejected',
                                        'cancelled')),
    submission_url    TEXT,
    submitted_at      INTEGER,
    review_channel_id INTEGER,
    review_message_id INTEGER,
    decided_by        INTEGER,
    decided_at        INTEGER,
    rejection_reason  TEXT,
    reach             INTEGER CHECK (reach >= 0),
    likes             INTEGER CHECK (likes >= 0),
    comments          INTEGER CHECK (comments >= 0),
    shares            INTEGER CHECK (shares >= 0),
    metrics_at        INTEGER,
    created_by        INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX deliverables_open ON deliverables (status, due_at);
CREATE INDEX deliverables_creator ON deliverables (creator_id, status, due_at);
CREATE INDEX deliverables_guild_due ON deliverables (guild_id, due_at);

-- Each reminder of a deliverable goes out at most once: claimed here before it is sent.
-- kind: 'before:7d', 'before:2h', …, 'overdue:1', 'overdue:2', 'overdue:3', 'escalation'.
CREATE TABLE reminders (
    id             INTEGER PRIMARY KEY,
    deliverable_id INTEGER NOT NULL REFERENCES deliverables (id),
    due_version    INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'claimed'
                   CHECK (status IN ('claimed', 'sent', 'undeliverable', 'skipped', 'failed')),
    claimed_at     INTEGER NOT NULL,
    sent_at        INTEGER,
    UNIQUE (deliverable_id, due_version, kind)
);
CREATE INDEX reminders_status ON reminders (status);

-- Reusable contract shapes ("3 TikToks in 30 days").
CREATE TABLE contract_templates (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    platform     TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    count        INTEGER NOT NULL CHECK (count BETWEEN 1 AND 50),
    days         INTEGER NOT NULL CHECK (days BETWEEN 1 AND 366),
    fee_minor    INTEGER NOT NULL DEFAULT 0 CHECK (fee_minor >= 0),
    created_at   INTEGER NOT NULL,
    UNIQUE (guild_id, name)
);
