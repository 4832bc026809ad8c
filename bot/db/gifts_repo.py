"""SQL for product seeding: ``gift_offers`` and ``gift_claims`` (and their ``gifts`` cost)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.gifts import (
    Address,
    ClaimState,
    ExpectedContent,
    GiftClaim,
    GiftOffer,
    OfferState,
)


def _offer(row: sqlite3.Row) -> GiftOffer:
    content = None
    if row["content_kind"] is not None:
        content = ExpectedContent(
            platform=row["content_platform"],
            kind=row["content_kind"],
            days=row["content_days"],
            count=row["content_count"] or 1,
        )
    return GiftOffer(
        id=row["id"],
        guild_id=row["guild_id"],
        product=row["product"],
        variants=tuple(json.loads(row["variants"])),
        cost_minor=row["cost_minor"],
        currency=row["currency"],
        quantity=row["quantity"],
        claimed=row["claimed"],
        deadline_at=from_epoch(row["deadline_at"]),  # type: ignore[arg-type]
        segment=row["segment"],
        state=OfferState(row["state"]),
        content=content,
        recipients=row["recipients"],
        created_at=from_epoch(row["created_at"]),  # type: ignore[arg-type]
        job_id=row["job_id"],
        phone_required=bool(row["phone_required"]),
    )


_CLAIM = """
    SELECT g.*, o.guild_id, c.user_id, c.locale, c.handle
    FROM gift_claims g
    JOIN gift_offers o ON o.id = g.offer_id
    JOIN creators c ON c.id = g.creator_id
