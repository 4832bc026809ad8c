-- Revision: 0022
-- Revises: 0021
-- Creation Date: 2026-12-05
-- Reason: two more ways an order finds its creator: DirectLink (the order's referring site is
-- a site the creator registered and a manager approved) and recurring (a returning customer
-- the creator brought, on a plan that pays for later orders and renewals). SQLite cannot
-- change a CHECK in place, so the table is rebuilt as SQLite documents it (the migration runs
-- with foreign keys off and checks them before it commits); rows and ids are kept.

CREATE TABLE conversions_rebuilt (
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
    attribution        TEXT    NOT NULL CHECK (
        attribution IN ('click', 'code', 'directlink', 'recurring', 'manual', 'none')
    ),
    attribution_reason TEXT    NOT NULL,
    visitor_hash       TEXT,
    flags              TEXT    NOT NULL DEFAULT '',  -- e.g. 'currency', 'duplicate_order'
    delivery_id        TEXT,
    occurred_at        INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    derivation         TEXT,
    UNIQUE (source, order_id)
);
INSERT INTO conversions_rebuilt (
    id, guild_id, source, order_id, kind, status, currency, net_minor, refunded_minor,
    gross_minor, creator_id, link_id, click_id, code, attribution, attribution_reason,
    visitor_hash, flags, delivery_id, occurred_at, created_at, derivation
)
SELECT
    id, guild_id, source, order_id, kind, status, currency, net_minor, refunded_minor,
    gross_minor, creator_id, link_id, click_id, code, attribution, attribution_reason,
    visitor_hash, flags, delivery_id, occurred_at, created_at, derivation
FROM conversions;
DROP TABLE conversions;
ALTER TABLE conversions_rebuilt RENAME TO conversions;
CREATE INDEX conversions_creator_time ON conversions (creator_id, occurred_at);
CREATE INDEX conversions_guild_time ON conversions (guild_id, occurred_at);
CREATE INDEX conversions_order ON conversions (order_id);
