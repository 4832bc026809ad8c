-- Revision: 0029
-- Revises: 0028
-- Creation Date: 2026-12-05
-- Reason: a gift offer can require a phone number for the courier (`/gift create
-- phone_required:true`). The number is part of the address JSON of an accepted gift, so it
-- is erased with the address; offers made before ask for none.

ALTER TABLE gift_offers ADD COLUMN phone_required INTEGER NOT NULL DEFAULT 0
    CHECK (phone_required IN (0, 1));
