-- Revision: 0027
-- Revises: 0026
-- Creation Date: 2026-12-05
-- Reason: with Shopify connected, each accepted gift becomes a draft order there (100 % off,
-- tagged as a creator gift); the draft's id is kept so it is never made twice.

ALTER TABLE gift_claims ADD COLUMN shop_draft_id TEXT;