"""


def _claim(row: sqlite3.Row) -> GiftClaim:
    address = row["address"]
    return GiftClaim(
        id=row["id"],
        offer_id=row["offer_id"],
        guild_id=row["guild_id"],
        creator_id=row["creator_id"],
        user_id=row["user_id"],
        locale=row["locale"],
        handle=row["handle"] or "",
        state=ClaimState(row["state"]),
        variant=row["variant"],
        address=Address.from_json(json.loads(address)) if address else None,
        answered_at=from_epoch(row["answered_at"]),
        shipped_at=from_epoch(row["shipped_at"]),
        delivered_at=from_epoch(row["delivered_at"]),
        deliverable_id=row["deliverable_id"],
        shop_draft_id=row["shop_draft_id"],
    )


class GiftRepository:
    # --- offers ---------------------------------------------------------------------------

    async def insert_offer(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        product: str,
        variants: Sequence[str],
        cost_minor: int,
        currency: str,
        quantity: int,
        deadline_at: int,
        segment: str,
        content: ExpectedContent | None,
        recipients: int,
        job_id: int,
        actor_id: int,
        now: int,
        phone_required: bool = False,
    ) -> int:
        query = """
            INSERT INTO gift_offers (guild_id, product, variants, cost_minor, currency, quantity,
                                     deadline_at, segment, content_platform, content_kind,
                                     content_days, content_count, recipients, job_id,
                                     created_by, created_at, phone_required)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        offer_id = await tx.insert(
            query,
            guild_id,
            product,
            json.dumps(list(variants)),
            cost_minor,
            currency,
            quantity,
            deadline_at,
            segment,
            content.platform if content else None,
            content.kind if content else None,
            content.days if content else None,
            content.count if content else None,
            recipients,
            job_id,
            actor_id,
            now,
            int(phone_required),
        )
        assert offer_id is not None
        return offer_id

    async def insert_claims(
        self, tx: Transaction, offer_id: int, creator_ids: Sequence[int], now: int
    ) -> None:
        query = "INSERT INTO gift_claims (offer_id, creator_id, created_at) VALUES (?, ?, ?)"
        await tx.execute_many(query, [(offer_id, c, now) for c in creator_ids])

    async def offer(self, q: Queries, offer_id: int) -> GiftOffer | None:
        row = await q.fetch_one("SELECT * FROM gift_offers WHERE id = ?", offer_id)
        return None if row is None else _offer(row)

    async def offer_of_job(self, q: Queries, job_id: int) -> GiftOffer | None:
        row = await q.fetch_one("SELECT * FROM gift_offers WHERE job_id = ?", job_id)
        return None if row is None else _offer(row)

    async def offers(self, q: Queries, guild_id: int, limit: int = 100) -> list[GiftOffer]:
        query = "SELECT * FROM gift_offers WHERE guild_id = ? ORDER BY id DESC LIMIT ?"
        return [_offer(r) for r in await q.fetch_all(query, guild_id, limit)]

    async def take_unit(self, tx: Transaction, offer_id: int, now: int) -> bool:
        """Take one unit of the stock; False when none is left, the offer is closed or its
        deadline passed. One statement, so two acceptances can never both take the last."""
        query = """
            UPDATE gift_offers SET claimed = claimed + 1
            WHERE id = ? AND claimed < quantity AND state = 'open' AND deadline_at > ?
        """
        return await tx.execute(query, offer_id, now) == 1

    async def cancel_offer(self, tx: Transaction, offer_id: int, now: int) -> bool:
        query = """
            UPDATE gift_offers SET state = 'cancelled', cancelled_at = ?
            WHERE id = ? AND state = 'open'
        """
        return await tx.execute(query, now, offer_id) == 1

    # --- claims ---------------------------------------------------------------------------

    async def claim(self, q: Queries, claim_id: int) -> GiftClaim | None:
        row = await q.fetch_one(_CLAIM + " WHERE g.id = ?", claim_id)
        return None if row is None else _claim(row)

    async def claim_of(self, q: Queries, offer_id: int, creator_id: int) -> GiftClaim | None:
        row = await q.fetch_one(
            _CLAIM + " WHERE g.offer_id = ? AND g.creator_id = ?", offer_id, creator_id
        )
        return None if row is None else _claim(row)

    async def untold_deliveries(
        self, q: Queries, since: int, key_prefix: str
    ) -> list[tuple[GiftClaim, GiftOffer, int | None]]:
        """Claims delivered at or after ``since`` whose "arrived" notice (keyed
        ``key_prefix`` + the claim's id) was never claimed, with their offer and the due time
        of the content their delivery planned. One query; offers read once each."""
        query = """
            SELECT g.*, o.guild_id, c.user_id, c.locale, c.handle, d.due_at AS content_due_at
            FROM gift_claims g
            JOIN gift_offers o ON o.id = g.offer_id
            JOIN creators c ON c.id = g.creator_id
            LEFT JOIN deliverables d ON d.id = g.deliverable_id
            WHERE g.state = 'delivered' AND g.delivered_at >= ?
              AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.dedupe_key = ? || g.id)
            ORDER BY g.id
        """
        rows = await q.fetch_all(query, since, key_prefix)
        offers: dict[int, GiftOffer] = {}
        found = []
        for row in rows:
            claim = _claim(row)
            if claim.offer_id not in offers:
                offer = await self.offer(q, claim.offer_id)
                assert offer is not None
                offers[claim.offer_id] = offer
            found.append((claim, offers[claim.offer_id], row["content_due_at"]))
        return found

    async def results(
        self, q: Queries, offer_id: int, currency: str, pieces: int
    ) -> tuple[dict[str, int], dict[str, tuple[int, int]], tuple[int, int]]:
        """Raw figures of an offer's seeding results: the content its deliveries planned
        (``pieces`` deliverables each, from the claim's first), its reach and interactions per
        creator tier, and the accepting creators' orders and revenue since delivery."""
        planned = """
            FROM gift_claims g
            JOIN deliverables d ON d.creator_id = g.creator_id
                AND d.id BETWEEN g.deliverable_id AND g.deliverable_id + ? - 1
            JOIN creators c ON c.id = g.creator_id
            WHERE g.offer_id = ? AND g.state = 'delivered' AND d.status != 'cancelled'
        """
        content = await q.fetch_one(
            """
            SELECT COUNT(d.id) AS planned,
                   COALESCE(SUM(d.status IN ('submitted', 'approved')
                                AND d.submitted_at <= d.due_at), 0) AS on_time,
                   COALESCE(SUM(d.status IN ('submitted', 'approved')
                                AND d.submitted_at > d.due_at), 0) AS late
            """
            + planned,
            pieces,
            offer_id,
        )
        tiers = await q.fetch_all(
            """
            SELECT c.tier, SUM(d.reach) AS reach,
                   SUM(COALESCE(d.likes, 0) + COALESCE(d.comments, 0)
                       + COALESCE(d.shares, 0)) AS interactions
            """
            + planned
            + " AND d.reach > 0 GROUP BY c.tier",
            pieces,
            offer_id,
        )
        sales = await q.fetch_one(
            """
            SELECT COUNT(v.id) AS orders,
                   COALESCE(SUM(v.net_minor - v.refunded_minor), 0) AS revenue
            FROM gift_claims g
            JOIN conversions v ON v.creator_id = g.creator_id
                AND v.occurred_at >= g.delivered_at
            WHERE g.offer_id = ? AND g.state = 'delivered' AND v.kind = 'sale'
              AND v.status = 'active' AND v.currency = ?
            """,
            offer_id,
            currency,
        )
        assert content is not None and sales is not None
        return (
            {k: int(content[k]) for k in ("planned", "on_time", "late")},
            {r["tier"]: (int(r["reach"]), int(r["interactions"])) for r in tiers},
            (int(sales["orders"]), int(sales["revenue"])),
        )

    async def set_draft(self, tx: Transaction, claim_id: int, draft_id: str) -> None:
        await tx.execute(
            "UPDATE gift_claims SET shop_draft_id = ? WHERE id = ? AND shop_draft_id IS NULL",
            draft_id,
            claim_id,
        )

    async def claims(self, q: Queries, offer_id: int) -> list[GiftClaim]:
        rows = await q.fetch_all(_CLAIM + " WHERE g.offer_id = ? ORDER BY g.id", offer_id)
        return [_claim(r) for r in rows]

    async def accept(
        self, tx: Transaction, claim_id: int, variant: str, address: Address, now: int
    ) -> bool:
        """Record the creator's yes with the variant and address; False if already answered."""
        query = """
            UPDATE gift_claims SET state = 'accepted', variant = ?, address = ?, answered_at = ?
            WHERE id = ? AND state = 'offered'
        """
        stored = json.dumps(address.to_json(), ensure_ascii=False)
        return await tx.execute(query, variant, stored, now, claim_id) == 1

    async def decline(self, tx: Transaction, claim_id: int, now: int) -> bool:
        query = """
            UPDATE gift_claims SET state = 'declined', answered_at = ?
            WHERE id = ? AND state = 'offered'
        """
        return await tx.execute(query, now, claim_id) == 1

    async def mark_shipped(self, tx: Transaction, claim_id: int, now: int) -> bool:
        query = """
            UPDATE gift_claims SET state = 'shipped', shipped_at = ?
            WHERE id = ? AND state = 'accepted'
        """
        return await tx.execute(query, now, claim_id) == 1

    async def mark_delivered(self, tx: Transaction, claim_id: int, now: int) -> bool:
        query = """
            UPDATE gift_claims SET state = 'delivered', delivered_at = ?,
                                   shipped_at = coalesce(shipped_at, ?)
            WHERE id = ? AND state IN ('accepted', 'shipped')
        """
        return await tx.execute(query, now, now, claim_id) == 1

    async def set_deliverable(self, tx: Transaction, claim_id: int, deliverable_id: int) -> None:
        query = "UPDATE gift_claims SET deliverable_id = ? WHERE id = ?"
        await tx.execute(query, deliverable_id, claim_id)

    async def insert_cost(
        self,
        tx: Transaction,
        claim_id: int,
        *,
        guild_id: int,
        creator_id: int,
        description: str,
        cost_minor: int,
        currency: str,
        now: int,
    ) -> int:
        """The gift's cost as a row of ``gifts`` (what ``/report`` counts as program cost)."""
        query = """
            INSERT INTO gifts (guild_id, creator_id, contract_id, description, cost_minor,
                               currency, created_by, created_at)
            VALUES (?, ?, NULL, ?, ?, ?, NULL, ?)
        """
        gift_id = await tx.insert(
            query, guild_id, creator_id, description, cost_minor, currency, now
        )
        assert gift_id is not None
        await tx.execute("UPDATE gift_claims SET gift_id = ? WHERE id = ?", gift_id, claim_id)
        return gift_id

    async def drop_unshipped_costs(self, tx: Transaction, offer_id: int) -> int:
        """A cancelled offer's gifts that never left: their cost is no program cost."""
        query = """
            SELECT gift_id FROM gift_claims
            WHERE offer_id = ? AND state = 'accepted' AND gift_id IS NOT NULL
        """
        gift_ids = [r[0] for r in await tx.fetch_all(query, offer_id)]
        await tx.execute(
            "UPDATE gift_claims SET gift_id = NULL WHERE offer_id = ? AND state = 'accepted'",
            offer_id,
        )
        await tx.execute_many("DELETE FROM gifts WHERE id = ?", [(g,) for g in gift_ids])
        return len(gift_ids)

    # --- addresses ------------------------------------------------------------------------

    async def expired_addresses(self, q: Queries, now: int) -> list[tuple[int, int, int]]:
        """Delivered gifts whose address outlived the server's retention: (claim id, guild
        id, creator id)."""
        query = """
            SELECT g.id, o.guild_id, g.creator_id
            FROM gift_claims g
            JOIN gift_offers o ON o.id = g.offer_id
            LEFT JOIN guild_settings s ON s.guild_id = o.guild_id
            WHERE g.address IS NOT NULL AND g.delivered_at IS NOT NULL
              AND g.delivered_at + coalesce(s.gift_address_retention_days, 14) * 86400 <= ?
            ORDER BY g.id
        """
        return [(r[0], r[1], r[2]) for r in await q.fetch_all(query, now)]

    async def erase_address(self, tx: Transaction, claim_id: int, now: int) -> bool:
        query = """
            UPDATE gift_claims SET address = NULL, address_erased_at = ?
            WHERE id = ? AND address IS NOT NULL
        """
        return await tx.execute(query, now, claim_id) == 1

    async def erase_offer_addresses(self, tx: Transaction, offer_id: int, now: int) -> int:
        query = """
            UPDATE gift_claims SET address = NULL, address_erased_at = ?
            WHERE offer_id = ? AND address IS NOT NULL
        """
        return await tx.execute(query, now, offer_id)

    async def erase_creator_addresses(self, tx: Transaction, creator_id: int, now: int) -> int:
        query = """
            UPDATE gift_claims SET address = NULL, address_erased_at = ?
            WHERE creator_id = ? AND address IS NOT NULL
        """
        return await tx.execute(query, now, creator_id)

    async def of_creator(self, q: Queries, creator_id: int) -> list[GiftClaim]:
        rows = await q.fetch_all(_CLAIM + " WHERE g.creator_id = ? ORDER BY g.id", creator_id)
        return [_claim(r) for r in rows]
