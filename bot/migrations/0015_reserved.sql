-- Revision: 0015
-- Revises: 0014
-- Creation Date: 2026-12-10
-- Reason: number reserved for another branch of issue 16 (0016 is the levels). This file
-- only keeps the sequence without a gap; the merge replaces it with that branch's 0015.
SELECT 1;
