-- Revision: 0018
-- Revises: 0017
-- Creation Date: 2026-12-04
-- Reason: auto-review rules. Each server may let rules approve or reject an application at
-- /apply time (all off by default); the application remembers the rule that decided it and
-- the thresholds that applied, for its card and for a manager's re-open within a day.

-- NULL / '' / 0 mean "rule not set". Platforms: comma-separated Platform values.
ALTER TABLE guild_settings ADD COLUMN auto_approve_min_followers INTEGER
    CHECK (auto_approve_min_followers >= 0);
ALTER TABLE guild_settings ADD COLUMN auto_approve_max_followers INTEGER
    CHECK (auto_approve_max_followers >= 0);
ALTER TABLE guild_settings ADD COLUMN auto_approve_min_ratio REAL
    CHECK (auto_approve_min_ratio > 0);
ALTER TABLE guild_settings ADD COLUMN auto_approve_platforms TEXT NOT NULL DEFAULT '';
ALTER TABLE guild_settings ADD COLUMN auto_reject_below_followers INTEGER
    CHECK (auto_reject_below_followers >= 0);
ALTER TABLE guild_settings ADD COLUMN auto_reject_implausible INTEGER NOT NULL DEFAULT 0;

-- A rule-decided application has decided_by NULL (no person) and the rule here; the rules
-- as they were at that moment (JSON) are what its card names, even after /setup changes.
ALTER TABLE applications ADD COLUMN decided_by_rule TEXT
    CHECK (decided_by_rule IN ('auto_approve', 'auto_reject_followers', 'auto_reject_implausible'));
ALTER TABLE applications ADD COLUMN decided_rules TEXT
    CHECK (decided_rules IS NULL OR json_valid(decided_rules));
