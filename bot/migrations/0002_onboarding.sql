-- Revision: 0002
-- Revises: 0001
-- Creation Date: 2026-11-22
-- Reason: creators and how they earn: applications, creators, commission plans, campaigns,
--         tracking links and discount codes.

ALTER TABLE guild_settings ADD COLUMN discount_percent INTEGER NOT NULL DEFAULT 15
    CHECK (discount_percent BETWEEN 1 AND 90);
ALTER TABLE guild_settings ADD COLUMN reapply_cooldown_days INTEGER NOT NULL DEFAULT 30
    CHECK (reapply_cooldown_days >= 0);
ALTER TABLE guild_settings ADD COLUMN tier_thresholds TEXT NOT NULL DEFAULT '10000,100000,1000000';

-- Commission plans. The server's default plan is a revenue share that follows the
-- commission_rate setting (rate_bp NULL); other kinds are filled in by the plan commands.
CREATE TABLE plans (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL
                 CHECK (kind IN ('revenue_share', 'cpa', 'cpl', 'tiered', 'fixed_fee', 'gifted')),
    rate_bp      INTEGER CHECK (rate_bp BETWEEN 0 AND 10000),
    amount_minor INTEGER CHECK (amount_minor >= 0),
    tier_basis   TEXT    CHECK (tier_basis IN ('revenue', 'sales')),
    levels       TEXT,   -- JSON [[threshold, rate_bp], ...] for tiered plans
    is_default   INTEGER NOT NULL DEFAULT 0,
    archived     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    UNIQUE (guild_id, name)
);
CREATE UNIQUE INDEX plans_one_default ON plans (guild_id) WHERE is_default = 1;

-- What a member filed with /apply. At most one open application per member and server.
CREATE TABLE applications (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    user_id            INTEGER,        -- NULL once the member erased their data
    platform           TEXT    NOT NULL,
    handle             TEXT,           -- NULL once erased
    followers          INTEGER NOT NULL CHECK (followers >= 0),
    niche              TEXT    NOT NULL,
    engagement_rate_bp INTEGER CHECK (engagement_rate_bp >= 0),
    profile_url        TEXT,
    email              TEXT,
    locale             TEXT    NOT NULL DEFAULT 'en',
    tier               TEXT    NOT NULL,
    flags              TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL
                       CHECK (status IN ('open', 'info_requested', 'approved', 'rejected')),
    info_question      TEXT,
    review_channel_id  INTEGER,
    review_message_id  INTEGER,
    decided_by         INTEGER,
    decided_at         INTEGER,
    decision_reason    TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX applications_one_open ON applications (guild_id, user_id)
    WHERE status IN ('open', 'info_requested');
CREATE INDEX applications_member ON applications (guild_id, user_id, status, decided_at);

-- An approved member. The row outlives pause/remove (money records point at it) and
-- keeps only anonymous fields after a privacy erase.
CREATE TABLE creators (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER,          -- NULL once erased
    application_id  INTEGER REFERENCES applications (id),
    handle          TEXT,             -- NULL once erased
    source_slug     TEXT    NOT NULL, -- utm_source value, derived from the handle
    platform        TEXT    NOT NULL,
    followers       INTEGER NOT NULL,
    tier            TEXT    NOT NULL,
    niche           TEXT,
    email           TEXT,
    locale          TEXT    NOT NULL DEFAULT 'en',
    status          TEXT    NOT NULL CHECK (status IN ('active', 'paused', 'removed')),
    plan_id         INTEGER REFERENCES plans (id),   -- NULL: the server's default plan
    public_earnings INTEGER NOT NULL DEFAULT 0,
    welcome_pending INTEGER NOT NULL DEFAULT 0,      -- DMs closed: welcome on next command
    approved_by     INTEGER,
    approved_at     INTEGER NOT NULL,
    status_at       INTEGER NOT NULL,
    erased_at       INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX creators_member ON creators (guild_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX creators_status ON creators (guild_id, status);

-- Destinations a creator can link to. The default campaign points at the shop_url setting.
CREATE TABLE campaigns (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    slug            TEXT    NOT NULL,   -- utm_campaign value
    destination_url TEXT    NOT NULL,
    plan_id         INTEGER REFERENCES plans (id),
    is_default      INTEGER NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (guild_id, slug)
);
CREATE UNIQUE INDEX campaigns_one_default ON campaigns (guild_id) WHERE is_default = 1;

-- A creator's personal tracking link for one campaign: {PUBLIC_URL}/r/{slug}.
CREATE TABLE links (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    creator_id  INTEGER NOT NULL REFERENCES creators (id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    slug        TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    UNIQUE (creator_id, campaign_id)
);

-- A creator's personal discount code; unique case-insensitively across the whole store,
-- because the shop's webhooks name a code without naming a server.
CREATE TABLE discount_codes (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    creator_id       INTEGER NOT NULL REFERENCES creators (id),
    code             TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    discount_percent INTEGER NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL
);
CREATE INDEX discount_codes_creator ON discount_codes (creator_id);
