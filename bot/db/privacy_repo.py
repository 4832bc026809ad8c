"""SQL for ``/privacy``: everything stored about one member, and erasing it."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from bot.db.connection import Queries, Transaction

# Audit entries a member causes about themselves; erasing drops their id from these. Manager
# actions and money movements keep their actor.
SELF_SERVICE_ACTIONS = (
    "application.create",
    "application.answer",
    "payout_method.set",
    "privacy.export",
    "site.add",
    "site.remove",
    "gift.accept",
    "gift.decline",
    "bounty.submit",
)


def _dicts(rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


class PrivacyRepository:
    # --- export ---------------------------------------------------------------------------

    async def applications(self, q: Queries, guild_id: int, user_id: int) -> list[dict[str, Any]]:
        query = """
            SELECT id, platform, handle, followers, niche, engagement_rate_bp, profile_url,
                   email, locale, tier, status, info_question, decision_reason, created_at,
                   decided_at
            FROM applications WHERE guild_id = ? AND user_id = ? ORDER BY id
        """
        return _dicts(await q.fetch_all(query, guild_id, user_id))

    async def codes(self, q: Queries, creator_id: int) -> list[dict[str, Any]]:
        query = """
            SELECT code, discount_percent, active, created_at FROM discount_codes
            WHERE creator_id = ? ORDER BY id
        """
        return _dicts(await q.fetch_all(query, creator_id))

    async def links(self, q: Queries, creator_id: int) -> list[dict[str, Any]]:
        query = """
            SELECT l.slug, c.name AS campaign, l.created_at
            FROM links l JOIN campaigns c ON c.id = l.campaign_id
            WHERE l.creator_id = ? ORDER BY l.id
        """
        return _dicts(await q.fetch_all(query, creator_id))

    async def click_counts(self, q: Queries, creator_id: int) -> tuple[int, int]:
        query = """
            SELECT COUNT(*), COALESCE(SUM(is_unique), 0) FROM clicks
            WHERE guild_id = (SELECT guild_id FROM creators WHERE id = ?) AND creator_id = ?
        """
        row = await q.fetch_one(query, creator_id, creator_id)
        assert row is not None
        return int(row[0]), int(row[1])

    async def conversions(self, q: Queries, creator_id: int) -> list[dict[str, Any]]:
        query = """
            SELECT source, order_id, kind, status, currency, net_minor, refunded_minor,
                   attribution, occurred_at
            FROM conversions WHERE creator_id = ? ORDER BY occurred_at, id
        """
        return _dicts(await q.fetch_all(query, creator_id))

    async def commissions(self, q: Queries, creator_id: int) -> list[dict[str, Any]]:
        query = """
            SELECT id, kind, currency, amount_minor, reversed_minor, state, hold_reason,
                   approve_after, payout_batch_id, created_at
            FROM commissions WHERE creator_id = ? ORDER BY id
        """
        return _dicts(await q.fetch_all(query, creator_id))

    async def payouts(self, q: Queries, creator_id: int) -> list[dict[str, Any]]:
        query = """
            SELECT i.batch_id, i.amount_minor, i.currency, i.method, b.status, b.created_at,
                   b.paid_at
            FROM payout_items i JOIN payout_batches b ON b.id = i.batch_id
            WHERE i.creator_id = ? ORDER BY i.batch_id
        """
        return _dicts(await q.fetch_all(query, creator_id))

    async def rows_of_creator(self, q: Queries, table: str, creator_id: int) -> list[dict]:
        """Rows of ``contracts`` or ``deliverables`` (whatever columns they have today)."""
        assert table in ("contracts", "deliverables")
        query = f"SELECT * FROM {table} WHERE creator_id = ? ORDER BY id"
        return _dicts(await q.fetch_all(query, creator_id))

    async def notifications(self, q: Queries, guild_id: int, user_id: int) -> list[dict]:
        query = """
            SELECT kind, status, created_at, sent_at FROM notifications
            WHERE guild_id = ? AND user_id = ? ORDER BY id
        """
        return _dicts(await q.fetch_all(query, guild_id, user_id))

    async def unpaid_earnings(self, q: Queries, creator_id: int) -> dict[str, int]:
        """Money earned and not paid out yet (pending, on hold, approved), per currency."""
        query = """
            SELECT currency, SUM(amount_minor) AS total FROM ledger_entries
            WHERE creator_id = ? AND bucket IN ('pending', 'on_hold', 'approved')
            GROUP BY currency HAVING SUM(amount_minor) > 0 ORDER BY currency
        """
        return {r["currency"]: int(r["total"]) for r in await q.fetch_all(query, creator_id)}

    # --- erase ----------------------------------------------------------------------------

    async def review_cards(
        self, q: Queries, guild_id: int, user_id: int
    ) -> list[tuple[int, int, int]]:
        """(application id, channel id, message id) of the member's review cards."""
        query = """
            SELECT id, review_channel_id, review_message_id FROM applications
            WHERE guild_id = ? AND user_id = ? AND review_message_id IS NOT NULL
        """
        return [
            (r["id"], r["review_channel_id"], r["review_message_id"])
            for r in await q.fetch_all(query, guild_id, user_id)
        ]

    async def erase_applications(
        self, tx: Transaction, guild_id: int, user_id: int, now: int
    ) -> int:
        """Close open applications and blank every application's personal fields."""
        query = """
            UPDATE applications
            SET status = CASE WHEN status IN ('open', 'info_requested') THEN 'rejected'
                              ELSE status END,
                decided_at = CASE WHEN status IN ('open', 'info_requested') THEN ?
                                  ELSE decided_at END,
                handle = NULL, email = NULL, profile_url = NULL, user_id = NULL,
                info_question = NULL, decision_reason = NULL, updated_at = ?
            WHERE guild_id = ? AND user_id = ?
        """
        return await tx.execute(query, now, now, guild_id, user_id)

    async def erase_creator(self, tx: Transaction, creator_id: int, now: int) -> None:
        query = """
            UPDATE creators
            SET handle = NULL, email = NULL, user_id = NULL, erased_at = ?,
                source_slug = 'erased-' || id, status = 'removed', status_at = ?,
                public_earnings = 0, welcome_pending = 0
            WHERE id = ?
        """
        await tx.execute(query, now, now, creator_id)

    async def delete_payout_method(self, tx: Transaction, creator_id: int) -> None:
        await tx.execute("DELETE FROM payout_methods WHERE creator_id = ?", creator_id)

    async def erase_visitor_hashes(self, tx: Transaction, creator_id: int) -> None:
        # clicks.visitor_hash is NOT NULL: an empty string marks an erased visitor.
        await tx.execute(
            "UPDATE clicks SET visitor_hash = ''"
            " WHERE guild_id = (SELECT guild_id FROM creators WHERE id = ?) AND creator_id = ?",
            creator_id,
            creator_id,
        )
        await tx.execute(
            "UPDATE conversions SET visitor_hash = NULL WHERE creator_id = ?", creator_id
        )

    async def erase_deliverable_posts(self, tx: Transaction, creator_id: int, now: int) -> None:
        """Forget the member's post URLs and the reasons written about them; open deliverables
        are cancelled (fees already earned stay in the ledger)."""
        query = """
            UPDATE deliverables
            SET submission_url = NULL, rejection_reason = NULL, updated_at = ?,
                status = CASE WHEN status IN ('planned', 'rejected', 'submitted')
                              THEN 'cancelled' ELSE status END
            WHERE creator_id = ?
        """
        await tx.execute(query, now, creator_id)

    async def erase_contract_titles(self, tx: Transaction, creator_id: int) -> None:
        """A contract title is free text a manager wrote about the member ("Anna's summer
        reels"): it becomes the contract's number, and a running contract is cancelled."""
        query = """
            UPDATE contracts
            SET title = '#' || id,
                status = CASE WHEN status = 'active' THEN 'cancelled' ELSE status END
            WHERE creator_id = ?
        """
        await tx.execute(query, creator_id)

    async def detach_notifications(self, tx: Transaction, guild_id: int, user_id: int) -> None:
        query = "UPDATE notifications SET user_id = NULL WHERE guild_id = ? AND user_id = ?"
        await tx.execute(query, guild_id, user_id)

    async def detach_self_service_audit(self, tx: Transaction, guild_id: int, user_id: int) -> None:
        marks = ", ".join("?" * len(SELF_SERVICE_ACTIONS))
        query = f"""
            UPDATE audit_log SET actor_id = NULL
            WHERE guild_id = ? AND actor_id = ? AND action IN ({marks})
        """
        await tx.execute(query, guild_id, user_id, *SELF_SERVICE_ACTIONS)

    # --- gifts (product seeding) ------------------------------------------------------------

    async def gifts(self, q: Queries, creator_id: int) -> list[dict[str, Any]]:
        """The member's gifts, with the shipping address while it is still kept."""
        query = """
            SELECT o.product, g.variant, g.state, g.address, g.created_at, g.answered_at,
                   g.shipped_at, g.delivered_at, g.address_erased_at
            FROM gift_claims g JOIN gift_offers o ON o.id = g.offer_id
            WHERE g.creator_id = ? ORDER BY g.id
        """
        rows = _dicts(await q.fetch_all(query, creator_id))
        for row in rows:
            row["address"] = json.loads(row["address"]) if row["address"] else None
        return rows

    async def erase_gift_addresses(self, tx: Transaction, creator_id: int, now: int) -> int:
        query = """
            UPDATE gift_claims SET address = NULL, address_erased_at = ?
            WHERE creator_id = ? AND address IS NOT NULL
        """
        return await tx.execute(query, now, creator_id)

    # --- bounties -------------------------------------------------------------------------

    async def bounty_entries(self, q: Queries, creator_id: int) -> list[dict[str, Any]]:
        """The member's bounty entries: the post handed in, the outcome and the reward."""
        query = """
            SELECT b.title, e.status, e.url, e.place, e.reward_minor, b.currency,
                   e.submitted_at, e.reached_at, e.decided_at
            FROM bounty_entries e JOIN bounties b ON b.id = e.bounty_id
            WHERE e.creator_id = ? ORDER BY e.id
        """
        return _dicts(await q.fetch_all(query, creator_id))

    async def bounty_cards(self, q: Queries, creator_id: int) -> list[tuple[int, int, int]]:
        """(entry id, channel id, message id) of the review cards of the member's posts."""
        query = """
            SELECT id, review_channel_id, review_message_id FROM bounty_entries
            WHERE creator_id = ? AND review_message_id IS NOT NULL ORDER BY id
        """
        return [(r[0], r[1], r[2]) for r in await q.fetch_all(query, creator_id)]

    async def erase_bounty_posts(self, tx: Transaction, creator_id: int) -> int:
        """Forget the URLs of the member's bounty posts (they name the creator); a win and
        its reward stay, anonymised with the creator."""
        query = "UPDATE bounty_entries SET url = NULL WHERE creator_id = ? AND url IS NOT NULL"
        return await tx.execute(query, creator_id)
