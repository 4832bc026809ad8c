-- Revision: 0015
-- Revises: 0014
-- Creation Date: 2026-12-04
-- Reason: bulk work (approving a filtered review queue) must survive a restart half-way and
-- never do one subject twice. A job is one row; its subjects are items claimed one by one
-- under a unique key, each with its outcome.

-- kind: what the job does (bot.domain.jobs.JobKind). state: running | finished.
-- params: JSON the kind needs (e.g. the queue filter). total: number of items.
-- counts: JSON object of item states and outcomes, incremented with each finished item.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'finished')),
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER,
    params      TEXT    NOT NULL DEFAULT '{}',
    total       INTEGER NOT NULL DEFAULT 0,
    counts      TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX jobs_unfinished ON jobs (state) WHERE state = 'running';

-- subject_id: what the item is about (for approvals: an application id). attempts: how
-- often it was claimed; more than one means a run stopped half-way through it.
CREATE TABLE job_items (
    job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    subject_id  INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'claimed', 'done', 'skipped', 'failed')),
    outcome     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER,
    UNIQUE (job_id, subject_id)
);
CREATE INDEX job_items_open ON job_items (job_id, position) WHERE state IN ('pending', 'claimed');
