-- Revision: 0003
-- Revises: 0002
-- Creation Date: 2026-11-22
-- Reason: the click tracker: counted clicks on tracking links and the daily visitor salts.

-- One row per counted click (HEAD, bots, previews and ?notrack=1 are never stored).
-- visitor_hash is a keyed hash of IP and user agent under that day's salt; the raw IP is
-- never stored. is_unique marks the first click of a visitor on a link in a one-hour window.
-- guild_id, creator_id and campaign_id are copied from the link so weekly stats over millions
-- of clicks read one index range without a join. No FOREIGN KEY clauses on purpose: this is
-- an append-only log written in batches, the ids come from rows just read, and an FK check
-- costs three lookups per click and would fail a whole batch over one link deleted meanwhile.
CREATE TABLE clicks (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    link_id       INTEGER NOT NULL,   -- links.id
    creator_id    INTEGER NOT NULL,   -- creators.id
    campaign_id   INTEGER NOT NULL,   -- campaigns.id
    click_id      TEXT    NOT NULL UNIQUE,   -- the cb_click value handed to the shop
    visitor_hash  TEXT    NOT NULL,
    is_unique     INTEGER NOT NULL CHECK (is_unique IN (0, 1)),
    referrer_host TEXT,
    country       TEXT,                      -- ISO 3166-1 alpha-2 from a proxy header, or NULL
    clicked_at    INTEGER NOT NULL
);
-- Stats read ranges of these covering indexes. There is deliberately no (link_id, ...) index:
-- every index on a column spread over many values costs a random page write per click, and
-- a creator has only a few links, so per-link counts read the creator's range (link_id is in
-- it). click_id starts with the click's second, so its unique index grows at the end.
CREATE INDEX clicks_creator_time ON clicks (creator_id, clicked_at, is_unique, link_id);
CREATE INDEX clicks_guild_time ON clicks (guild_id, clicked_at, is_unique);

-- The salt of each UTC day for visitor hashes. Kept in the database so a restart keeps
-- de-duplicating; days before the current one are deleted, which makes their hashes
-- impossible to link back to a visitor.
CREATE TABLE visitor_salts (
    day  TEXT PRIMARY KEY,   -- 'YYYY-MM-DD', UTC
    salt BLOB NOT NULL
);
