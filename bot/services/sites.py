"""Use case: DirectLink sites — creators claim them, managers decide, orders find them.

A creator registers a site with ``/sites add``; it waits for a manager (the review card's
Approve / Reject) and counts for attribution once approved. The profile URL of an
application is registered with its approval: approved at once when a manager approved the
application (they saw the URL on the card), waiting like any other when a rule did. A
creator who is removed or erased frees their claims.

:meth:`SiteService.match` is the conversion service's DirectLink lookup: the approved site
whose host is the order's referring host and whose path is the longest prefix of its path,
when its server's shop domains do not include the referrer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database, Transaction
from bot.db.creators_repo import CreatorRepository
from bot.db.sites_repo import SiteRepository
from bot.domain import notices
from bot.domain.attribution import SiteFacts
from bot.domain.creators import Creator
from bot.domain.settings import GuildSettings
from bot.domain.sites import (
    MAX_SITES,
    Refusal,
    Site,
    SiteMatch,
    SiteRefused,
    SiteStatus,
    best_site,
    is_shop_referrer,
    parse_url,
    referrer_match,
    shop_hosts,
    site_match,
)
from bot.errors import CreatorbotError, NotACreator
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)


class SiteNotFound(CreatorbotError):
    key = "sites.not_found"


class SiteAlreadyDecided(CreatorbotError):
    """Someone decided (or the creator took back) this site already."""

    key = "sites.already_decided"

    def __init__(self, site: Site, timezone: str) -> None:
        super().__init__(
            status=site.status.value, by=site.decided_by, at=site.decided_at, timezone=timezone
        )


@dataclass(frozen=True)
class SiteDecision:
    """A manager's decision on a site, and whom to tell."""

    site: Site
    creator: Creator
    notice: notices.Notice | None  # None when the creator erased their data


