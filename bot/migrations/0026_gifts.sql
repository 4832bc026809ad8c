-- Revision: 0026
-- Revises: 0025
-- Creation Date: 2026-12-05
-- Reason: product seeding (`/gift create|status|export|shipped|delivered|cancel`): gift
-- offers to a segment with variants and a quantity limit, each creator's answer, the
-- shipping address of an accepted offer (erased `gift_address_retention_days` after
-- delivery), and the link to the gift's program cost and its expected deliverables.

ALTER TABLE guild_settings ADD COLUMN gift_address_retention_days INTEGER NOT NULL DEFAULT 14
    CHECK (gift_address_retention_days BETWEEN 0 AND 365);

-- One offer. variants: a JSON array of names. claimed counts the units taken; the CHECK is
-- the last guard of the quantity limit (acceptances raise it with
-- `UPDATE … SET claimed = claimed + 1 WHERE claimed < quantity`). Expected content (all
-- NULL when none): content_count posts of content_platform/content_kind due content_days
-- after delivery. job_id: the job sending the offer DMs.
CREATE TABLE gift_offers (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    product          TEXT    NOT NULL,
    variants         TEXT    NOT NULL,
    cost_minor       INTEGER NOT NULL CHECK (cost_minor >= 0),
    currency         TEXT    NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    claimed          INTEGER NOT NULL DEFAULT 0 CHECK (claimed >= 0 AND claimed <= quantity),
    deadline_at      INTEGER NOT NULL,
    segment          TEXT    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'cancelled')),
    content_platform TEXT,
    content_kind     TEXT,
    content_days     INTEGER CHECK (content_days IS NULL OR content_days BETWEEN 1 AND 365),
    content_count    INTEGER CHECK (content_count IS NULL OR content_count BETWEEN 1 AND 20),
    recipients       INTEGER NOT NULL DEFAULT 0,
    job_id           INTEGER UNIQUE REFERENCES jobs (id),
    created_by       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    cancelled_at     INTEGER
);
CREATE INDEX gift_offers_guild ON gift_offers (guild_id, id DESC);

-- One creator's gift under an offer, written for every recipient when the offer is sent.
-- address: JSON, only while the offer is accepted and not yet erased (NULL otherwise).
-- gift_id: the program cost row in `gifts` (written on acceptance).
CREATE TABLE gift_claims (
    id              INTEGER PRIMARY KEY,
    offer_id        INTEGER NOT NULL REFERENCES gift_offers (id),
    creator_id      INTEGER NOT NULL REFERENCES creators (id),
    state           TEXT    NOT NULL DEFAULT 'offered'
                    CHECK (state IN ('offered', 'accepted', 'declined', 'shipped', 'delivered')),
    variant         TEXT,
    address         TEXT,
    answered_at     INTEGER,
    shipped_at      INTEGER,
    delivered_at    INTEGER,
    address_erased_at INTEGER,
    gift_id         INTEGER REFERENCES gifts (id),
    deliverable_id  INTEGER REFERENCES deliverables (id),
    created_at      INTEGER NOT NULL,
    UNIQUE (offer_id, creator_id),
    CHECK (address IS NULL OR state IN ('accepted', 'shipped', 'delivered'))
);
CREATE INDEX gift_claims_creator ON gift_claims (creator_id);
-- The retention sweep: delivered claims still holding an address.
CREATE INDEX gift_claims_retention ON gift_claims (delivered_at) WHERE address IS NOT NULL;
