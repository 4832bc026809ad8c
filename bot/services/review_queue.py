"""Use case: the review queue of waiting applications, and approving or rejecting all that
match.

Approving all matching is a job (:mod:`bot.services.jobs`) of kind
``approve_applications``: one item per application, each approved through
:meth:`OnboardingService.approve`, so the decision, the creator and the code are the same as
a click on the card. A restart half-way never approves anyone twice: an interrupted item
whose application this job's manager approved is recognised and only completed.

Rejecting all matching is the same with kind ``reject_applications``: one reason for all
(in the job's params), each application rejected through :meth:`OnboardingService.reject`
and its applicant told once by the rejection DM, whose dedupe key survives a restart.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from bot.db.applications_repo import ApplicationRepository
from bot.db.connection import Database
from bot.domain import notices
from bot.domain.applications import Application, Platform, Status
from bot.domain.jobs import Job, JobItem, JobKind
from bot.domain.review_queue import QueueFilter, QueuePage, page_of, queue
from bot.domain.tiers import Tier
from bot.errors import CreatorbotError
from bot.services.jobs import JobService
from bot.services.notifications import Delivery, NotificationService
from bot.services.onboarding import (
    AlreadyDecided,
    ApplicationNotFound,
    Approval,
    OnboardingService,
    Rejection,
    clean_reason,
)

log = logging.getLogger(__name__)


class EmptyQueue(CreatorbotError):
    """No waiting application matches the filter: nothing to list or approve."""

    key = "queue.empty"


# Outcomes of an approval item, counted on the job.
DM_SENT = "dm_sent"
DM_CLOSED = "dm_closed"
DM_FAILED = "dm_failed"
DECIDED_ELSEWHERE = "decided_elsewhere"


@dataclass(frozen=True)
class ApprovalStep:
    """What to do with one item of a bulk approval.

    ``approval`` is set when the application is (now) approved by this job; ``welcome`` is
    what became of its welcome DM if that was already attempted (an interrupted item), in
    which case the Discord side must not run again. ``skipped`` names why nothing happens.
    """

    approval: Approval | None = None
    welcome: Delivery | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class RejectionStep:
    """What to do with one item of a bulk rejection, as :class:`ApprovalStep`.

    ``dm`` is what became of the rejection DM if an interrupted run already tried it.
    """

    rejection: Rejection | None = None
    dm: Delivery | None = None
    skipped: str | None = None


def filter_params(chosen: QueueFilter) -> dict[str, Any]:
    return {key: value for key, value in asdict(chosen).items() if value is not None}


def filter_from_params(params: dict[str, Any]) -> QueueFilter:
    return QueueFilter(
        status=Status(params["status"]) if params.get("status") else None,
        tier=Tier(params["tier"]) if params.get("tier") else None,
        platform=Platform(params["platform"]) if params.get("platform") else None,
        min_engagement=params.get("min_engagement"),
        niche=params.get("niche"),
    )


class ReviewQueueService:
    def __init__(
        self,
        db: Database,
        applications: ApplicationRepository,
        onboarding: OnboardingService,
        notifications: NotificationService,
        jobs: JobService,
    ) -> None:
        self._db = db
        self._applications = applications
        self._onboarding = onboarding
        self._notifications = notifications
        self._jobs = jobs

    async def matching(self, guild_id: int, chosen: QueueFilter) -> list[Application]:
        """Every waiting application the filter matches, best engagement ratio first."""
        return queue(await self._applications.pending_in(self._db, guild_id), chosen)

    async def page(self, guild_id: int, chosen: QueueFilter, page: int) -> QueuePage:
        """One page of ten of the filtered queue; :class:`EmptyQueue` when nothing matches."""
        ordered = await self.matching(guild_id, chosen)
        if not ordered:
            raise EmptyQueue()
        return page_of(ordered, page)

    async def start_approval(self, guild_id: int, actor_id: int, chosen: QueueFilter) -> Job:
        """One job approving every application the filter matches now, best first."""
        ordered = await self.matching(guild_id, chosen)
        if not ordered:
            raise EmptyQueue()
        return await self._jobs.create(
            guild_id,
            JobKind.APPROVE_APPLICATIONS,
            actor_id,
            [a.id for a in ordered],
            params=filter_params(chosen),
        )

    async def start_rejection(
        self, guild_id: int, actor_id: int, chosen: QueueFilter, reason: str
    ) -> Job:
        """One job rejecting every application the filter matches now, all for one reason."""
        reason = clean_reason(reason)
        ordered = await self.matching(guild_id, chosen)
        if not ordered:
            raise EmptyQueue()
        return await self._jobs.create(
            guild_id,
            JobKind.REJECT_APPLICATIONS,
            actor_id,
            [a.id for a in ordered],
            params={**filter_params(chosen), "reason": reason},
        )

    async def rejection_step(self, job: Job, item: JobItem) -> RejectionStep:
        """Reject one item's application, or find out what an interrupted run did with it."""
        try:
            rejection = await self._onboarding.reject(
                job.guild_id, item.subject_id, job.created_by, job.params["reason"]
            )
        except ApplicationNotFound:
            return RejectionStep(skipped=DECIDED_ELSEWHERE)
        except AlreadyDecided:
            recovered = await self._recover_rejection(job, item) if item.interrupted else None
            return recovered or RejectionStep(skipped=DECIDED_ELSEWHERE)
        return RejectionStep(rejection=rejection)

    async def rejection_outcome(self, rejection: Rejection) -> str:
        """dm_sent, dm_closed or dm_failed for the rejection DM."""
        return outcome_of(await self._notifications.status(_rejection_notice(rejection)))

    async def _recover_rejection(self, job: Job, item: JobItem) -> RejectionStep | None:
        application = await self._onboarding.application(job.guild_id, item.subject_id)
        if application.status is not Status.REJECTED or application.decided_by != job.created_by:
            return None
        rejection = await self._onboarding.past_rejection(application)
        dm = await self._notifications.status(_rejection_notice(rejection))
        log.info("job %s: application %s was rejected before a restart", job.id, application.id)
        return RejectionStep(rejection=rejection, dm=dm)

    async def approval_step(self, job: Job, item: JobItem) -> ApprovalStep:
        """Approve one item's application, or find out what an interrupted run did with it."""
        try:
            approval = await self._onboarding.approve(job.guild_id, item.subject_id, job.created_by)
        except ApplicationNotFound:
            return ApprovalStep(skipped=DECIDED_ELSEWHERE)
        except AlreadyDecided:
            recovered = await self._recover(job, item) if item.interrupted else None
            if recovered is None:
                return ApprovalStep(skipped=DECIDED_ELSEWHERE)
            return recovered
        return ApprovalStep(approval=approval)

    async def welcome_outcome(self, approval: Approval) -> str:
        """dm_sent, dm_closed or dm_failed for the approval's welcome DM."""
        status = await self._notifications.status(_welcome(approval.application, approval))
        return outcome_of(status)

    async def _recover(self, job: Job, item: JobItem) -> ApprovalStep | None:
        application = await self._onboarding.application(job.guild_id, item.subject_id)
        if application.status is not Status.APPROVED or application.decided_by != job.created_by:
            return None
        assert application.user_id is not None
        profile = await self._onboarding.profile(job.guild_id, application.user_id)
        assert profile.code is not None  # an approval always gives the creator a code
        approval = Approval(application, profile.creator, profile.code, profile.links, False)
        welcome = await self._notifications.status(_welcome(application, approval))
        log.info("job %s: application %s was approved before a restart", job.id, application.id)
        return ApprovalStep(approval=approval, welcome=welcome)


def outcome_of(delivery: Delivery | None) -> str:
    if delivery is Delivery.SENT:
        return DM_SENT
    if delivery is Delivery.UNDELIVERABLE:
        return DM_CLOSED
    return DM_FAILED


def _welcome(application: Application, approval: Approval) -> notices.Notice:
    assert application.user_id is not None
    return notices.welcome(
        application.guild_id, application.user_id, approval.creator.id, application.id
    )


def _rejection_notice(rejection: Rejection) -> notices.Notice:
    application = rejection.application
    assert application.user_id is not None
    return notices.rejection(application.guild_id, application.user_id, application.id)
