-- Revision: 0028
-- Revises: 0027
-- Creation Date: 2026-12-05
-- Reason: bounties (`/bounty create|list|close|submit`): open challenges with a reward for
-- a capped number of winners. A submission bounty's entries are reviewed with buttons; a
-- performance bounty's winners are decided by the sweep from the ledger. A reward is a
-- commission of kind 'bounty', so it is held and paid like the rest. SQLite cannot change a
-- CHECK in place, so `commissions` is rebuilt (the migration runs with foreign keys off and
-- checks them before it commits); rows and ids are kept.

-- One bounty. reward: a fixed amount (reward_minor) or a bonus of reward_bp basis points on
-- the winner's attributed net sales between starts_at and ends_at. A performance bounty
-- has a goal: goal_orders orders or goal_minor net revenue in that period. winners counts
-- the winners taken; `UPDATE … SET winners = winners + 1 WHERE winners < max_winners` is the
-- cap, and the CHECK its last guard. job_id: the job sending the announcement DMs.
-- settled_at: the period is over and every percentage reward has been computed.
CREATE TABLE bounties (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    title         TEXT    NOT NULL,
    brief         TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('submission', 'performance')),
    reward_minor  INTEGER NOT NULL DEFAULT 0 CHECK (reward_minor >= 0),
    reward_bp     INTEGER NOT NULL DEFAULT 0 CHECK (reward_bp BETWEEN 0 AND 10000),
    currency      TEXT    NOT NULL,
    goal_orders   INTEGER CHECK (goal_orders IS NULL OR goal_orders > 0),
    goal_minor    INTEGER CHECK (goal_minor IS NULL OR goal_minor > 0),
    segment       TEXT    NOT NULL,
    max_winners   INTEGER NOT NULL CHECK (max_winners > 0),
    winners       INTEGER NOT NULL DEFAULT 0 CHECK (winners >= 0 AND winners <= max_winners),
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    channel_id    INTEGER,
    job_id        INTEGER UNIQUE REFERENCES jobs (id),
    created_by    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    closed_at     INTEGER,
    settled_at    INTEGER,
    CHECK ((reward_minor > 0) <> (reward_bp > 0)),
    CHECK (kind = 'submission' OR goal_orders IS NOT NULL OR goal_minor IS NOT NULL),
    CHECK (ends_at > starts_at)
);
CREATE INDEX bounties_guild ON bounties (guild_id, id DESC);
CREATE INDEX bounties_unsettled ON bounties (ends_at) WHERE settled_at IS NULL;

-- One creator's entry: a submitted post (submission bounties) or a goal reached
-- (performance bounties, written by the sweep already won). One per creator and bounty; a
-- rejected submission can be handed in again. place: the winner's number (1 = first).
-- reward_minor: what the win paid (set with its commission, or 0 for a bonus on no sales).
-- told_at: the winner was told (DM and channel) — the sweep tells the rest once.
CREATE TABLE bounty_entries (
    id                INTEGER PRIMARY KEY,
    bounty_id         INTEGER NOT NULL REFERENCES bounties (id),
    creator_id        INTEGER NOT NULL REFERENCES creators (id),
    status            TEXT    NOT NULL CHECK (status IN ('pending', 'won', 'rejected')),
    url               TEXT,
    place             INTEGER,
    reached_at        INTEGER,
    reward_minor      INTEGER,
    submitted_at      INTEGER NOT NULL,
    decided_at        INTEGER,
    decided_by        INTEGER,
    review_channel_id INTEGER,
    review_message_id INTEGER,
    told_at           INTEGER,
    UNIQUE (bounty_id, creator_id),
    UNIQUE (bounty_id, place),
    CHECK ((status = 'won') = (place IS NOT NULL))
);
CREATE INDEX bounty_entries_creator ON bounty_entries (creator_id);
CREATE INDEX bounty_entries_untold ON bounty_entries (bounty_id) WHERE status = 'won' AND told_at IS NULL;

CREATE TABLE commissions_rebuilt (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    creator_id      INTEGER NOT NULL REFERENCES creators (id),
    conversion_id   INTEGER REFERENCES conversions (id),
    deliverable_id  INTEGER,
    bounty_entry_id INTEGER REFERENCES bounty_entries (id),
    plan_id         INTEGER REFERENCES plans (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('sale', 'lead', 'fee', 'manual', 'bounty')),
    currency        TEXT    NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
    reversed_minor  INTEGER NOT NULL DEFAULT 0 CHECK (reversed_minor >= 0),
    state           TEXT    NOT NULL
                    CHECK (state IN ('pending', 'on_hold', 'approved', 'paid', 'reversed')),
    hold_reason     TEXT,
    approve_after   INTEGER NOT NULL,
    payout_batch_id INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (reversed_minor <= amount_minor)
);
INSERT INTO commissions_rebuilt (
    id, guild_id, creator_id, conversion_id, deliverable_id, plan_id, kind, currency,
    amount_minor, reversed_minor, state, hold_reason, approve_after, payout_batch_id,
    created_at, updated_at
)
SELECT
    id, guild_id, creator_id, conversion_id, deliverable_id, plan_id, kind, currency,
    amount_minor, reversed_minor, state, hold_reason, approve_after, payout_batch_id,
    created_at, updated_at
FROM commissions;
DROP TABLE commissions;
ALTER TABLE commissions_rebuilt RENAME TO commissions;
CREATE UNIQUE INDEX commissions_one_per_conversion ON commissions (conversion_id)
    WHERE conversion_id IS NOT NULL;
CREATE UNIQUE INDEX commissions_one_per_deliverable ON commissions (deliverable_id)
    WHERE deliverable_id IS NOT NULL;
CREATE UNIQUE INDEX commissions_one_per_bounty_entry ON commissions (bounty_entry_id)
    WHERE bounty_entry_id IS NOT NULL;
CREATE INDEX commissions_maturing ON commissions (state, approve_after);
CREATE INDEX commissions_creator ON commissions (creator_id, state);
CREATE INDEX commissions_guild_time ON commissions (guild_id, created_at);
CREATE INDEX commissions_batch ON commissions (payout_batch_id) WHERE payout_batch_id IS NOT NULL;