class SiteService:
    def __init__(
        self,
        db: Database,
        repo: SiteRepository,
        creators: CreatorRepository,
        audit: AuditRepository,
        settings: SettingsService,
        clock: Clock,
        shop_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self._db = db
        self._repo = repo
        self._creators = creators
        self._audit = audit
        self._settings = settings
        self._clock = clock
        # The connected stores' and the tracker's hosts: nobody's site, in any server.
        self._shop_hosts = shop_hosts

    def _shops(self, settings: GuildSettings) -> frozenset[str]:
        return self._shop_hosts | shop_hosts(settings.shop_url, *settings.allowed_domains)

    async def _active_creator(self, guild_id: int, user_id: int) -> Creator:
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None or not creator.is_active:
            raise NotACreator(own=True, status=creator.status.value if creator else None)
        return creator

    # --- creators -------------------------------------------------------------------------

    async def add(self, guild_id: int, user_id: int, url: str) -> Site:
        """Register a site for the member (an active creator); it waits for a manager.

        Raises :class:`SiteRefused` with the reason when the URL cannot be a site.
        """
        creator = await self._active_creator(guild_id, user_id)
        settings = await self._settings.get(guild_id)
        match = site_match(url, self._shops(settings))
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            site_id = await self._claim(
                tx, creator, url.strip(), match, SiteStatus.PENDING, None, now
            )
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=user_id,
                action="site.add",
                subject=f"site:{site_id}",
                now=now,
            )
            site = await self._repo.get(tx, site_id)
        assert site is not None
        log.info("site %s registered by creator %s", site.id, creator.id)
        return site

    async def _claim(
        self,
        tx: Transaction,
        creator: Creator,
        url: str,
        match: SiteMatch,
        status: SiteStatus,
        decided_by: int | None,
        now: int,
    ) -> int:
        existing = await self._repo.live_claim(tx, creator.guild_id, match)
        if existing is not None:
            mine = existing.creator_id == creator.id
            raise SiteRefused(Refusal.DUPLICATE if mine else Refusal.TAKEN, site=str(match))
        if await self._repo.count_live(tx, creator.id) >= MAX_SITES:
            raise SiteRefused(Refusal.LIMIT)
        site_id = await self._repo.insert(
            tx,
            guild_id=creator.guild_id,
            creator_id=creator.id,
            url=url[:300],
            match=match,
            status=status,
            decided_by=decided_by,
            now=now,
        )
        if site_id is None:  # claimed by another transaction a moment ago
            raise SiteRefused(Refusal.TAKEN, site=str(match))
        return site_id

    async def sites(self, guild_id: int, user_id: int) -> list[Site]:
        """The member's sites with their status (pending, approved, rejected)."""
        creator = await self._active_creator(guild_id, user_id)
        return await self._repo.of_creator(self._db, creator.id, live_only=False)

    async def live_sites(self, guild_id: int, user_id: int) -> list[Site]:
        """The member's pending and approved sites (what ``/sites remove`` offers)."""
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None or not creator.is_active:
            return []
        return await self._repo.of_creator(self._db, creator.id, live_only=True)

    async def remove(self, guild_id: int, user_id: int, which: str) -> Site:
        """Take back one of the member's live sites, named by its id or its address."""
        creator = await self._active_creator(guild_id, user_id)
        live = await self._repo.of_creator(self._db, creator.id, live_only=True)
        wanted = which.strip().lstrip("#")
        found = next((s for s in live if wanted.isdigit() and s.id == int(wanted)), None)
        if found is None:
            match = parse_url(wanted)
            found = next((s for s in live if match is not None and s.match == match), None)
        if found is None:
            raise SiteNotFound(site=which[:100])
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if not await self._repo.remove(tx, found.id, now):
                raise SiteNotFound(site=which[:100])
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=user_id,
                action="site.remove",
                subject=f"site:{found.id}",
                now=now,
            )
            removed = await self._repo.get(tx, found.id)
        assert removed is not None
        return removed

    # --- managers -------------------------------------------------------------------------

    async def site(self, guild_id: int, site_id: int) -> Site:
        found = await self._repo.get(self._db, site_id)
        if found is None or found.guild_id != guild_id:
            raise SiteNotFound(site=str(site_id))
        return found

    async def creator_of(self, site: Site) -> Creator:
        creator = await self._creators.get(self._db, site.creator_id)
        assert creator is not None
        return creator

    async def attach_card(self, site_id: int, channel_id: int, message_id: int) -> None:
        """Remember where the site's review card is, so a decision can update it."""
        async with self._db.transaction() as tx:
            await self._repo.set_card(tx, site_id, channel_id, message_id)

    async def decide(
        self, guild_id: int, site_id: int, actor_id: int, *, approve: bool
    ) -> SiteDecision:
        """Approve or reject a pending site; :class:`SiteAlreadyDecided` when it is not
        pending any more (another manager was first, or the creator took it back)."""
        settings = await self._settings.get(guild_id)
        now = to_epoch(self._clock.now())
        status = SiteStatus.APPROVED if approve else SiteStatus.REJECTED
        async with self._db.transaction() as tx:
            site = await self._repo.get(tx, site_id)
            if site is None or site.guild_id != guild_id:
                raise SiteNotFound(site=str(site_id))
            if not await self._repo.decide(tx, site_id, status, actor_id, now):
                raise SiteAlreadyDecided(site, settings.timezone)
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action=f"site.{'approve' if approve else 'reject'}",
                subject=f"site:{site_id}",
                detail={"creator": site.creator_id},
                now=now,
            )
            decided = await self._repo.get(tx, site_id)
            creator = await self._creators.get(tx, site.creator_id)
        assert decided is not None and creator is not None
        notice = (
            notices.site_decision(guild_id, creator.user_id, site_id)
            if creator.user_id is not None
            else None
        )
        return SiteDecision(decided, creator, notice)

    # --- onboarding and leaving -----------------------------------------------------------

    async def claim_profile(
        self,
        tx: Transaction,
        creator: Creator,
        url: str,
        settings: GuildSettings,
        *,
        approved_by: int | None,
        now: int,
    ) -> Site | None:
        """Register an approved application's profile URL, in the approval's transaction:
        approved when a manager approved the application (``approved_by``), pending when a
        rule did. ``None`` when it cannot be a site (or is one already): the creator can
        still add others."""
        try:
            match = site_match(url, self._shops(settings))
            status = SiteStatus.APPROVED if approved_by is not None else SiteStatus.PENDING
            site_id = await self._claim(tx, creator, url, match, status, approved_by, now)
        except SiteRefused as refused:
            log.info("profile URL of creator %s is not a site: %s", creator.id, refused.reason)
            return None
        await self._audit.record(
            tx,
            guild_id=creator.guild_id,
            actor_id=approved_by,
            action="site.profile",
            subject=f"site:{site_id}",
            detail={"status": status.value},
            now=now,
        )
        return await self._repo.get(tx, site_id)

    async def free_claims(self, tx: Transaction, creator_id: int, now: int) -> int:
        """A creator leaves the program: their live sites are removed (others may claim
        them), in the caller's transaction."""
        return await self._repo.free_claims(tx, creator_id, now)

    # --- attribution ----------------------------------------------------------------------

    async def match(self, referrer: str | None) -> SiteFacts | None:
        """The approved site an order's referring site belongs to, if any (DirectLink).

        The longest matching path wins. A referrer on a server's own shop domains never
        matches that server's sites; the same match claimed in several servers matches
        none (the order cannot say which server it belongs to).
        """
        ref = referrer_match(referrer)
        if ref is None:
            return None
        owners = await self._repo.approved_on_host(self._db, ref.host)
        if not owners:
            return None
        shops: dict[int, frozenset[str]] = {}
        candidates = []
        for owner in owners:
            guild_id = owner.site.guild_id
            if guild_id not in shops:
                shops[guild_id] = self._shops(await self._settings.get(guild_id))
            if not is_shop_referrer(ref, shops[guild_id]):
                candidates.append(owner)
        best = best_site(ref, [owner.site for owner in candidates])
        if not best:
            return None
        if len({site.guild_id for site in best}) > 1:
            log.info("referrer matches sites of %d servers: not attributed", len(best))
            return None
        site = best[0]
        active = next(o.creator_active for o in candidates if o.site.id == site.id)
        return SiteFacts(site.id, site.guild_id, site.creator_id, active)
