-- Revision: 0007
-- Revises: 0006
-- Creation Date: 2026-11-22
-- Reason: payout methods, payout batches, and erasing personal data.

-- How a creator wants to be paid. details is JSON with only what the provider needs
-- (PayPal: email; Wise: email or IBAN and account holder name). Erased on request.
CREATE TABLE payout_methods (
    creator_id INTEGER PRIMARY KEY REFERENCES creators (id),
    method     TEXT    NOT NULL CHECK (method IN ('paypal', 'wise')),
    details    TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A frozen payout: who is paid how much. A commission joins at most one batch
-- (commissions.payout_batch_id), and the ledger moves approved → paid in the same
-- transaction that freezes the batch. A batch may hold several currencies (balances earned
-- before a change of the server's currency); its totals per currency come from its items.
CREATE TABLE payout_batches (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'frozen' CHECK (status IN ('frozen', 'paid')),
    item_count  INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER,            -- NULL: frozen from the command line
    created_at  INTEGER NOT NULL,
    paid_by     INTEGER,
    paid_at     INTEGER
);
CREATE INDEX payout_batches_guild ON payout_batches (guild_id, created_at);

-- One creator's payout in one currency. method is the provider at freeze time ('paypal',
-- 'wise'); the recipient details are read from payout_methods when the files are written and
-- are never copied here, so erasing a payout method leaves no copy behind.
CREATE TABLE payout_items (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES payout_batches (id),
    creator_id   INTEGER NOT NULL REFERENCES creators (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT    NOT NULL,
    method       TEXT    NOT NULL CHECK (method IN ('paypal', 'wise')),
    UNIQUE (batch_id, creator_id, currency)
);
CREATE INDEX payout_items_creator ON payout_items (creator_id);

CREATE INDEX commissions_batch ON commissions (payout_batch_id) WHERE payout_batch_id IS NOT NULL;

ALTER TABLE ledger_entries ADD COLUMN payout_batch_id INTEGER REFERENCES payout_batches (id);
CREATE INDEX ledger_batch ON ledger_entries (payout_batch_id) WHERE payout_batch_id IS NOT NULL;
