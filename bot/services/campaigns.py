"""Use case: campaigns (where links lead), creators' links and codes, the code export."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.campaigns_repo import CampaignCatalog, CampaignRepository
from bot.db.connection import Database
from bot.db.creators_repo import CreatorRepository
from bot.domain.codes import slugify
from bot.domain.creators import Campaign, Creator, DiscountCode, Link
from bot.domain.links import destination_allowed, validate_destination
from bot.domain.settings import GuildSettings
from bot.errors import CreatorbotError, NotACreator
from bot.services.links import ensure_link
from bot.services.settings import SettingsService

CODE_EXPORT_HEADER = ("code", "discount_percent", "status", "creator", "utm_source", "guild_id")


class UnknownCampaign(CreatorbotError):
    key = "campaigns.unknown"


class UnknownPlan(CreatorbotError):
    key = "campaigns.unknown_plan"


class CampaignExists(CreatorbotError):
    key = "campaigns.exists"


@dataclass(frozen=True)
class CreatedCampaign:
    campaign: Campaign
    links_created: int


class CampaignService:
    def __init__(
        self,
        db: Database,
        campaigns: CampaignRepository,
        catalog: CampaignCatalog,
        creators: CreatorRepository,
        audit: AuditRepository,
        settings: SettingsService,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self._db = db
        self._campaigns = campaigns
        self._catalog = catalog
        self._creators = creators
        self._audit = audit
        self._settings = settings
        self._clock = clock
        self._rng = rng or random.SystemRandom()

    async def create(
        self, guild_id: int, actor_id: int, name: str, url: str, plan: str | None = None
    ) -> CreatedCampaign:
        """A new destination; every active creator gets a link for it at once."""
        settings = await self._settings.get(guild_id)
        destination = validate_destination(url, settings.destination_domains())
        name = " ".join(name.split())[:80]
        slug = slugify(name, "campaign")
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            plan_id = None
            if plan:
                plan_id = await self._catalog.plan_id_by_name(tx, guild_id, plan)
                if plan_id is None:
                    raise UnknownPlan(plan=plan[:60])
            campaign_id = await self._catalog.create(
                tx,
                guild_id=guild_id,
                name=name,
                slug=slug,
                destination_url=destination,
                plan_id=plan_id,
                created_by=actor_id,
                now=now,
            )
            if campaign_id is None:
                raise CampaignExists(slug=slug)
            created = 0
            for creator_id in await self._catalog.active_creator_ids(tx, guild_id):
                created += await ensure_link(
                    tx,
                    self._creators,
                    self._rng,
                    guild_id=guild_id,
                    creator_id=creator_id,
                    campaign_id=campaign_id,
                    now=now,
                )
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="campaign.create",
                subject=f"campaign:{campaign_id}",
                detail={"slug": slug, "destination": destination, "plan_id": plan_id},
                now=now,
            )
            campaign = await self._campaigns.get(tx, campaign_id)
        assert campaign is not None
        return CreatedCampaign(campaign, created)

    async def follow_shop_url(self, settings: GuildSettings) -> None:
        """Keep the default campaign pointing at the shop when ``shop_url`` changes."""
        if settings.shop_url:
            async with self._db.transaction() as tx:
                await self._campaigns.set_default_destination(
                    tx, settings.guild_id, settings.shop_url
                )

    async def overview(self, guild_id: int) -> list[tuple[Campaign, int, bool]]:
        """Every campaign of the server with its number of creator links, and whether its
        destination is still on the allowed domains (if not, its links answer 404)."""
        allowed = (await self._settings.get(guild_id)).destination_domains()
        return [
            (campaign, count, destination_allowed(campaign.destination_url, allowed))
            for campaign, count in await self._catalog.with_link_counts(self._db, guild_id)
        ]

    async def unreachable(self, guild_id: int) -> list[Campaign]:
        """Active campaigns whose destination is off the allowed domains (links answer 404)."""
        overview = await self.overview(guild_id)
        return [c for c, _, reachable in overview if c.active and not reachable]

    async def campaign_names(self, guild_id: int) -> list[str]:
        return [c.name for c in await self._campaigns.active(self._db, guild_id)]

    async def plan_names(self, guild_id: int) -> list[str]:
        return await self._catalog.plan_names(self._db, guild_id)

    async def _active_creator(self, guild_id: int, user_id: int) -> Creator:
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None or not creator.is_active:
            raise NotACreator(own=True, status=creator.status.value if creator else None)
        return creator

    async def links(self, guild_id: int, user_id: int, campaign: str | None) -> list[Link]:
        """The member's links, or the one for ``campaign`` (name or slug)."""
        creator = await self._active_creator(guild_id, user_id)
        links = await self._creators.links(self._db, creator.id)
        if campaign:
            wanted = campaign.strip().lower()
            links = [
                link for link in links if wanted in (link.campaign_slug, link.campaign_name.lower())
            ]
            if not links:
                raise UnknownCampaign(name=campaign[:80])
        return links

    async def code(self, guild_id: int, user_id: int) -> DiscountCode:
        creator = await self._active_creator(guild_id, user_id)
        code = await self._creators.code(self._db, creator.id)
        if code is None:
            raise NotACreator(own=True)
        return code

    async def export_codes_csv(self, guild_id: int | None) -> tuple[str, int]:
        """All codes as CSV for the shop's import (inactive ones marked); and the row count."""
        rows = await self._catalog.code_rows(self._db, guild_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CODE_EXPORT_HEADER)
        for r in rows:
            status = "active" if r.active and r.creator_status == "active" else "inactive"
            writer.writerow(
                (r.code, r.discount_percent, status, r.handle or "", r.source_slug, r.guild_id)
            )
        return buffer.getvalue(), len(rows)
