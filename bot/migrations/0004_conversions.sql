-- Revision: 0004
-- Revises: 0003
-- Creation Date: 2026-11-22
-- Reason: conversions, commissions and the money ledger.

ALTER TABLE guild_settings ADD COLUMN attribution_window_days INTEGER NOT NULL DEFAULT 30
    CHECK (attribution_window_days BETWEEN 1 AND 365);
-- When an order carries a click id and a code of different creators: 1 = the code wins.
ALTER TABLE guild_settings ADD COLUMN code_beats_click INTEGER NOT NULL DEFAULT 1;

-- One row per order (or lead) and source: the idempotency key of every ingest path.
-- Unattributed and test orders are kept for audit. No customer e-mail is stored.
CREATE TABLE conversions (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER,            -- NULL while unattributed
    source             TEXT    NOT NULL,   -- shopify, woocommerce, stripe, postback, csv, manual
    order_id           TEXT    NOT NULL,
    kind               TEXT    NOT NULL CHECK (kind IN ('sale', 'lead')),
    status             TEXT    NOT NULL CHECK (status IN ('active', 'test', 'cancelled')),
    currency           TEXT,
    net_minor          INTEGER NOT NULL DEFAULT 0 CHECK (net_minor >= 0),
    refunded_minor     INTEGER NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    gross_minor        INTEGER,   -- what the customer paid, when a refund may arrive on it
    creator_id         INTEGER REFERENCES creators (id),
    link_id            INTEGER REFERENCES links (id),
    click_id           TEXT,
    code               TEXT,
    attribution        TEXT    NOT NULL CHECK (attribution IN ('click', 'code', 'manual', 'none')),
    attribution_reason TEXT    NOT NULL,
    visitor_hash       TEXT,
    flags              TEXT    NOT NULL DEFAULT '',  -- e.g. 'currency', 'duplicate_order'
    delivery_id        TEXT,
    occurred_at        INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    UNIQUE (source, order_id)
);
CREATE INDEX conversions_creator_time ON conversions (creator_id, occurred_at);
CREATE INDEX conversions_guild_time ON conversions (guild_id, occurred_at);
CREATE INDEX conversions_order ON conversions (order_id);

-- Refunds and cancellations of a conversion, each once (refund_key from the sender).
CREATE TABLE conversion_adjustments (
    id            INTEGER PRIMARY KEY,
    conversion_id INTEGER NOT NULL REFERENCES conversions (id),
    refund_key    TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('refund', 'cancel')),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor >= 0),
    created_at    INTEGER NOT NULL,
    UNIQUE (conversion_id, refund_key)
);

-- What a creator earns for one conversion or deliverable. `state` mirrors the ledger for
-- fast filtering; the ledger below is the source of every balance.
CREATE TABLE commissions (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    creator_id      INTEGER NOT NULL REFERENCES creators (id),
    conversion_id   INTEGER REFERENCES conversions (id),
    deliverable_id  INTEGER,
    plan_id         INTEGER REFERENCES plans (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('sale', 'lead', 'fee', 'manual')),
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
CREATE UNIQUE INDEX commissions_one_per_conversion ON commissions (conversion_id)
    WHERE conversion_id IS NOT NULL;
CREATE UNIQUE INDEX commissions_one_per_deliverable ON commissions (deliverable_id)
    WHERE deliverable_id IS NOT NULL;
CREATE INDEX commissions_maturing ON commissions (state, approve_after);
CREATE INDEX commissions_creator ON commissions (creator_id, state);

-- Every money movement, append-only and signed. A creator's balance in a state is the sum of
-- `amount_minor` over that bucket: accrual (+pending), maturation (-pending +approved), hold,
-- release, reversal (-state +reversed), clawback after payout (-approved: carried into the
-- next payout), payout (-approved +paid).
CREATE TABLE ledger_entries (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    creator_id    INTEGER NOT NULL REFERENCES creators (id),
    commission_id INTEGER REFERENCES commissions (id),
    bucket        TEXT    NOT NULL
                  CHECK (bucket IN ('pending', 'on_hold', 'approved', 'paid', 'reversed')),
    kind          TEXT    NOT NULL,   -- accrual, mature, hold, release, reverse, clawback, payout
    amount_minor  INTEGER NOT NULL,
    currency      TEXT    NOT NULL,
    actor_id      INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX ledger_creator_bucket ON ledger_entries (creator_id, bucket);
CREATE INDEX ledger_commission ON ledger_entries (commission_id);
