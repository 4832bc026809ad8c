-- Revision: 0001
-- Revises: none
-- Creation Date: 2026-11-22
-- Reason: foundation: per-server settings, the audit log, and the notification outbox.
--
-- Conventions for every migration:
--   * ids of Discord objects (guilds, users, channels, roles, messages) are INTEGER snowflakes;
--   * every *_at column is INTEGER seconds since the epoch, UTC;
--   * money is INTEGER minor units next to a TEXT ISO 4217 currency; rates are basis points;
--   * idempotency lives in UNIQUE keys, never in "check then insert".

-- One row per Discord server that has run /setup; a server without a row uses the defaults
-- written here (the service mirrors them in bot/domain/settings.py).
CREATE TABLE guild_settings (
    guild_id                 INTEGER PRIMARY KEY,
    review_channel_id        INTEGER,
    announcements_channel_id INTEGER,
    creator_role_id          INTEGER,
    manager_role_id          INTEGER,
    shop_url                 TEXT,
    allowed_domains          TEXT    NOT NULL DEFAULT '',
    commission_rate_bp       INTEGER NOT NULL DEFAULT 1000 CHECK (commission_rate_bp BETWEEN 0 AND 10000),
    timezone                 TEXT    NOT NULL DEFAULT 'UTC',
    currency                 TEXT    NOT NULL DEFAULT 'EUR',
    summary_cron             TEXT    NOT NULL DEFAULT '0 9 * * mon',
    hold_days                INTEGER NOT NULL DEFAULT 30 CHECK (hold_days >= 0),
    payout_threshold_minor   INTEGER NOT NULL DEFAULT 5000 CHECK (payout_threshold_minor >= 0),
    reminder_offsets         TEXT    NOT NULL DEFAULT '7d,2d,1d,2h',
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL
);

-- Every manager action and every change of a money state: who, when, what.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    actor_id   INTEGER,            -- NULL: the program itself (the schedule, a webhook)
    action     TEXT    NOT NULL,   -- e.g. 'settings.update', 'application.approve'
    subject    TEXT,               -- e.g. 'application:12', 'commission:7'
    detail     TEXT,               -- JSON; never personal data such as e-mail or payout details
    created_at INTEGER NOT NULL
);
CREATE INDEX audit_log_guild_time ON audit_log (guild_id, created_at);

-- The outbox of direct messages and channel posts that must go out at most once
-- (welcomes, reminders, weekly DMs, payout notices). The dedupe_key is the idempotency key,
-- e.g. 'reminder:42:2h' or 'summary:1:2026-W47:creator:9'.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER,
    kind        TEXT    NOT NULL,
    dedupe_key  TEXT    NOT NULL UNIQUE,
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'undeliverable', 'failed')),
    error       TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE INDEX notifications_undeliverable ON notifications (guild_id, status) WHERE status <> 'sent';
