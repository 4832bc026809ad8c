-- Revision: 0019
-- Revises: 0018
-- Creation Date: 2026-12-04
-- Reason: broadcasts (`/broadcast segment|status`): a manager's brief DM'd once to every
-- creator of a segment. The brief is stored as a draft when the modal is submitted, so the
-- Send button of the confirmation works after a restart; Send turns it into a job.

-- state: draft | sending | cancelled (bot.domain.broadcasts.BroadcastState); "sent" is the
-- finished job. segment: the segment name as chosen (or 'all'), kept for showing even if the
-- segment is deleted later. campaign_id: whose tracking link each creator gets. image_url:
-- the attachment's URL, shown in the DM. channel_id: where it is also posted once.
CREATE TABLE broadcasts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'draft'
                CHECK (state IN ('draft', 'sending', 'cancelled')),
    segment     TEXT    NOT NULL,
    campaign_id INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    link        TEXT,
    image_url   TEXT,
    channel_id  INTEGER,
    recipients  INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    job_id      INTEGER UNIQUE REFERENCES jobs (id),
    sent_by     INTEGER,
    sent_at     INTEGER
);
CREATE INDEX broadcasts_recent ON broadcasts (guild_id, created_at DESC, id DESC);
