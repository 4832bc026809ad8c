"""Use case: broadcasts (``/broadcast segment|status``): one brief, one DM per creator.

The modal's brief is stored as a draft (with the segment, the campaign whose links stand in
for its link, the image and the channel), so the confirmation's Send button works after a
restart. Send resolves the segment at that moment, freezes the creators as the items of one
job of kind ``broadcast`` and marks the draft as sending, in one transaction: pressing Send
twice starts one job. Each item is one creator's DM, sent through
:meth:`NotificationService.send` under a dedupe key per broadcast and creator, so a restart
half-way never sends anyone the broadcast twice: an interrupted item whose DM was already
claimed is only counted.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.broadcasts_repo import BroadcastRepository
from bot.db.campaigns_repo import CampaignCatalog, CampaignRepository
from bot.db.connection import Database
from bot.db.creators_repo import CreatorRepository
from bot.db.jobs_repo import JobRepository
from bot.domain import notices
from bot.domain.broadcasts import (
    DM_CLOSED,
    DM_FAILED,
    DM_SENT,
    INACTIVE,
    RECENT,
    Broadcast,
    BroadcastState,
    Tally,
    check_image,
    is_everyone,
    link_campaign,
    needs_second_confirmation,
    tally,
    validate_brief,
)
from bot.domain.creators import Campaign, Creator
from bot.domain.jobs import Job, JobItem, JobKind
from bot.errors import CreatorbotError
from bot.services.jobs import JobService
from bot.services.links import ensure_link
from bot.services.notifications import Delivery, NotificationService, Sender
from bot.services.segments import SegmentService
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)


class EmptySegment(CreatorbotError):
    """The segment holds no active creator right now: nothing is stored or sent."""

    key = "broadcasts.empty"

    def __init__(self, segment: str) -> None:
        super().__init__(segment=segment, everyone=is_everyone(segment))


class BroadcastNotFound(CreatorbotError):
    key = "broadcasts.not_found"


class NotADraft(CreatorbotError):
    """Send or Cancel on a broadcast that was already sent or cancelled."""

    key = "broadcasts.not_a_draft"

    def __init__(self, state: BroadcastState) -> None:
        super().__init__(state=state.value)
        self.state = state


class ConfirmAgain(CreatorbotError):
    """A broadcast to everyone above the threshold: Send must be confirmed a second time.

    Attributes:
        recipients: how many creators it would go to.
    """

    key = "broadcasts.confirm_everyone"

    def __init__(self, recipients: int) -> None:
        super().__init__(n=recipients)
        self.recipients = recipients


class NoCampaignForLink(CreatorbotError):
    """A link was given but the server has no campaign whose links could stand in for it."""

    key = "broadcasts.no_campaign"


@dataclass(frozen=True)
class Draft:
    """A stored draft and what its confirmation says."""

    broadcast: Broadcast
    campaign: Campaign | None


@dataclass(frozen=True)
class Recipient:
    """One creator's item of a broadcast job: what to send, or why not.

    ``skipped`` names why nothing is sent; ``earlier`` is what became of the DM when an
    interrupted run already claimed it (then it is never sent again).
    """

    broadcast: Broadcast
    creator: Creator | None = None
    notice: notices.Notice | None = None
    link_url: str | None = None
    skipped: str | None = None
    earlier: Delivery | None = None

    @property
    def language(self) -> str:
        return self.creator.locale if self.creator else "en"


@dataclass(frozen=True)
class BroadcastStatus:
    """One line of ``/broadcast status``."""

    broadcast: Broadcast
    tally: Tally


class BroadcastService:
    def __init__(
        self,
        db: Database,
        repo: BroadcastRepository,
        job_repo: JobRepository,
        jobs: JobService,
        segments: SegmentService,
        campaigns: CampaignRepository,
        catalog: CampaignCatalog,
        creators: CreatorRepository,
        notifications: NotificationService,
        settings: SettingsService,
        audit: AuditRepository,
        clock: Clock,
        public_url: str,
        rng: random.Random | None = None,
    ) -> None:
        self._db = db
        self._repo = repo
        self._job_repo = job_repo
        self._jobs = jobs
        self._segments = segments
        self._campaigns = campaigns
        self._catalog = catalog
        self._creators = creators
        self._notifications = notifications
        self._settings = settings
        self._audit = audit
        self._clock = clock
        self._public_url = public_url
        self._rng = rng or random.SystemRandom()

    # --- the draft ------------------------------------------------------------------------

    async def check_options(
        self,
        guild_id: int,
        segment: str,
        campaign: str | None = None,
        image_type: str | None = None,
        *,
        has_image: bool = False,
    ) -> int:
        """Check the command's options before the modal opens; return how many creators the
        segment holds now. Unknown segment or campaign, a non-image attachment or an empty
        segment each raise an error naming it."""
        if has_image:
            check_image(image_type)
        await self._chosen_campaign(guild_id, campaign)
        recipients = await self._segments.resolve(guild_id, segment)
        if not recipients:
            raise EmptySegment(_segment_name(segment))
        return len(recipients)

    async def draft(
        self,
        guild_id: int,
        actor_id: int,
        *,
        segment: str,
        title: str,
        text: str,
        link: str | None = None,
        campaign: str | None = None,
        image_url: str | None = None,
        image_type: str | None = None,
        channel_id: int | None = None,
    ) -> Draft:
        """Check the brief and store it as a draft waiting for Send.

        A link off the allowed destination domains, an unknown segment or campaign, a
        non-image attachment or an empty segment raise an error and store nothing.
        """
        settings = await self._settings.get(guild_id)
        brief = validate_brief(title, text, link, settings.destination_domains())
        if image_url is not None:
            check_image(image_type)
        chosen = await self._chosen_campaign(guild_id, campaign)
        active = await self._campaigns.active(self._db, guild_id)
        standing_in = link_campaign(brief.link, chosen, active)
        if brief.link is not None and standing_in is None:
            raise NoCampaignForLink()
        segment = _segment_name(segment)
        recipients = await self._segments.resolve(guild_id, segment)
        if not recipients:
            raise EmptySegment(segment)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            broadcast_id = await self._repo.insert_draft(
                tx,
                guild_id=guild_id,
                segment=segment,
                campaign_id=standing_in.id if standing_in else None,
                brief=brief,
                image_url=image_url,
                channel_id=channel_id,
                recipients=len(recipients),
                actor_id=actor_id,
                now=now,
            )
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="broadcast.create",
                subject=f"broadcast:{broadcast_id}",
                detail={
                    "segment": segment,
                    "campaign_id": standing_in.id if standing_in else None,
                    "recipients": len(recipients),
                    "channel_id": channel_id,
                },
                now=now,
            )
            broadcast = await self._repo.get(tx, broadcast_id)
        assert broadcast is not None
        return Draft(broadcast, standing_in)

    async def get(self, guild_id: int, broadcast_id: int) -> Broadcast:
        broadcast = await self._repo.get(self._db, broadcast_id)
        if broadcast is None or broadcast.guild_id != guild_id:
            raise BroadcastNotFound()
        return broadcast

    async def cancel(self, guild_id: int, broadcast_id: int, actor_id: int) -> Broadcast:
        """Drop a draft: nothing is sent."""
        broadcast = await self.get(guild_id, broadcast_id)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if not await self._repo.cancel(tx, broadcast.id):
                raise NotADraft(broadcast.state)
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="broadcast.cancel",
                subject=f"broadcast:{broadcast.id}",
                now=now,
            )
        return await self.get(guild_id, broadcast_id)

    # --- sending --------------------------------------------------------------------------

    async def start(
        self, guild_id: int, broadcast_id: int, actor_id: int, *, confirmed: bool = False
    ) -> Job:
        """Resolve the segment now and start the job sending the draft to each creator.

        :class:`ConfirmAgain` when it goes to everyone in a big program and ``confirmed``
        is not set; :class:`EmptySegment` when nobody matches any more; :class:`NotADraft`
        when it was sent or cancelled already (a second press starts nothing).
        """
        broadcast = await self.get(guild_id, broadcast_id)
        if broadcast.state is not BroadcastState.DRAFT:
            raise NotADraft(broadcast.state)
        recipients = await self._segments.resolve(guild_id, broadcast.segment)
        if not recipients:
            raise EmptySegment(broadcast.segment)
        if needs_second_confirmation(broadcast.segment, len(recipients)) and not confirmed:
            raise ConfirmAgain(len(recipients))
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            job_id = await self._job_repo.insert(
                tx,
                guild_id=guild_id,
                kind=JobKind.BROADCAST,
                created_by=actor_id,
                params={"broadcast_id": broadcast.id, "title": broadcast.title},
                subject_ids=recipients,
                now=now,
            )
            sending = await self._repo.mark_sending(
                tx,
                broadcast.id,
                job_id=job_id,
                recipients=len(recipients),
                actor_id=actor_id,
                now=now,
            )
            if not sending:
                fresh = await self._repo.get(tx, broadcast.id)
                raise NotADraft(fresh.state if fresh else BroadcastState.CANCELLED)
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="broadcast.send",
                subject=f"broadcast:{broadcast.id}",
                detail={
                    "segment": broadcast.segment,
                    "recipients": len(recipients),
                    "job_id": job_id,
                },
                now=now,
            )
        log.info("broadcast %s: sending to %s creators", broadcast.id, len(recipients))
        return await self._jobs.get(job_id)

    async def of_job(self, job: Job) -> Broadcast:
        broadcast = await self._repo.by_job(self._db, job.id)
        if broadcast is None:
            raise BroadcastNotFound()
        return broadcast

    async def recipient(self, job: Job, item: JobItem) -> Recipient:
        """One creator's item: the notice and link to send, or why not (paused or removed
        since Send), or what an interrupted run already did."""
        broadcast = await self.of_job(job)
        creator = await self._creators.get(self._db, item.subject_id)
        if creator is None or not creator.is_active or creator.user_id is None:
            return Recipient(broadcast, creator, skipped=INACTIVE)
        notice = notices.broadcast(broadcast.guild_id, creator.user_id, broadcast.id, creator.id)
        earlier = await self._notifications.status(notice) if item.interrupted else None
        if earlier is not None:
            log.info(
                "broadcast %s: creator %s was claimed before a restart", broadcast.id, creator.id
            )
            if earlier is not Delivery.UNFINISHED:
                return Recipient(broadcast, creator, notice, earlier=earlier)
        link_url = await self._link_url(broadcast, creator)
        return Recipient(broadcast, creator, notice, link_url, earlier=earlier)

    async def post_once(self, broadcast: Broadcast, sender: Sender) -> Delivery:
        """Post the broadcast in its channel, at most once."""
        return await self._notifications.post_once(
            broadcast.guild_id,
            notices.NoticeKind.BROADCAST_POST,
            notices.broadcast_post_key(broadcast.id),
            sender,
        )

    async def _link_url(self, broadcast: Broadcast, creator: Creator) -> str | None:
        """The creator's own tracking link for the broadcast's campaign (made if missing)."""
        if broadcast.campaign_id is None:
            return None
        for _ in range(2):
            for link in await self._creators.links(self._db, creator.id):
                if link.campaign_id == broadcast.campaign_id:
                    return link.url(self._public_url)
            campaign = await self._campaigns.get(self._db, broadcast.campaign_id)
            if campaign is None or not campaign.active:
                return None
            async with self._db.transaction() as tx:
                await ensure_link(
                    tx,
                    self._creators,
                    self._rng,
                    guild_id=creator.guild_id,
                    creator_id=creator.id,
                    campaign_id=campaign.id,
                    now=to_epoch(self._clock.now()),
                )
        return None

    # --- status ---------------------------------------------------------------------------

    async def tally(self, broadcast: Broadcast) -> Tally:
        """Where the broadcast's DMs stand."""
        if broadcast.job_id is None:
            return tally(broadcast.recipients, {}, False)
        job = await self._jobs.get(broadcast.job_id)
        return tally(job.total, job.counts, job.finished)

    async def recent(self, guild_id: int) -> list[BroadcastStatus]:
        """The server's last ten broadcasts with their counts, newest first."""
        return [
            BroadcastStatus(b, await self.tally(b))
            for b in await self._repo.recent(self._db, guild_id, RECENT)
        ]

    async def _chosen_campaign(self, guild_id: int, campaign: str | None) -> Campaign | None:
        if campaign is None or not campaign.strip():
            return None
        found = await self._catalog.by_name_or_slug(self._db, guild_id, campaign.strip())
        if found is None or not found.active:
            raise CreatorbotError("broadcasts.unknown_campaign", name=campaign.strip()[:80])
        return found


def dm_outcome(delivery: Delivery) -> str:
    """The outcome word counted on the job for what became of one DM."""
    if delivery is Delivery.SENT:
        return DM_SENT
    if delivery is Delivery.UNDELIVERABLE:
        return DM_CLOSED
    return DM_FAILED


def _segment_name(segment: str) -> str:
    name = " ".join(segment.split())
    return "all" if is_everyone(name) else name
