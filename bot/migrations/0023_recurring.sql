-- Revision: 0023
-- Revises: 0022
-- Creation Date: 2026-12-05
-- Reason: recurring and lifetime commissions. A plan pays on the first order only (as
-- before, the default), on a returning customer's orders for N months, or for the
-- customer's lifetime. The customer is recognised by keyed hashes of the shop's customer id
-- and of the e-mail address; the address itself is never stored.

-- recurring: first | months (recurring_months after the first order) | lifetime.
ALTER TABLE plans ADD COLUMN recurring TEXT NOT NULL DEFAULT 'first'
    CHECK (recurring IN ('first', 'months', 'lifetime'));
ALTER TABLE plans ADD COLUMN recurring_months INTEGER
    CHECK (recurring_months IS NULL OR recurring_months BETWEEN 1 AND 120);

-- The customer of an order, as the keyed hash of its first identifier (the shop's customer
-- id when there is one, else the e-mail): what a creator's customers bought, ever.
ALTER TABLE conversions ADD COLUMN customer_key TEXT;
CREATE INDEX conversions_customer ON conversions (customer_key) WHERE customer_key IS NOT NULL;

-- Which creator brought a customer: one row per keyed hash (a customer has up to a few: the
-- shop's customer id, the subscription, the e-mail), written by the first attributed order.
CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    customer_key  TEXT    NOT NULL,
    creator_id    INTEGER NOT NULL REFERENCES creators (id),
    conversion_id INTEGER NOT NULL REFERENCES conversions (id),
    acquired_at   INTEGER NOT NULL,   -- when that first order was placed
    UNIQUE (guild_id, customer_key)
);
CREATE INDEX customers_key ON customers (customer_key);
CREATE INDEX customers_creator ON customers (creator_id);

-- Secrets the program makes for itself, e.g. the key of the customer hashes when
-- CREATORBOT_CUSTOMER_KEY is not set.
CREATE TABLE program_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
