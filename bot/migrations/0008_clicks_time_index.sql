-- Revision: 0008
-- Revises: 0007
-- Creation Date: 2026-11-22
-- Reason: clicks keep only indexes that grow at their end, so a batch of clicks writes a few
-- pages instead of one random page per click.

-- clicks_creator_time (creator_id first) put every click of a batch on a different page of
-- the index: with thousands of creators that was a random 4 KiB page written per click, the
-- largest single cost of the click writer. Every per-creator question now reads the server's
-- time range of this covering index and filters creator_id inside it; a week of even a
-- million clicks is one short sequential read.
DROP INDEX clicks_creator_time;
DROP INDEX clicks_guild_time;
CREATE INDEX clicks_guild_time ON clicks (guild_id, clicked_at, creator_id, is_unique, link_id);
