"""SQL for ``guild_settings``."""

from __future__ import annotations

import sqlite3

from bot.db.connection import Queries, Transaction
from bot.domain.applications import Platform
from bot.domain.settings import GuildSettings
from bot.domain.tiers import parse_thresholds


def _from_row(row: sqlite3.Row) -> GuildSettings:
    domains = tuple(d for d in row["allowed_domains"].split(",") if d)
    return GuildSettings(
        guild_id=row["guild_id"],
        review_channel_id=row["review_channel_id"],
        announcements_channel_id=row["announcements_channel_id"],
        creator_role_id=row["creator_role_id"],
        manager_role_id=row["manager_role_id"],
        shop_url=row["shop_url"],
        allowed_domains=domains,
        commission_rate_bp=row["commission_rate_bp"],
        timezone=row["timezone"],
        currency=row["currency"],
        summary_cron=row["summary_cron"],
        hold_days=row["hold_days"],
        payout_threshold_minor=row["payout_threshold_minor"],
        reminder_offsets=row["reminder_offsets"],
        discount_percent=row["discount_percent"],
        reapply_cooldown_days=row["reapply_cooldown_days"],
        tier_thresholds=parse_thresholds(row["tier_thresholds"]),
        attribution_window_days=row["attribution_window_days"],
        code_beats_click=bool(row["code_beats_click"]),
        auto_approve_min_followers=row["auto_approve_min_followers"],
        auto_approve_max_followers=row["auto_approve_max_followers"],
        auto_approve_min_ratio=row["auto_approve_min_ratio"],
        auto_approve_platforms=tuple(
            Platform(p) for p in row["auto_approve_platforms"].split(",") if p
        ),
        auto_reject_below_followers=row["auto_reject_below_followers"],
        auto_reject_implausible=bool(row["auto_reject_implausible"]),
        code_once_per_customer=bool(row["code_once_per_customer"]),
        gift_address_retention_days=row["gift_address_retention_days"],
    )


class SettingsRepository:
    async def get(self, q: Queries, guild_id: int) -> GuildSettings | None:
        row = await q.fetch_one("SELECT * FROM guild_settings WHERE guild_id = ?", guild_id)
        return None if row is None else _from_row(row)

    async def all(self, q: Queries) -> list[GuildSettings]:
        rows = await q.fetch_all("SELECT * FROM guild_settings ORDER BY guild_id")
        return [_from_row(r) for r in rows]

    async def save(self, tx: Transaction, settings: GuildSettings, now: int) -> None:
        query = """
            INSERT INTO guild_settings (
                guild_id, review_channel_id, announcements_channel_id, creator_role_id,
                manager_role_id, shop_url, allowed_domains, commission_rate_bp, timezone,
                currency, summary_cron, hold_days, payout_threshold_minor, reminder_offsets,
                discount_percent, reapply_cooldown_days, tier_thresholds,
                attribution_window_days, code_beats_click, auto_approve_min_followers,
                auto_approve_max_followers, auto_approve_min_ratio, auto_approve_platforms,
                auto_reject_below_followers, auto_reject_implausible, code_once_per_customer,
                gift_address_retention_days, created_at, updated_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                      ?, ?, ?, ?)
            ON CONFLICT (guild_id) DO UPDATE SET
                review_channel_id = excluded.review_channel_id,
                announcements_channel_id = excluded.announcements_channel_id,
                creator_role_id = excluded.creator_role_id,
                manager_role_id = excluded.manager_role_id,
                shop_url = excluded.shop_url,
                allowed_domains = excluded.allowed_domains,
                commission_rate_bp = excluded.commission_rate_bp,
                timezone = excluded.timezone,
                currency = excluded.currency,
                summary_cron = excluded.summary_cron,
                hold_days = excluded.hold_days,
                payout_threshold_minor = excluded.payout_threshold_minor,
                reminder_offsets = excluded.reminder_offsets,
                discount_percent = excluded.discount_percent,
                reapply_cooldown_days = excluded.reapply_cooldown_days,
                tier_thresholds = excluded.tier_thresholds,
                attribution_window_days = excluded.attribution_window_days,
                code_beats_click = excluded.code_beats_click,
                auto_approve_min_followers = excluded.auto_approve_min_followers,
                auto_approve_max_followers = excluded.auto_approve_max_followers,
                auto_approve_min_ratio = excluded.auto_approve_min_ratio,
                auto_approve_platforms = excluded.auto_approve_platforms,
                auto_reject_below_followers = excluded.auto_reject_below_followers,
                auto_reject_implausible = excluded.auto_reject_implausible,
                code_once_per_customer = excluded.code_once_per_customer,
                gift_address_retention_days = excluded.gift_address_retention_days,
                updated_at = excluded.updated_at
        """
        s = settings
        await tx.execute(
            query,
            s.guild_id,
            s.review_channel_id,
            s.announcements_channel_id,
            s.creator_role_id,
            s.manager_role_id,
            s.shop_url,
            ",".join(s.allowed_domains),
            s.commission_rate_bp,
            s.timezone,
            s.currency,
            s.summary_cron,
            s.hold_days,
            s.payout_threshold_minor,
            s.reminder_offsets,
            s.discount_percent,
            s.reapply_cooldown_days,
            ",".join(str(n) for n in s.tier_thresholds),
            s.attribution_window_days,
            int(s.code_beats_click),
            s.auto_approve_min_followers,
            s.auto_approve_max_followers,
            s.auto_approve_min_ratio,
            ",".join(p.value for p in s.auto_approve_platforms),
            s.auto_reject_below_followers,
            int(s.auto_reject_implausible),
            int(s.code_once_per_customer),
            s.gift_address_retention_days,
            now,
            now,
        )
