-- Revision: 0009
-- Revises: 0008
-- Creation Date: 2026-11-22
-- Reason: the tracker's link cache reloads only when a link, campaign or creator it serves
-- has changed, instead of re-reading every link on a timer.

-- One counter, raised by triggers on every change to what a redirect reads: a link, its
-- campaign's destination, slug or active flag, its creator's status or source slug. The
-- tracker polls it (one row read) and reloads its cache only when it moved, whichever code
-- or tool made the change.
CREATE TABLE link_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO link_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER links_inserted AFTER INSERT ON links
BEGIN UPDATE link_generation SET generation = generation + 1; END;
CREATE TRIGGER links_updated AFTER UPDATE ON links
BEGIN UPDATE link_generation SET generation = generation + 1; END;
CREATE TRIGGER links_deleted AFTER DELETE ON links
BEGIN UPDATE link_generation SET generation = generation + 1; END;
CREATE TRIGGER campaigns_redirect_changed
AFTER UPDATE OF destination_url, slug, active ON campaigns
BEGIN UPDATE link_generation SET generation = generation + 1; END;
CREATE TRIGGER campaigns_deleted AFTER DELETE ON campaigns
BEGIN UPDATE link_generation SET generation = generation + 1; END;
CREATE TRIGGER creators_redirect_changed AFTER UPDATE OF status, source_slug ON creators
BEGIN UPDATE link_generation SET generation = generation + 1; END;
CREATE TRIGGER creators_deleted AFTER DELETE ON creators
BEGIN UPDATE link_generation SET generation = generation + 1; END;
