"""Use case: segments (``/segment create|list|show|delete``), and :meth:`SegmentService.resolve`,
which bulk actions (broadcasts, bulk deliverables) call to turn a segment into creators.

A segment stores validated criteria, not creators: it is resolved by one query each time it
is used, so it always means the active creators who match *now*. ``all`` is every active
creator of the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.campaigns_repo import CampaignCatalog, CampaignRepository
from bot.db.connection import Database
from bot.db.levels_repo import LevelRepository
from bot.db.segments_repo import SegmentMember, SegmentRepository
from bot.domain.applications import Platform
from bot.domain.segments import (
    ALL,
    MAX_DAYS,
    MAX_SEGMENTS,
    MAX_TOP,
    PREVIEW_SIZE,
    InvalidSegment,
    Segment,
    SegmentCriteria,
    check_range,
    parse_day,
    parse_name,
    parse_niche,
)
from bot.domain.tiers import Tier
from bot.errors import CreatorbotError
from bot.services.settings import SettingsService


def _midnight(day: date | None, zone: ZoneInfo) -> int | None:
    """The start of ``day`` in the server's timezone, as epoch seconds."""
    return None if day is None else to_epoch(datetime.combine(day, time(), zone))


class UnknownSegment(CreatorbotError):
    """No segment of the server has this name.

    Attributes:
        name: the name as the manager typed it.
    """

    key = "segments.unknown"

    def __init__(self, name: str) -> None:
        super().__init__(name=name)
        self.name = name


@dataclass(frozen=True)
class SegmentView:
    """A segment with the names of the campaign and level it points at, for showing."""

    segment: Segment
    campaign: str | None
    level: str | None

    @property
    def name(self) -> str:
        return self.segment.name

    @property
    def criteria(self) -> SegmentCriteria:
        return self.segment.criteria


@dataclass(frozen=True)
class SegmentPreview:
    """What ``/segment show`` says: how many creators match now, and the first few."""

    view: SegmentView
    total: int
    first: tuple[SegmentMember, ...]


