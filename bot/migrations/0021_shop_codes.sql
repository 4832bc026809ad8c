-- Revision: 0021
-- Revises: 0020
-- Creation Date: 2026-12-04
-- Reason: creator codes created in the connected shops (Shopify, WooCommerce, Stripe). Each
-- code of creatorbot has one row per shop: the shop's own id once created, whether it should
-- be and is active there, and the retry state while the shop cannot answer.

-- state: pending (not yet in the shop) | synced (the shop holds it as `active` says) |
-- conflict (the shop has this code and it is not ours; the creator moves to a variant) |
-- failed (the shop could not answer; retried at next_attempt_at).
-- attempts: create calls made; more than one without a shop_id means a call may have
-- created the code before a crash, so a "taken" answer then is ours and adopted.
CREATE TABLE shop_codes (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    discount_code_id INTEGER NOT NULL REFERENCES discount_codes (id),
    shop             TEXT    NOT NULL CHECK (shop IN ('shopify', 'woocommerce', 'stripe')),
    code             TEXT    NOT NULL,
    shop_id          TEXT,
    state            TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'synced', 'conflict', 'failed')),
    active           INTEGER NOT NULL DEFAULT 0,
    want_active      INTEGER NOT NULL DEFAULT 1,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (discount_code_id, shop)
);
CREATE INDEX shop_codes_due ON shop_codes (next_attempt_at) WHERE state IN ('pending', 'failed');
