-- Revision: 0011
-- Revises: 0010
-- Creation Date: 2026-11-22
-- Reason: a batch frozen by mistake (a payout method to fix, the wrong threshold) could not be
-- undone; `/payouts cancel` now hands its commissions back to the approved balance.

-- A cancelled batch keeps status 'frozen' and gets cancelled_at: the CHECK of 0007 cannot
-- change without rebuilding a table that payout_items, commissions and the ledger reference.
-- The code reads a batch with cancelled_at as 'cancelled'; it is never paid or reminded of.
ALTER TABLE payout_batches ADD COLUMN cancelled_by INTEGER;
ALTER TABLE payout_batches ADD COLUMN cancelled_at INTEGER;
