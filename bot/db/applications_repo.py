"""SQL for ``applications``."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from typing import Any

from bot.clock import from_epoch
from bot.db.connection import Queries, Transaction
from bot.domain.applications import (
    Application,
    ApplicationInput,
    Assessment,
    Platform,
    Status,
)
from bot.domain.review_rules import ReviewRules, Rule
from bot.domain.tiers import Tier

_PENDING = "('open', 'info_requested')"


def _rules_to_json(rules: ReviewRules) -> str:
    return json.dumps(asdict(rules), sort_keys=True)


def _rules_from_json(text: str | None) -> ReviewRules | None:
    if text is None:
        return None
    stored: dict[str, Any] = json.loads(text)
    stored["approve_platforms"] = tuple(Platform(p) for p in stored["approve_platforms"])
    return ReviewRules(**stored)


def _from_row(row: sqlite3.Row) -> Application:
    return Application(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        platform=Platform(row["platform"]),
        handle=row["handle"],
        followers=row["followers"],
        niche=row["niche"],
        engagement_rate_bp=row["engagement_rate_bp"],
        profile_url=row["profile_url"],
        email=row["email"],
        locale=row["locale"],
        tier=Tier(row["tier"]),
        flags=tuple(f for f in row["flags"].split(",") if f),
        status=Status(row["status"]),
        info_question=row["info_question"],
        review_channel_id=row["review_channel_id"],
        review_message_id=row["review_message_id"],
        decided_by=row["decided_by"],
        decided_at=from_epoch(row["decided_at"]),
        decision_reason=row["decision_reason"],
        created_at=from_epoch(row["created_at"]),  # type: ignore[arg-type]
        decided_by_rule=Rule(row["decided_by_rule"]) if row["decided_by_rule"] else None,
        decided_rules=_rules_from_json(row["decided_rules"]),
    )


class ApplicationRepository:
    async def get(self, q: Queries, application_id: int) -> Application | None:
        row = await q.fetch_one("SELECT * FROM applications WHERE id = ?", application_id)
        return None if row is None else _from_row(row)

    async def pending_for(self, q: Queries, guild_id: int, user_id: int) -> Application | None:
        query = f"""
            SELECT * FROM applications
            WHERE guild_id = ? AND user_id = ? AND status IN {_PENDING}
        """
        row = await q.fetch_one(query, guild_id, user_id)
        return None if row is None else _from_row(row)

    async def pending_in(self, q: Queries, guild_id: int) -> list[Application]:
        """Every waiting application of a server (the review queue)."""
        query = f"""
            SELECT * FROM applications
            WHERE guild_id = ? AND status IN {_PENDING} AND user_id IS NOT NULL
            ORDER BY id
        """
        return [_from_row(row) for row in await q.fetch_all(query, guild_id)]

    async def last_rejection(self, q: Queries, guild_id: int, user_id: int) -> Application | None:
        query = """
            SELECT * FROM applications
            WHERE guild_id = ? AND user_id = ? AND status = 'rejected'
            ORDER BY decided_at DESC, id DESC LIMIT 1
        """
        row = await q.fetch_one(query, guild_id, user_id)
        return None if row is None else _from_row(row)

    async def insert(
        self,
        tx: Transaction,
        *,
        guild_id: int,
        user_id: int,
        data: ApplicationInput,
        assessment: Assessment,
        locale: str,
        now: int,
    ) -> int | None:
        """Insert an open application; ``None`` if the member has a pending one (the unique
        index decides)."""
        query = """
            INSERT INTO applications (
                guild_id, user_id, platform, handle, followers, niche, engagement_rate_bp,
                profile_url, email, locale, tier, flags, status, created_at, updated_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)
            ON CONFLICT DO NOTHING
        """
        return await tx.insert(
            query,
            guild_id,
            user_id,
            data.platform.value,
            data.handle,
            data.followers,
            data.niche,
            data.engagement_rate_bp,
            data.profile_url,
            data.email,
            locale,
            assessment.tier.value,
            ",".join(assessment.flags),
            now,
            now,
        )

    async def update_details(
        self,
        tx: Transaction,
        application_id: int,
        *,
        data: ApplicationInput,
        assessment: Assessment,
        locale: str,
        now: int,
    ) -> int:
        """The applicant's answer to a question: new details, and the card is open again."""
        query = f"""
            UPDATE applications SET
                platform = ?, handle = ?, followers = ?, niche = ?, engagement_rate_bp = ?,
                profile_url = ?, email = ?, locale = ?, tier = ?, flags = ?,
                status = 'open', updated_at = ?
            WHERE id = ? AND status IN {_PENDING}
        """
        return await tx.execute(
            query,
            data.platform.value,
            data.handle,
            data.followers,
            data.niche,
            data.engagement_rate_bp,
            data.profile_url,
            data.email,
            locale,
            assessment.tier.value,
            ",".join(assessment.flags),
            now,
            application_id,
        )

    async def set_card(
        self, tx: Transaction, application_id: int, channel_id: int, message_id: int
    ) -> None:
        query = """
            UPDATE applications SET review_channel_id = ?, review_message_id = ? WHERE id = ?
        """
        await tx.execute(query, channel_id, message_id, application_id)

    async def decide(
        self,
        tx: Transaction,
        application_id: int,
        *,
        status: Status,
        actor_id: int | None,
        reason: str | None,
        now: int,
        rule: Rule | None = None,
        rules: ReviewRules | None = None,
    ) -> bool:
        """Approve or reject a pending application; False if it was already decided.

        A rule's decision has no actor: ``rule`` and the ``rules`` that applied are stored.
        """
        query = f"""
            UPDATE applications
            SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ?,
                decided_by_rule = ?, decided_rules = ?, updated_at = ?
            WHERE id = ? AND status IN {_PENDING}
        """
        changed = await tx.execute(
            query,
            status.value,
            actor_id,
            now,
            reason,
            rule.value if rule else None,
            _rules_to_json(rules) if rules is not None else None,
            now,
            application_id,
        )
        return changed == 1

    async def reopen(self, tx: Transaction, application_id: int, *, now: int) -> bool:
        """Put a rule-rejected application back in the queue; False if it is not one (any
        more)."""
        query = """
            UPDATE applications
            SET status = 'open', decided_by = NULL, decided_at = NULL, decision_reason = NULL,
                decided_by_rule = NULL, decided_rules = NULL, updated_at = ?
            WHERE id = ? AND status = 'rejected' AND decided_by_rule IS NOT NULL
        """
        return await tx.execute(query, now, application_id) == 1

    async def request_info(
        self, tx: Transaction, application_id: int, *, question: str, now: int
    ) -> bool:
        query = f"""
            UPDATE applications
            SET status = 'info_requested', info_question = ?, updated_at = ?
            WHERE id = ? AND status IN {_PENDING}
        """
        return await tx.execute(query, question, now, application_id) == 1