class SegmentService:
    def __init__(
        self,
        db: Database,
        repo: SegmentRepository,
        campaigns: CampaignRepository,
        catalog: CampaignCatalog,
        levels: LevelRepository,
        audit: AuditRepository,
        settings: SettingsService,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._campaigns = campaigns
        self._catalog = catalog
        self._levels = levels
        self._audit = audit
        self._settings = settings
        self._clock = clock

    async def create(
        self,
        guild_id: int,
        actor_id: int,
        name: str,
        *,
        tier: str | None = None,
        platform: str | None = None,
        campaign: str | None = None,
        level: str | None = None,
        niche: str | None = None,
        joined_after: str | None = None,
        joined_before: str | None = None,
        no_sale_days: int | None = None,
        top_revenue: int | None = None,
    ) -> SegmentView:
        """Validate the criteria and save them under ``name``.

        An unknown campaign or level raises an error naming it; nothing is saved then.
        """
        name = parse_name(name)
        campaign_id = level_id = None
        if campaign is not None and campaign.strip():
            found = await self._catalog.by_name_or_slug(self._db, guild_id, campaign.strip())
            if found is None:
                raise CreatorbotError("segments.unknown_campaign", name=campaign.strip()[:80])
            campaign_id = found.id
        if level is not None and level.strip():
            found_level = await self._levels.level_by_name(self._db, guild_id, level)
            if found_level is None:
                raise CreatorbotError("segments.unknown_level", name=level.strip()[:80])
            level_id = found_level.id
        try:
            wanted_tier = Tier(tier) if tier else None
        except ValueError:
            raise InvalidSegment("tier", str(tier)[:40]) from None
        try:
            wanted_platform = Platform(platform) if platform else None
        except ValueError:
            raise InvalidSegment("platform", str(platform)[:40]) from None
        after = parse_day(joined_after, "joined_after") if joined_after else None
        before = parse_day(joined_before, "joined_before") if joined_before else None
        if after and before and after >= before:
            raise InvalidSegment("dates", f"{after.isoformat()} – {before.isoformat()}")
        criteria = SegmentCriteria(
            tier=wanted_tier,
            platform=wanted_platform,
            campaign_id=campaign_id,
            level_id=level_id,
            niche_words=parse_niche(niche) if niche and niche.strip() else (),
            joined_after=after,
            joined_before=before,
            no_sale_days=(
                check_range(no_sale_days, MAX_DAYS, "no_sale_days")
                if no_sale_days is not None
                else None
            ),
            top_revenue=(
                check_range(top_revenue, MAX_TOP, "top_revenue")
                if top_revenue is not None
                else None
            ),
        )
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if await self._repo.count(tx, guild_id) >= MAX_SEGMENTS:
                raise InvalidSegment("too_many", str(MAX_SEGMENTS))
            segment_id = await self._repo.insert(
                tx, guild_id=guild_id, name=name, criteria=criteria, actor_id=actor_id, now=now
            )
            if segment_id is None:
                raise CreatorbotError("segments.exists", name=name)
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="segment.create",
                subject=f"segment:{segment_id}",
                detail={"name": name, "criteria": criteria.to_json()},
                now=now,
            )
            segment = await self._repo.by_name(tx, guild_id, name)
        assert segment is not None
        return await self._view(segment)

    async def list(self, guild_id: int) -> list[SegmentView]:
        """The server's segments by name."""
        return [await self._view(s) for s in await self._repo.segments(self._db, guild_id)]

    async def names(self, guild_id: int) -> list[str]:
        """The server's segment names (for autocomplete)."""
        return [s.name for s in await self._repo.segments(self._db, guild_id)]

    async def show(self, guild_id: int, name: str) -> SegmentPreview:
        """How many creators the segment matches now, and the first ten of them."""
        segment = await self._segment(guild_id, name)
        members = await self._members(guild_id, segment.criteria)
        return SegmentPreview(
            await self._view(segment), len(members), tuple(members[:PREVIEW_SIZE])
        )

    async def delete(self, guild_id: int, actor_id: int, name: str) -> Segment:
        """Delete a segment (the creators are untouched)."""
        segment = await self._segment(guild_id, name)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if await self._repo.delete(tx, segment.id):
                await self._audit.record(
                    tx,
                    guild_id=guild_id,
                    actor_id=actor_id,
                    action="segment.delete",
                    subject=f"segment:{segment.id}",
                    detail={"name": segment.name, "criteria": segment.criteria.to_json()},
                    now=now,
                )
        return segment

    async def resolve(self, guild_id: int, name: str) -> list[int]:
        """The ids of the active creators the segment ``name`` holds now (``all``: every
        active creator of the server), in a stable order; an empty list if none match.

        :class:`UnknownSegment` if the server has no segment by that name.
        """
        if " ".join(name.split()).lower() == ALL:
            criteria = SegmentCriteria()
        else:
            criteria = (await self._segment(guild_id, name)).criteria
        return [m.creator_id for m in await self._members(guild_id, criteria)]

    async def _segment(self, guild_id: int, name: str) -> Segment:
        segment = await self._repo.by_name(self._db, guild_id, " ".join(name.split()))
        if segment is None:
            raise UnknownSegment(name[:80])
        return segment

    async def _members(self, guild_id: int, criteria: SegmentCriteria) -> list[SegmentMember]:
        settings = await self._settings.get(guild_id)
        return await self._repo.members(
            self._db,
            guild_id,
            criteria,
            now=to_epoch(self._clock.now()),
            joined_after=_midnight(criteria.joined_after, settings.zone),
            joined_before=_midnight(criteria.joined_before, settings.zone),
            currency=settings.currency,
        )

    async def _view(self, segment: Segment) -> SegmentView:
        criteria = segment.criteria
        campaign = level = None
        if criteria.campaign_id is not None:
            found = await self._campaigns.get(self._db, criteria.campaign_id)
            campaign = found.name if found else f"#{criteria.campaign_id}"
        if criteria.level_id is not None:
            found_level = await self._levels.level(self._db, criteria.level_id)
            level = found_level.name if found_level else f"#{criteria.level_id}"
        return SegmentView(segment, campaign, level)
