-- Revision: 0013
-- Revises: 0012
-- Creation Date: 2026-11-22
-- Reason: a subscription sold through Stripe Checkout is recorded under its session id, but
-- its refund names the payment of the session's first invoice; without a link between the two
-- ids the refund was kept as "sale not seen yet" and the creator kept the whole commission.

-- Another id of an order: `alias` stands for `order_id`, which is the id a conversion is
-- recorded under or, when the alias arrived first, another alias (at most a short chain:
-- payment → invoice → Checkout session). Written by the conversion service from the ids a
-- sender names together (Stripe: a session and its invoice; an invoice and its payment).
-- `resolved` is set once the alias is known to lead to a conversion. Unresolved aliases are
-- dropped after 30 days, like early_adjustments (a renewal invoice's payment, for example,
-- never leads to one). Holds no personal data.
CREATE TABLE order_aliases (
    source      TEXT    NOT NULL,
    alias       TEXT    NOT NULL,
    order_id    TEXT    NOT NULL,
    resolved    INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (source, alias)
) WITHOUT ROWID;
CREATE INDEX order_aliases_order ON order_aliases (source, order_id);
CREATE INDEX order_aliases_unresolved ON order_aliases (created_at) WHERE resolved = 0;
