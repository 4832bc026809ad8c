-- Revision: 0006
-- Revises: 0005
-- Creation Date: 2026-11-22
-- Reason: weekly summaries, exactly once per server and week.

-- Claimed before posting: a second process or a restart finds the row and does not post
-- again. week_start is the local Monday ('YYYY-MM-DD') in the server's timezone; a summary a
-- manager posts by hand (/summary post) has the key 'manual:{interaction id}' instead, so it
-- never takes the week's key. The creator DMs of a summary are deduplicated in notifications
-- ('summary:{guild}:{week_start}:{creator}').
--
-- status: claimed (row taken; the channel message is out once message_id is set) → posted
-- (channel message and DMs done); failed (the channel refused the message; DMs still sent);
-- abandoned (found claimed without a message id after a crash: the message may or may not
-- have gone out, and it is not posted again: a summary is sent at most once).
CREATE TABLE weekly_summaries (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    week_start         TEXT    NOT NULL,
    kind               TEXT    NOT NULL DEFAULT 'weekly' CHECK (kind IN ('weekly', 'manual')),
    period_start       INTEGER NOT NULL,
    period_end         INTEGER NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'claimed'
                       CHECK (status IN ('claimed', 'posted', 'failed', 'abandoned')),
    channel_id         INTEGER,
    message_id         INTEGER,
    dms_sent           INTEGER NOT NULL DEFAULT 0,
    dms_undeliverable  INTEGER NOT NULL DEFAULT 0,
    dms_failed         INTEGER NOT NULL DEFAULT 0,
    error              TEXT,
    claimed_by         INTEGER,   -- the manager of a manual summary; NULL: the schedule
    claimed_at         INTEGER NOT NULL,
    posted_at          INTEGER,
    UNIQUE (guild_id, week_start)
);
CREATE INDEX weekly_summaries_unfinished ON weekly_summaries (claimed_at) WHERE status = 'claimed';
CREATE INDEX weekly_summaries_guild_time ON weekly_summaries (guild_id, kind, claimed_at);

-- The summary and /report add up a server's commissions and gifts by time and every
-- creator's ledger balance (bench/summary.py: 10 000 creators, 100 000 orders). Commissions
-- had no index by server and time; the balance index also carries the amount, so balances
-- are summed from the index alone. It starts with (creator_id, bucket), so it serves every
-- query of the index it replaces.
CREATE INDEX commissions_guild_time ON commissions (guild_id, created_at);
CREATE INDEX ledger_creator_balance ON ledger_entries (creator_id, bucket, amount_minor);
DROP INDEX ledger_creator_bucket;
