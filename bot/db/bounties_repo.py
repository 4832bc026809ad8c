"""SQL for bounties: ``bounties`` and ``bounty_entries``, and the sales they are judged on."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.bounties import (
    Bounty,
    BountyEntry,
    BountyKind,
    BountyState,
    EntryStatus,
    Goal,
    Reward,
)


def _bounty(row: sqlite3.Row) -> Bounty:
    return Bounty(
        id=row["id"],
        guild_id=row["guild_id"],
        title=row["title"],
        brief=row["brief"],
        kind=BountyKind(row["kind"]),
        reward=Reward(minor=row["reward_minor"], bp=row["reward_bp"]),
        currency=row["currency"],
        goal=Goal(orders=row["goal_orders"], minor=row["goal_minor"]),
        segment=row["segment"],
        max_winners=row["max_winners"],
        winners=row["winners"],
        starts_at=from_epoch(row["starts_at"]),  # type: ignore[arg-type]
        ends_at=from_epoch(row["ends_at"]),  # type: ignore[arg-type]
        state=BountyState(row["state"]),
        channel_id=row["channel_id"],
        created_at=from_epoch(row["created_at"]),  # type: ignore[arg-type]
        job_id=row["job_id"],
        settled_at=from_epoch(row["settled_at"]),
    )


_ENTRY = """
    SELECT e.*, b.guild_id, c.user_id, c.locale, c.handle
    FROM bounty_entries e
    JOIN bounties b ON b.id = e.bounty_id
    JOIN creators c ON c.id = e.creator_id
