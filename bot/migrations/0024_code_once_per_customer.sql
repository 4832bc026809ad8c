-- Revision: 0024
-- Revises: 0023
-- Creation Date: 2026-12-05
-- Reason: /setup code_once_per_customer: creators' codes made in the shops may be limited to
-- one use per customer (Shopify appliesOncePerCustomer, WooCommerce usage_limit_per_user,
-- Stripe first-time customers only).

ALTER TABLE guild_settings ADD COLUMN code_once_per_customer INTEGER NOT NULL DEFAULT 0;
