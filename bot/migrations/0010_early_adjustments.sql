-- Revision: 0010
-- Revises: 0009
-- Creation Date: 2026-11-22
-- Reason: shops do not deliver webhooks in order; a refund or cancellation that arrives
-- before its sale was acknowledged and then lost, so the creator kept the whole commission.

-- A refund or cancellation whose sale has not arrived yet. Applied (and deleted) in the
-- transaction that records the sale; kept at most 30 days. Holds no personal data: the
-- sender's order id and refund id, and the amount.
CREATE TABLE early_adjustments (
    id            INTEGER PRIMARY KEY,
    source        TEXT    NOT NULL,
    order_id      TEXT    NOT NULL,
    refund_key    TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('refund', 'cancel')),
    refund_minor  INTEGER NOT NULL CHECK (refund_minor >= 0),
    gross_basis   INTEGER NOT NULL DEFAULT 0 CHECK (gross_basis IN (0, 1)),
    received_at   INTEGER NOT NULL,
    UNIQUE (source, order_id, refund_key)
);
