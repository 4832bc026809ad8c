-- Revision: 0014
-- Revises: 0013
-- Creation Date: 2026-12-04
-- Reason: real shop payloads showed refunds applied in a foreign currency, estimated refunds
-- nobody could see or correct, and figures nobody could explain. Each conversion and refund
-- now keeps how its amount was derived; a refund is applied, estimated or held for a manager.

-- How net revenue was derived from the payload: JSON written by bot.domain.derivation
-- (terms, the fields read, a note). Amounts and field names only: no personal data.
ALTER TABLE conversions ADD COLUMN derivation TEXT;

-- applied: taken as the shop sent it. estimated: the shop gave no line detail, the amount is
-- a proportional estimate (a manager may correct it). held: not applied (amount 0) because
-- the shop gave it only in another currency than the sale's; `sent_minor` and `sent_currency`
-- keep what it sent, for the manager. corrected: a manager set the amount.
ALTER TABLE conversion_adjustments ADD COLUMN state TEXT NOT NULL DEFAULT 'applied'
    CHECK (state IN ('applied', 'estimated', 'held', 'corrected'));
ALTER TABLE conversion_adjustments ADD COLUMN derivation TEXT;
ALTER TABLE conversion_adjustments ADD COLUMN sent_minor INTEGER;
ALTER TABLE conversion_adjustments ADD COLUMN sent_currency TEXT;
ALTER TABLE conversion_adjustments ADD COLUMN actor_id INTEGER;
CREATE INDEX conversion_adjustments_open ON conversion_adjustments (conversion_id)
    WHERE state IN ('estimated', 'held');

-- A refund that overtakes its sale keeps its currency and derivation until the sale arrives.
ALTER TABLE early_adjustments ADD COLUMN currency TEXT;
ALTER TABLE early_adjustments ADD COLUMN derivation TEXT;
ALTER TABLE early_adjustments ADD COLUMN gross_minor INTEGER;  -- the charge it was refunded from
