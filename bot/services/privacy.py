"""Use case: a member downloads or erases the personal data the program holds about them.

``export`` gathers one member's data in one server: applications, creator record, codes,
links, click counts (never visitor hashes), attributed conversions, commissions, payouts, the
payout method (masked), contracts, deliverables, DirectLink sites, gifts, bounty entries
and notifications.

``erase`` removes what identifies them in ONE transaction and keeps the anonymised money
records (conversions, commissions, the ledger, payout items) that the brand's bookkeeping
needs: creators.handle/email/user_id, applications' handle/email/profile_url/user_id and the
free text about them, the payout method, visitor hashes of their clicks and conversions, and
the link between them and their notifications, and the URLs of their bounty posts; their
DirectLink sites are deleted (which frees the claims). The creator row stays as ``erased-<id>``,
removed, with its discount code inactive.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database
from bot.db.creators_repo import CreatorRepository
from bot.db.payouts_repo import PayoutRepository
from bot.db.privacy_repo import PrivacyRepository
from bot.db.sites_repo import SiteRepository
from bot.domain.payout_methods import PayoutMethod
from bot.services.tracking import TrackingService

log = logging.getLogger(__name__)

EXPORT_VERSION = 1
_TIME_FIELDS = (
    "created_at",
    "decided_at",
    "occurred_at",
    "approve_after",
    "paid_at",
    "sent_at",
    "approved_at",
    "status_at",
    "due_at",
    "submitted_at",
    "starts_at",
    "ends_at",
    "updated_at",
    "metrics_at",
    "answered_at",
    "shipped_at",
    "delivered_at",
    "address_erased_at",
    "reached_at",
)
_SNOWFLAKE_SUFFIXES = ("guild_id", "user_id", "_channel_id", "_message_id", "_by")


@dataclass(frozen=True)
class ErasurePlan:
    """What the confirmation prompt warns about."""

    is_creator: bool
    applications: int
    unpaid: dict[str, int]  # earnings not paid out yet, per currency


@dataclass(frozen=True)
class Erasure:
    """What was erased, and the Discord messages and role that still show the member."""

    creator_id: int | None
    applications: int
    review_cards: list[tuple[int, int, int]]  # (application id, channel id, message id)
    site_cards: list[tuple[int, int, int]] = field(default_factory=list)  # (site id, …)
    bounty_cards: list[tuple[int, int, int]] = field(default_factory=list)  # (entry id, …)


class PrivacyService:
    def __init__(
        self,
        db: Database,
        repo: PrivacyRepository,
        creators: CreatorRepository,
        payouts: PayoutRepository,
        audit: AuditRepository,
        clock: Clock,
        public_url: str,
        tracking: TrackingService,
        sites: SiteRepository | None = None,
    ) -> None:
        self._db = db
        self._sites = sites or SiteRepository()
        self._tracking = tracking
        self._repo = repo
        self._creators = creators
        self._payouts = payouts
        self._audit = audit
        self._clock = clock
        self._public_url = public_url.rstrip("/")

    async def export(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Everything stored about the member in this server, as JSON-ready data."""
        q = self._db
        creator = await self._creators.by_member(q, guild_id, user_id)
        data: dict[str, Any] = {
            "format": f"creatorbot-export-{EXPORT_VERSION}",
            "exported_at": self._clock.now().isoformat(),
            "server_id": str(guild_id),
            "member_id": str(user_id),
            "applications": _times(await self._repo.applications(q, guild_id, user_id)),
            "creator": None,
            "notifications": _times(await self._repo.notifications(q, guild_id, user_id)),
        }
        if creator is not None:
            total, unique = await self._repo.click_counts(q, creator.id)
            stored = await self._payouts.method(q, creator.id)
            method = PayoutMethod.from_json(*stored) if stored else None
            data["creator"] = {
                "id": creator.id,
                "handle": creator.handle,
                "platform": creator.platform,
                "followers": creator.followers,
                "tier": creator.tier.value,
                "niche": creator.niche,
                "email": creator.email,
                "language": creator.locale,
                "status": creator.status.value,
                "public_earnings": creator.public_earnings,
                "approved_at": creator.approved_at.isoformat(),
                "status_at": creator.status_at.isoformat(),
            }
            data["discount_codes"] = _times(await self._repo.codes(q, creator.id))
            data["links"] = [
                {**link, "url": f"{self._public_url}/r/{link['slug']}"}
                for link in _times(await self._repo.links(q, creator.id))
            ]
            data["clicks"] = {"total": total, "unique": unique}
            data["conversions"] = _times(await self._repo.conversions(q, creator.id))
            data["commissions"] = _times(await self._repo.commissions(q, creator.id))
            data["payouts"] = _times(await self._repo.payouts(q, creator.id))
            data["payout_method"] = (
                {"method": method.provider.value, "details": method.masked()} if method else None
            )
            data["contracts"] = _times(await self._repo.rows_of_creator(q, "contracts", creator.id))
            data["deliverables"] = _times(
                await self._repo.rows_of_creator(q, "deliverables", creator.id)
            )
            data["sites"] = _times(await self._sites.export(q, creator.id))
            data["gifts"] = _times(await self._repo.gifts(q, creator.id))
            data["bounties"] = _times(await self._repo.bounty_entries(q, creator.id))
        async with self._db.transaction() as tx:
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=user_id,
                action="privacy.export",
                subject=f"creator:{creator.id}" if creator else None,
                now=to_epoch(self._clock.now()),
            )
        return data

    async def plan_erasure(self, guild_id: int, user_id: int) -> ErasurePlan:
        """What erasing would affect: shown before the member confirms."""
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        applications = await self._repo.applications(self._db, guild_id, user_id)
        unpaid = await self._repo.unpaid_earnings(self._db, creator.id) if creator else {}
        return ErasurePlan(creator is not None, len(applications), unpaid)

    async def erase_member(self, guild_id: int, user_id: int) -> Erasure:
        """``/privacy delete``, confirmed: clicks still queued in memory (they carry visitor
        hashes) are written first, then the data is erased, then the tracker stops serving
        the creator's links from memory."""
        await self._tracking.flush()
        erasure = await self.erase(guild_id, user_id)
        if erasure.creator_id is not None:
            self._tracking.forget_creator(erasure.creator_id)
        return erasure

    async def erase(self, guild_id: int, user_id: int) -> Erasure:
        """Erase the member's personal data in this server; keep anonymised money records."""
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            creator = await self._creators.by_member(tx, guild_id, user_id)
            cards = await self._repo.review_cards(tx, guild_id, user_id)
            site_cards = await self._sites.cards_of_creator(tx, creator.id) if creator else []
            bounty_cards = await self._repo.bounty_cards(tx, creator.id) if creator else []
            applications = await self._repo.erase_applications(tx, guild_id, user_id, now)
            gift_addresses = 0
            if creator is not None:
                gift_addresses = await self._repo.erase_gift_addresses(tx, creator.id, now)
                await self._repo.erase_creator(tx, creator.id, now)
                await self._creators.set_code_active(tx, creator.id, False)
                await self._repo.delete_payout_method(tx, creator.id)
                await self._repo.erase_visitor_hashes(tx, creator.id)
                await self._repo.erase_deliverable_posts(tx, creator.id, now)
                await self._repo.erase_contract_titles(tx, creator.id)
                await self._repo.erase_bounty_posts(tx, creator.id)
                # The URLs name the creator; deleting them also frees the claims.
                await self._sites.erase(tx, creator.id)
            await self._repo.detach_notifications(tx, guild_id, user_id)
            await self._repo.detach_self_service_audit(tx, guild_id, user_id)
            # Who asked is exactly what must not be kept: the entry names only the record.
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=None,
                action="privacy.delete",
                subject=f"creator:{creator.id}" if creator else None,
                detail={
                    "applications": applications,
                    "creator": creator is not None,
                    "gift_addresses": gift_addresses,
                },
                now=now,
            )
        log.info(
            "personal data erased in guild %s (creator %s, %d applications)",
            guild_id,
            creator.id if creator else None,
            applications,
        )
        return Erasure(
            creator.id if creator else None, applications, cards, site_cards, bounty_cards
        )


def export_bytes(data: dict[str, Any]) -> bytes:
    """The export as a readable UTF-8 JSON file."""
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()


def _times(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Epoch columns as ISO 8601 UTC; ids of Discord objects as strings (JSON numbers lose
    precision above 2**53 in most readers)."""
    out = []
    for row in rows:
        converted = {}
        for key, value in row.items():
            if key in _TIME_FIELDS and isinstance(value, int):
                moment = from_epoch(value)
                converted[key] = moment.isoformat() if moment else None
            elif key.endswith(_SNOWFLAKE_SUFFIXES) and isinstance(value, int):
                converted[key] = str(value)
            else:
                converted[key] = value
        out.append(converted)
    return out
