"""Use case: the same deliverables, or the same contract, for every creator of a segment
(``/deliverable add segment:``, ``/contract create segment:``).

The request is stored as a draft and answered with a confirmation naming how many creators
it reaches; the confirmation's buttons carry only the draft's id, so they work after a
restart. Confirming resolves the segment at that moment and starts one job of kind
``bulk_deliverables`` (one item per creator) in the same transaction that marks the draft
started, so pressing twice starts one job. Each item writes the creator's deliverables (or
contract) in one transaction under a unique key per request and creator (and slot): a restart
half-way finds what was made and never makes it twice. A creator who already has such a
deliverable due within a day (or an active contract of the same title) is skipped and
counted, and so is one paused or removed since the confirmation, each with that reason.
Each creator is told once (a notice per request and creator); reminders then run for each
deliverable as for any other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.bulk_requests_repo import BulkRequestRepository
from bot.db.connection import Database, Transaction
from bot.db.creators_repo import CreatorRepository
from bot.db.deliverables_repo import DeliverableRepository
from bot.db.jobs_repo import JobRepository
from bot.domain import notices
from bot.domain.applications import Platform
from bot.domain.bulk_requests import (
    ALREADY_HAS_ONE,
    MAX_COUNT,
    BulkRequest,
    BulkState,
    already_has_one,
    not_reachable,
)
from bot.domain.commission import parse_money
from bot.domain.creators import Creator
from bot.domain.deliverables import Contract, ContractTerms, Deliverable, Kind, parse_due
from bot.domain.jobs import Job, JobItem, JobKind
from bot.errors import CreatorbotError
from bot.services.deliverables import DeliverableService
from bot.services.jobs import JobService
from bot.services.notifications import Delivery, NotificationService, Sender
from bot.services.segments import SegmentService
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)


class NobodyInSegment(CreatorbotError):
    """The segment holds no active creator: nothing is planned."""

    key = "deliverables.bulk_empty"

    def __init__(self, segment: str) -> None:
        super().__init__(segment=segment[:80])


class BulkNotFound(CreatorbotError):
    key = "deliverables.bulk_not_found"


class BulkNotADraft(CreatorbotError):
    """Confirm or Cancel pressed on a request that was already started or cancelled."""

    key = "deliverables.bulk_not_a_draft"

    def __init__(self, state: BulkState) -> None:
        super().__init__(state=state.value)


class InvalidCount(CreatorbotError):
    key = "deliverables.bulk_count"

    def __init__(self) -> None:
        super().__init__(maximum=MAX_COUNT)


@dataclass(frozen=True)
class BulkItem:
    """One creator's item: the deliverables planned for them, or why none were.

    ``earlier`` is what became of the creator's DM when an interrupted run already tried it;
    it is then never sent again. ``clash`` is the deliverable that made the creator skipped.
    """

    request: BulkRequest
    creator: Creator | None = None
    planned: tuple[Deliverable, ...] = ()
    notice: notices.Notice | None = None
    earlier: Delivery | None = None
    skipped: str | None = None
    clash: Deliverable | None = None
    contract: Contract | None = None


class BulkRequestService:
    def __init__(
        self,
        db: Database,
        repo: BulkRequestRepository,
        deliverables: DeliverableRepository,
        contracts: DeliverableService,
        creators: CreatorRepository,
        job_repo: JobRepository,
        jobs: JobService,
        segments: SegmentService,
        notifications: NotificationService,
        settings: SettingsService,
        audit: AuditRepository,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._deliverables = deliverables
        self._contracts = contracts
        self._creators = creators
        self._job_repo = job_repo
        self._jobs = jobs
        self._segments = segments
        self._notifications = notifications
        self._settings = settings
        self._audit = audit
        self._clock = clock

    async def ask(
        self,
        guild_id: int,
        actor_id: int,
        *,
        segment: str,
        platform: str,
        kind: str,
        due: str,
        fee: str | None = None,
        count: int = 1,
    ) -> BulkRequest:
        """Store the request as a draft; :class:`NobodyInSegment` if it would reach nobody."""
        if not 1 <= count <= MAX_COUNT:
            raise InvalidCount()
        settings = await self._settings.get(guild_id)
        now = self._clock.now()
        due_at = parse_due(due, settings.timezone, now)
        fee_minor = parse_money(fee, settings.currency) if fee else 0
        name = " ".join(segment.split())
        recipients = await self._segments.resolve(guild_id, name)
        if not recipients:
            raise NobodyInSegment(name)
        async with self._db.transaction() as tx:
            request_id = await self._repo.insert(
                tx,
                guild_id=guild_id,
                segment=name,
                platform=Platform(platform).value,
                kind=Kind(kind),
                count=count,
                due_at=to_epoch(due_at),
                fee_minor=fee_minor,
                currency=settings.currency,
                recipients=len(recipients),
                created_by=actor_id,
                now=to_epoch(now),
            )
            request = await self._repo.get(tx, request_id)
        assert request is not None
        return request

    async def ask_contract(
        self, guild_id: int, actor_id: int, *, segment: str, terms: ContractTerms
    ) -> BulkRequest:
        """Store a contract for every creator of the segment as a draft."""
        name = " ".join(segment.split())
        recipients = await self._segments.resolve(guild_id, name)
        if not recipients:
            raise NobodyInSegment(name)
        async with self._db.transaction() as tx:
            request_id = await self._repo.insert(
                tx,
                guild_id=guild_id,
                segment=name,
                currency=terms.currency,
                fee_minor=terms.fee_minor,
                terms=terms,
                recipients=len(recipients),
                created_by=actor_id,
                now=to_epoch(self._clock.now()),
            )
            request = await self._repo.get(tx, request_id)
        assert request is not None
        return request

    async def get(self, guild_id: int, request_id: int) -> BulkRequest:
        request = await self._repo.get(self._db, request_id)
        if request is None or request.guild_id != guild_id:
            raise BulkNotFound()
        return request

    async def start(self, guild_id: int, actor_id: int, request_id: int) -> Job:
        """Resolve the segment now and start the job, once; the draft becomes started."""
        request = await self.get(guild_id, request_id)
        if request.state is not BulkState.DRAFT:
            raise BulkNotADraft(request.state)
        recipients = await self._segments.resolve(guild_id, request.segment)
        if not recipients:
            raise NobodyInSegment(request.segment)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            job_id = await self._job_repo.insert(
                tx,
                guild_id=guild_id,
                kind=JobKind.BULK_DELIVERABLES,
                created_by=actor_id,
                params={
                    "bulk_id": request.id,
                    "what": request.what.value,
                    "per_creator": request.per_creator,
                },
                subject_ids=recipients,
                now=now,
            )
            if not await self._repo.start(
                tx, request.id, job_id=job_id, recipients=len(recipients)
            ):
                fresh = await self._repo.get(tx, request.id)
                raise BulkNotADraft(fresh.state if fresh else BulkState.CANCELLED)
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action=f"{request.what.value}.bulk",
                subject=f"bulk_request:{request.id}",
                detail={
                    "what": request.what.value,
                    "segment": request.segment,
                    "creators": len(recipients),
                    "per_creator": request.per_creator,
                    "job_id": job_id,
                },
                now=now,
            )
        log.info("bulk deliverables %s started as job %s", request.id, job_id)
        return await self._jobs.get(job_id)

    async def cancel(self, guild_id: int, actor_id: int, request_id: int) -> BulkRequest:
        request = await self.get(guild_id, request_id)
        async with self._db.transaction() as tx:
            if not await self._repo.cancel(tx, request.id):
                fresh = await self._repo.get(tx, request.id)
                raise BulkNotADraft(fresh.state if fresh else BulkState.CANCELLED)
        return request

    async def plan_item(self, job: Job, item: JobItem) -> BulkItem:
        """Write one creator's deliverables (or contract), or find what an interrupted run
        wrote."""
        request = await self._repo.get(self._db, int(job.params["bulk_id"]))
        assert request is not None
        creator = await self._creators.get(self._db, item.subject_id)
        gone = not_reachable(creator)
        if gone is not None:
            return BulkItem(request, creator, skipped=gone)
        assert creator is not None and creator.user_id is not None
        async with self._db.transaction() as tx:
            if request.terms is not None:
                step = await self._contract_item(tx, request, creator)
            else:
                step = await self._deliverables_item(tx, request, creator)
        if step.skipped is not None:
            return step
        notice = notices.deliverables_planned(
            request.guild_id, creator.user_id, request.id, creator.id
        )
        earlier = await self._notifications.status(notice) if item.interrupted else None
        return replace(step, notice=notice, earlier=earlier)

    async def _deliverables_item(
        self, tx: Transaction, request: BulkRequest, creator: Creator
    ) -> BulkItem:
        assert request.platform and request.kind and request.count and request.due_at
        planned = await self._deliverables.of_bulk(tx, request.id, creator.id)
        if planned:
            return BulkItem(request, creator, tuple(planned))
        stamp = to_epoch(self._clock.now())
        existing = await self._deliverables.of_creator(tx, creator.id, stamp)
        clash = already_has_one(existing, request.platform, request.kind, request.due_at)
        if clash is not None:
            return BulkItem(request, creator, skipped=ALREADY_HAS_ONE, clash=clash)
        for slot in range(1, request.count + 1):
            new_id = await self._deliverables.insert(
                tx,
                guild_id=request.guild_id,
                creator_id=creator.id,
                contract_id=None,
                platform=request.platform,
                kind=request.kind.value,
                due_at=to_epoch(request.due_at),
                fee_minor=request.fee_minor,
                currency=request.currency,
                created_by=request.created_by,
                now=stamp,
                bulk_id=request.id,
                bulk_slot=slot,
            )
            await self._audit.record(
                tx,
                guild_id=request.guild_id,
                actor_id=request.created_by,
                action="deliverable.add",
                subject=f"deliverable:{new_id}",
                detail={"bulk_id": request.id},
                now=stamp,
            )
        planned = await self._deliverables.of_bulk(tx, request.id, creator.id)
        return BulkItem(request, creator, tuple(planned))

    async def _contract_item(
        self, tx: Transaction, request: BulkRequest, creator: Creator
    ) -> BulkItem:
        assert request.terms is not None
        made = await self._deliverables.contract_of_bulk(tx, request.id, creator.id)
        if made is None:
            title = request.terms.title
            if await self._deliverables.active_contract_titled(tx, creator.id, title):
                return BulkItem(request, creator, skipped=ALREADY_HAS_ONE)
            made = await self._contracts.write_contract(
                tx, creator, request.created_by, request.terms, bulk_id=request.id
            )
        contract, planned = made
        return BulkItem(request, creator, tuple(planned), contract=contract)

    async def tell(self, step: BulkItem, sender: Sender) -> Delivery:
        """Tell the creator about their new deliverables, once per request."""
        assert step.notice is not None
        return await self._notifications.send_once(step.notice, sender)