"""


def _entry(row: sqlite3.Row) -> BountyEntry:
    return BountyEntry(
        id=row["id"],
        bounty_id=row["bounty_id"],
        guild_id=row["guild_id"],
        creator_id=row["creator_id"],
        user_id=row["user_id"],
        locale=row["locale"],
        handle=row["handle"] or "",
        status=EntryStatus(row["status"]),
        url=row["url"],
        place=row["place"],
        reached_at=from_epoch(row["reached_at"]),
        reward_minor=row["reward_minor"],
        submitted_at=from_epoch(row["submitted_at"]),  # type: ignore[arg-type]
        decided_at=from_epoch(row["decided_at"]),
        decided_by=row["decided_by"],
        review_channel_id=row["review_channel_id"],
        review_message_id=row["review_message_id"],
    )


@dataclass(frozen=True)
class EntryCounts:
    pending: int = 0
    won: int = 0
    rejected: int = 0


class BountyRepository:
    # --- bounties -------------------------------------------------------------------------

    async def insert_bounty(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        title: str,
        brief: str,
        kind: BountyKind,
        reward: Reward,
        currency: str,
        goal: Goal,
        segment: str,
        max_winners: int,
        starts_at: int,
        ends_at: int,
        channel_id: int | None,
        job_id: int,
        actor_id: int,
        now: int,
    ) -> int:
        query = """
            INSERT INTO bounties (guild_id, title, brief, kind, reward_minor, reward_bp,
                                  currency, goal_orders, goal_minor, segment, max_winners,
                                  starts_at, ends_at, channel_id, job_id, created_by,
                                  created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
        bounty_id = await tx.insert(
            query,
            guild_id,
            title,
            brief,
            kind.value,
            reward.minor,
            reward.bp,
            currency,
            goal.orders,
            goal.minor,
            segment,
            max_winners,
            starts_at,
            ends_at,
            channel_id,
            job_id,
            actor_id,
            now,
        )
        assert bounty_id is not None
        return bounty_id

    async def bounty(self, q: Queries, bounty_id: int) -> Bounty | None:
        row = await q.fetch_one("SELECT * FROM bounties WHERE id = ?", bounty_id)
        return None if row is None else _bounty(row)

    async def bounty_of_job(self, q: Queries, job_id: int) -> Bounty | None:
        row = await q.fetch_one("SELECT * FROM bounties WHERE job_id = ?", job_id)
        return None if row is None else _bounty(row)

    async def bounties(self, q: Queries, guild_id: int, limit: int = 100) -> list[Bounty]:
        """The server's bounties, newest first."""
        rows = await q.fetch_all(
            "SELECT * FROM bounties WHERE guild_id = ? ORDER BY id DESC LIMIT ?", guild_id, limit
        )
        return [_bounty(r) for r in rows]

    async def unsettled(self, q: Queries, now: int) -> list[Bounty]:
        """Bounties of every server that have started and are not settled yet."""
        rows = await q.fetch_all(
            "SELECT * FROM bounties WHERE settled_at IS NULL AND starts_at <= ? ORDER BY id",
            now,
        )
        return [_bounty(r) for r in rows]

    async def take_place(self, tx: Transaction, bounty_id: int) -> int | None:
        """One more winner, within the cap: the winner's place, or None when all are taken."""
        query = "UPDATE bounties SET winners = winners + 1 WHERE id = ? AND winners < max_winners"
        if await tx.execute(query, bounty_id) != 1:
            return None
        return int(await tx.fetch_val("SELECT winners FROM bounties WHERE id = ?", bounty_id))

    async def close(self, tx: Transaction, bounty_id: int, now: int) -> bool:
        """End the bounty now (its period too: a bonus counts sales up to now)."""
        query = """
            UPDATE bounties
            SET state = 'closed', closed_at = ?,
                ends_at = CASE WHEN ends_at > ? THEN max(?, starts_at + 1) ELSE ends_at END
            WHERE id = ? AND state = 'open'
        """
        return await tx.execute(query, now, now, now, bounty_id) == 1

    async def settle(self, tx: Transaction, bounty_id: int, now: int) -> None:
        await tx.execute(
            "UPDATE bounties SET settled_at = ? WHERE id = ? AND settled_at IS NULL",
            now,
            bounty_id,
        )

    # --- entries --------------------------------------------------------------------------

    async def entry(self, q: Queries, entry_id: int) -> BountyEntry | None:
        row = await q.fetch_one(_ENTRY + " WHERE e.id = ?", entry_id)
        return None if row is None else _entry(row)

    async def entry_of(self, q: Queries, bounty_id: int, creator_id: int) -> BountyEntry | None:
        row = await q.fetch_one(
            _ENTRY + " WHERE e.bounty_id = ? AND e.creator_id = ?", bounty_id, creator_id
        )
        return None if row is None else _entry(row)

    async def entries_of_creator(self, q: Queries, creator_id: int) -> list[BountyEntry]:
        rows = await q.fetch_all(_ENTRY + " WHERE e.creator_id = ? ORDER BY e.id", creator_id)
        return [_entry(r) for r in rows]

    async def winners(self, q: Queries, bounty_id: int) -> list[BountyEntry]:
        rows = await q.fetch_all(
            _ENTRY + " WHERE e.bounty_id = ? AND e.status = 'won' ORDER BY e.place", bounty_id
        )
        return [_entry(r) for r in rows]

    async def entrants(self, q: Queries, bounty_id: int) -> list[int]:
        """The creators with an entry in the bounty (any status)."""
        rows = await q.fetch_all(
            "SELECT creator_id FROM bounty_entries WHERE bounty_id = ?", bounty_id
        )
        return [int(r[0]) for r in rows]

    async def counts(self, q: Queries, bounty_id: int) -> EntryCounts:
        rows = await q.fetch_all(
            "SELECT status, count(*) FROM bounty_entries WHERE bounty_id = ? GROUP BY status",
            bounty_id,
        )
        found = {r[0]: int(r[1]) for r in rows}
        return EntryCounts(found.get("pending", 0), found.get("won", 0), found.get("rejected", 0))

    async def insert_submission(
        self, tx: Transaction, bounty_id: int, creator_id: int, url: str, now: int
    ) -> int:
        query = """
            INSERT INTO bounty_entries (bounty_id, creator_id, status, url, submitted_at)
            VALUES (?, ?, 'pending', ?, ?)
        """
        entry_id = await tx.insert(query, bounty_id, creator_id, url, now)
        assert entry_id is not None
        return entry_id

    async def resubmit(self, tx: Transaction, entry_id: int, url: str, now: int) -> bool:
        """A rejected submission handed in again: waiting for a manager once more."""
        query = """
            UPDATE bounty_entries
            SET status = 'pending', url = ?, submitted_at = ?, decided_at = NULL,
                decided_by = NULL, review_channel_id = NULL, review_message_id = NULL
            WHERE id = ? AND status = 'rejected'
        """
        return await tx.execute(query, url, now, entry_id) == 1

    async def win(
        self, tx: Transaction, entry_id: int, place: int, actor_id: int | None, now: int
    ) -> bool:
        query = """
            UPDATE bounty_entries SET status = 'won', place = ?, decided_at = ?, decided_by = ?
            WHERE id = ? AND status = 'pending'
        """
        return await tx.execute(query, place, now, actor_id, entry_id) == 1

    async def reject(self, tx: Transaction, entry_id: int, actor_id: int, now: int) -> bool:
        query = """
            UPDATE bounty_entries SET status = 'rejected', decided_at = ?, decided_by = ?
            WHERE id = ? AND status = 'pending'
        """
        return await tx.execute(query, now, actor_id, entry_id) == 1

    async def insert_win(
        self,
        tx: Transaction,
        bounty_id: int,
        creator_id: int,
        place: int,
        reached_at: int,
        now: int,
    ) -> int:
        """A performance bounty's winner (the sweep's decision)."""
        query = """
            INSERT INTO bounty_entries (bounty_id, creator_id, status, place, reached_at,
                                        submitted_at, decided_at)
            VALUES (?, ?, 'won', ?, ?, ?, ?)
        """
        entry_id = await tx.insert(query, bounty_id, creator_id, place, reached_at, now, now)
        assert entry_id is not None
        return entry_id

    async def set_reward(self, tx: Transaction, entry_id: int, amount: int) -> bool:
        query = """
            UPDATE bounty_entries SET reward_minor = ?
            WHERE id = ? AND status = 'won' AND reward_minor IS NULL
        """
        return await tx.execute(query, amount, entry_id) == 1

    async def unrewarded(self, q: Queries, bounty_id: int) -> list[BountyEntry]:
        rows = await q.fetch_all(
            _ENTRY + " WHERE e.bounty_id = ? AND e.status = 'won' AND e.reward_minor IS NULL",
            bounty_id,
        )
        return [_entry(r) for r in rows]

    async def untold(self, q: Queries, limit: int = 200) -> list[BountyEntry]:
        """Winners not told yet, in every server (oldest first)."""
        rows = await q.fetch_all(
            _ENTRY + " WHERE e.status = 'won' AND e.told_at IS NULL ORDER BY e.id LIMIT ?",
            limit,
        )
        return [_entry(r) for r in rows]

    async def mark_told(self, tx: Transaction, entry_id: int, now: int) -> None:
        await tx.execute(
            "UPDATE bounty_entries SET told_at = ? WHERE id = ? AND told_at IS NULL",
            now,
            entry_id,
        )

    async def set_card(
        self, tx: Transaction, entry_id: int, channel_id: int, message_id: int
    ) -> None:
        await tx.execute(
            "UPDATE bounty_entries SET review_channel_id = ?, review_message_id = ? WHERE id = ?",
            channel_id,
            message_id,
            entry_id,
        )

    # --- the sales a bounty is judged on --------------------------------------------------

    async def reached(
        self,
        q: Queries,
        guild_id: int,
        since: int,
        until: int,
        currency: str,
        goal: Goal,
    ) -> list[tuple[int, int]]:
        """Each creator whose attributed sales in ``[since, until)`` reach ``goal``, with the
        time of the order that reached it, earliest first (ties: the lower creator id)."""
        query = """
            SELECT creator_id, min(occurred_at) AS reached_at FROM (
                SELECT creator_id, occurred_at,
                       count(*) OVER w AS orders,
                       sum(net_minor - refunded_minor) OVER w AS revenue
                FROM conversions
                WHERE guild_id = ? AND occurred_at >= ? AND occurred_at < ?
                  AND kind = 'sale' AND status = 'active' AND currency = ?
                  AND creator_id IS NOT NULL
                WINDOW w AS (PARTITION BY creator_id ORDER BY occurred_at, id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
            ) AS running
            WHERE orders >= ? AND revenue >= ?
            GROUP BY creator_id
            ORDER BY reached_at, creator_id
        """
        rows = await q.fetch_all(
            query, guild_id, since, until, currency, goal.orders or 0, goal.minor or 0
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def sales(
        self, q: Queries, creator_id: int, since: int, until: int, currency: str
    ) -> int:
        """A creator's attributed net sales (after refunds) in ``[since, until)``."""
        query = """
            SELECT coalesce(sum(net_minor - refunded_minor), 0) FROM conversions
            WHERE creator_id = ? AND occurred_at >= ? AND occurred_at < ?
              AND kind = 'sale' AND status = 'active' AND currency = ?
        """
        return int(await q.fetch_val(query, creator_id, since, until, currency))
