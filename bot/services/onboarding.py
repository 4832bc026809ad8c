"""Use case: creators apply, managers decide, approved creators get a link and a code.

Every decision is one transaction: the application's state, the creator, the default plan
and campaign, the links, the code and the audit entry commit together or not at all. What
happens on Discord afterwards (the role, the DM, the card) is the caller's job and can fail
without undoing the decision.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock, to_epoch
from bot.db.applications_repo import ApplicationRepository
from bot.db.audit_repo import AuditRepository
from bot.db.campaigns_repo import CampaignRepository
from bot.db.connection import Database, Transaction
from bot.db.creators_repo import CreatorRepository
from bot.domain.applications import (
    Application,
    Assessment,
    Status,
    assess,
    can_decide,
    cooldown_ends,
    validate_application,
)
from bot.domain.codes import code_candidates, source_slug
from bot.domain.creators import Creator, CreatorStatus, DiscountCode, Link
from bot.domain.review_rules import Rule, Verdict, decide, undo_deadline
from bot.domain.sites import Site
from bot.errors import CreatorbotError, NotACreator
from bot.services.links import ensure_link
from bot.services.settings import SettingsService
from bot.services.sites import SiteService

log = logging.getLogger(__name__)

MAX_CODE_TRIES = 50
MAX_REASON = 500


class ApplicationsClosed(CreatorbotError):
    """The server has no review channel yet."""

    key = "onboarding.closed"


class AlreadyCreator(CreatorbotError):
    key = "onboarding.already_creator"


class AlreadyApplied(CreatorbotError):
    key = "onboarding.already_applied"


class ReapplyCooldown(CreatorbotError):
    """A rejected member applied again too soon; ``until`` is when they may."""

    key = "onboarding.cooldown"

    def __init__(self, until: datetime, timezone: str) -> None:
        super().__init__(until=until, timezone=timezone)


class AlreadyDecided(CreatorbotError):
    """Someone decided this application already: who, when, and how."""

    key = "onboarding.already_decided"

    def __init__(self, application: Application, timezone: str) -> None:
        super().__init__(
            status=application.status.value,
            by=application.decided_by,
            rule=application.decided_by_rule,
            at=application.decided_at,
            timezone=timezone,
        )


class AlreadyReopened(CreatorbotError):
    """Someone re-opened this rule-rejected application a moment ago: it waits again."""

    key = "onboarding.already_reopened"


class ReopenTooLate(CreatorbotError):
    """A rule's rejection can be undone only within a day of the decision."""

    key = "onboarding.reopen_too_late"

    def __init__(self, decided_at: datetime, timezone: str) -> None:
        super().__init__(at=decided_at, timezone=timezone)


class AppliedAgain(CreatorbotError):
    """The applicant has a newer application waiting, so the old one cannot wait too."""

    key = "onboarding.reopen_applied_again"

    def __init__(self, user_id: int) -> None:
        super().__init__(user=user_id)


class ApplicationNotFound(CreatorbotError):
    key = "onboarding.no_application"


class ShopNotConfigured(CreatorbotError):
    """Approval needs the shop URL: the default campaign's destination."""

    key = "onboarding.no_shop"


class InvalidReason(CreatorbotError):
    key = "onboarding.bad_reason"


@dataclass(frozen=True)
class ApplyResult:
    application: Application
    answered_question: bool  # True when this /apply answered a manager's question
    # Set when an auto-review rule decided the new application at once.
    decision: Approval | Rejection | None = None


@dataclass(frozen=True)
class Approval:
    application: Application
    creator: Creator
    code: DiscountCode
    links: list[Link]
    reactivated: bool
    # The application's profile URL as a DirectLink site (approved with the application by
    # a manager, waiting when a rule approved); None when there was none that could be one.
    site: Site | None = None


@dataclass(frozen=True)
class Rejection:
    application: Application
    may_reapply_at: datetime


@dataclass(frozen=True)
class CreatorProfile:
    """What ``/creator info`` and the welcome message show."""

    creator: Creator
    code: DiscountCode | None
    links: list[Link]


class OnboardingService:
    def __init__(
        self,
        db: Database,
        applications: ApplicationRepository,
        creators: CreatorRepository,
        campaigns: CampaignRepository,
        audit: AuditRepository,
        settings: SettingsService,
        clock: Clock,
        rng: random.Random | None = None,
        links_changed: Callable[[int], None] | None = None,
        sites: SiteService | None = None,
    ) -> None:
        self._db = db
        # DirectLink: an approved application's profile URL becomes a site; a removed
        # creator's sites are freed.
        self._sites = sites
        # Told the creator id when a creator's links start or stop attributing (the
        # tracker's link cache), after the change is committed.
        self._links_changed = links_changed or (lambda _creator_id: None)
        self._applications = applications
        self._creators = creators
        self._campaigns = campaigns
        self._audit = audit
        self._settings = settings
        self._clock = clock
        self._rng = rng or random.SystemRandom()

    # --- creator side -------------------------------------------------------------------

    async def apply(
        self,
        guild_id: int,
        user_id: int,
        *,
        platform: str,
        handle: str,
        followers: int,
        niche: str,
        engagement_rate: str | None = None,
        profile_url: str | None = None,
        email: str | None = None,
        locale: str = "en",
    ) -> ApplyResult:
        """File an application, or update the pending one that a manager asked about."""
        settings = await self._settings.get(guild_id)
        if settings.review_channel_id is None:
            raise ApplicationsClosed()
        data = validate_application(
            platform=platform,
            handle=handle,
            followers=followers,
            niche=niche,
            engagement_rate=engagement_rate,
            profile_url=profile_url,
            email=email,
        )
        assessment = assess(data, settings.tier_thresholds)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            creator = await self._creators.by_member(tx, guild_id, user_id)
            if creator is not None and creator.status is not CreatorStatus.REMOVED:
                raise AlreadyCreator(status=creator.status.value)
            pending = await self._applications.pending_for(tx, guild_id, user_id)
            if pending is not None and pending.status is Status.INFO_REQUESTED:
                await self._applications.update_details(
                    tx,
                    pending.id,
                    data=data,
                    assessment=assessment,
                    locale=locale,
                    now=to_epoch(now),
                )
                await self._record(tx, guild_id, user_id, "application.answer", pending.id)
                updated = await self._applications.get(tx, pending.id)
                assert updated is not None
                return ApplyResult(updated, answered_question=True)
            if pending is not None:
                raise AlreadyApplied(since=pending.created_at, timezone=settings.timezone)
            rejection = await self._applications.last_rejection(tx, guild_id, user_id)
            if rejection is not None and rejection.decided_at is not None:
                until = cooldown_ends(rejection.decided_at, settings.reapply_cooldown_days)
                if now < until:
                    raise ReapplyCooldown(until, settings.timezone)
            new_id = await self._applications.insert(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                data=data,
                assessment=assessment,
                locale=locale,
                now=to_epoch(now),
            )
            if new_id is None:
                # Another process filed one between our read and this insert.
                raise AlreadyApplied(since=now, timezone=settings.timezone)
            await self._record(tx, guild_id, user_id, "application.create", new_id)
            application = await self._applications.get(tx, new_id)
        assert application is not None
        log.info("application %s filed in guild %s", application.id, guild_id)
        decision = await self._decide_by_rule(application, assessment)
        if decision is not None:
            return ApplyResult(decision.application, answered_question=False, decision=decision)
        return ApplyResult(application, answered_question=False)

    async def _decide_by_rule(
        self, application: Application, assessment: Assessment
    ) -> Approval | Rejection | None:
        """Let the server's auto-review rules decide a new application, if one applies.

        The decision goes through :meth:`approve` / :meth:`reject` like a manager's, with the
        rule instead of a person. An approval that cannot happen yet (no shop configured) is
        left to a manager.
        """
        settings = await self._settings.get(application.guild_id)
        verdict = decide(
            settings.review_rules,
            followers=application.followers,
            platform=application.platform,
            engagement=assessment.engagement,
        )
        if verdict is None:
            return None
        try:
            if verdict.verdict is Verdict.APPROVE:
                return await self.approve(
                    application.guild_id, application.id, None, rule=verdict.rule
                )
            return await self._reject(
                application.guild_id, application.id, None, None, rule=verdict.rule
            )
        except ShopNotConfigured:
            log.info("application %s matches auto-approval but no shop is set", application.id)
        except AlreadyDecided:
            log.info("application %s was decided before its rule could", application.id)
        return None

    async def attach_card(self, application_id: int, channel_id: int, message_id: int) -> None:
        """Remember where the review card is, so decisions can update it later."""
        async with self._db.transaction() as tx:
            await self._applications.set_card(tx, application_id, channel_id, message_id)

    # --- manager side -------------------------------------------------------------------

    async def application(self, guild_id: int, application_id: int) -> Application:
        found = await self._applications.get(self._db, application_id)
        if found is None or found.guild_id != guild_id:
            raise ApplicationNotFound()
        return found

    async def ensure_pending(self, application: Application) -> None:
        """Raise :class:`AlreadyDecided` if the application can no longer be decided."""
        if not can_decide(application.status):
            settings = await self._settings.get(application.guild_id)
            raise AlreadyDecided(application, settings.timezone)

    async def pending_application(self, guild_id: int, user_id: int) -> Application:
        found = await self._applications.pending_for(self._db, guild_id, user_id)
        if found is None:
            raise ApplicationNotFound()
        return found

    async def approve(
        self,
        guild_id: int,
        application_id: int,
        actor_id: int | None,
        *,
        rule: Rule | None = None,
    ) -> Approval:
        """Approve: creator, default plan and campaign, links and code, in one transaction.

        ``actor_id`` is the manager; an auto-review ``rule`` approves with no actor, and the
        server's rules at this moment are stored with the decision.
        """
        settings = await self._settings.get(guild_id)
        if not settings.shop_url:
            raise ShopNotConfigured()
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            application = await self._decidable(tx, guild_id, application_id, settings.timezone)
            assert application.user_id is not None and application.handle is not None
            await self._applications.decide(
                tx,
                application.id,
                status=Status.APPROVED,
                actor_id=actor_id,
                reason=None,
                now=now,
                rule=rule,
                rules=settings.review_rules if rule else None,
            )
            existing = await self._creators.by_member(tx, guild_id, application.user_id)
            await self._campaigns.ensure_default_plan(tx, guild_id, now)
            await self._campaigns.ensure_default(tx, guild_id, settings.shop_url, now)
            creator_id = await self._creators.upsert_approved(
                tx,
                guild_id=guild_id,
                user_id=application.user_id,
                application_id=application.id,
                handle=application.handle,
                source_slug=source_slug(application.handle),
                platform=application.platform.value,
                followers=application.followers,
                tier=application.tier.value,
                niche=application.niche,
                email=application.email,
                locale=application.locale,
                approved_by=actor_id,
                now=now,
            )
            links = await self._ensure_links(tx, guild_id, creator_id, now)
            code = await self._ensure_code(
                tx, guild_id, creator_id, application.handle, settings.discount_percent, now
            )
            await self._record(
                tx,
                guild_id,
                actor_id,
                "application.approve",
                application.id,
                creator=creator_id,
                **({"rule": rule.value} if rule else {}),
            )
            creator = await self._creators.get(tx, creator_id)
            decided = await self._applications.get(tx, application.id)
            assert creator is not None
            site = None
            if self._sites is not None and application.profile_url:
                site = await self._sites.claim_profile(
                    tx, creator, application.profile_url, settings, approved_by=actor_id, now=now
                )
        assert creator is not None and decided is not None
        log.info("application %s approved: creator %s", application_id, creator_id)
        return Approval(decided, creator, code, links, reactivated=existing is not None, site=site)

    async def reject(
        self, guild_id: int, application_id: int, actor_id: int, reason: str
    ) -> Rejection:
        """Reject with a reason the applicant will read; starts the re-apply cooldown."""
        return await self._reject(guild_id, application_id, actor_id, clean_reason(reason))

    async def _reject(
        self,
        guild_id: int,
        application_id: int,
        actor_id: int | None,
        reason: str | None,
        *,
        rule: Rule | None = None,
    ) -> Rejection:
        # A rule's rejection stores no reason text: the rule is the reason, and the card and
        # the DM name it in their reader's language.
        settings = await self._settings.get(guild_id)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            application = await self._decidable(tx, guild_id, application_id, settings.timezone)
            await self._applications.decide(
                tx,
                application.id,
                status=Status.REJECTED,
                actor_id=actor_id,
                reason=reason,
                now=to_epoch(now),
                rule=rule,
                rules=settings.review_rules if rule else None,
            )
            await self._record(
                tx,
                guild_id,
                actor_id,
                "application.reject",
                application.id,
                **({"rule": rule.value} if rule else {}),
            )
            decided = await self._applications.get(tx, application.id)
        assert decided is not None
        return Rejection(decided, cooldown_ends(now, settings.reapply_cooldown_days))

    async def reopen(self, guild_id: int, application_id: int, actor_id: int) -> Application:
        """Undo a rule's rejection within a day: the application waits for a manager again.

        The re-apply cooldown goes with the rejection. Raises :class:`AlreadyReopened` when
        someone was first, :class:`AlreadyDecided` when a person decided it,
        :class:`ReopenTooLate` after the day and :class:`AppliedAgain` when the applicant
        has a newer application waiting.
        """
        settings = await self._settings.get(guild_id)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            application = await self._applications.get(tx, application_id)
            if application is None or application.guild_id != guild_id:
                raise ApplicationNotFound()
            if can_decide(application.status):
                raise AlreadyReopened()
            if application.status is not Status.REJECTED or application.decided_by_rule is None:
                raise AlreadyDecided(application, settings.timezone)
            assert application.decided_at is not None
            if now > undo_deadline(application.decided_at):
                raise ReopenTooLate(application.decided_at, settings.timezone)
            if application.user_id is None:
                raise ApplicationNotFound()  # the applicant erased their data
            if await self._applications.pending_for(tx, guild_id, application.user_id):
                raise AppliedAgain(application.user_id)
            if not await self._applications.reopen(tx, application.id, now=to_epoch(now)):
                raise AlreadyReopened()
            await self._record(
                tx,
                guild_id,
                actor_id,
                "application.reopen",
                application.id,
                rule=application.decided_by_rule.value,
            )
            reopened = await self._applications.get(tx, application.id)
        assert reopened is not None
        log.info("application %s re-opened after its rule's rejection", application_id)
        return reopened

    async def past_rejection(self, application: Application) -> Rejection:
        """The :class:`Rejection` of an application rejected earlier (a resumed bulk job)."""
        assert application.decided_at is not None
        settings = await self._settings.get(application.guild_id)
        return Rejection(
            application, cooldown_ends(application.decided_at, settings.reapply_cooldown_days)
        )

    async def request_info(
        self, guild_id: int, application_id: int, actor_id: int, question: str
    ) -> Application:
        """Ask the applicant a question; they answer by running ``/apply`` again."""
        question = clean_reason(question)
        settings = await self._settings.get(guild_id)
        async with self._db.transaction() as tx:
            application = await self._decidable(tx, guild_id, application_id, settings.timezone)
            await self._applications.request_info(
                tx, application.id, question=question, now=to_epoch(self._clock.now())
            )
            await self._record(tx, guild_id, actor_id, "application.request_info", application.id)
            updated = await self._applications.get(tx, application.id)
        assert updated is not None
        return updated

    async def set_status(
        self, guild_id: int, user_id: int, status: CreatorStatus, actor_id: int
    ) -> Creator:
        """Pause, remove or re-activate a creator; their code follows the status."""
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            creator = await self._creators.by_member(tx, guild_id, user_id)
            if creator is None:
                raise NotACreator(own=False)
            if creator.status is status:
                raise CreatorbotError("onboarding.status_unchanged", status=status.value)
            await self._creators.set_status(tx, creator.id, status, now)
            await self._creators.set_code_active(tx, creator.id, status is CreatorStatus.ACTIVE)
            if status is CreatorStatus.REMOVED and self._sites is not None:
                await self._sites.free_claims(tx, creator.id, now)
            await self._record(
                tx, guild_id, actor_id, f"creator.{status.value}", None, creator=creator.id
            )
            updated = await self._creators.get(tx, creator.id)
        assert updated is not None
        self._links_changed(updated.id)
        return updated

    async def approve_member(
        self, guild_id: int, user_id: int, actor_id: int
    ) -> Approval | Creator:
        """``/creator approve``: the member's open application is approved; a paused or
        removed creator without one comes back as they were (the returned creator)."""
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        pending = await self._applications.pending_for(self._db, guild_id, user_id)
        if creator is not None and creator.status is not CreatorStatus.ACTIVE and pending is None:
            return await self.set_status(guild_id, user_id, CreatorStatus.ACTIVE, actor_id)
        if pending is None:
            raise ApplicationNotFound()
        return await self.approve(guild_id, pending.id, actor_id)

    async def profile(self, guild_id: int, user_id: int) -> CreatorProfile:
        """The creator with their code and links; :class:`NotACreator` if there is none."""
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None:
            raise NotACreator(own=False)
        return CreatorProfile(
            creator=creator,
            code=await self._creators.code(self._db, creator.id),
            links=await self._creators.links(self._db, creator.id),
        )

    async def creators_with_codes(self, guild_id: int | None) -> list[int]:
        """Active creators with a code (of one server, or all): what code sync covers."""
        return await self._creators.with_codes(self._db, guild_id)

    async def creator_by_member(self, guild_id: int, user_id: int) -> Creator | None:
        return await self._creators.by_member(self._db, guild_id, user_id)

    async def set_welcome_pending(self, creator_id: int, pending: bool) -> bool:
        """Mark (or clear) a welcome that could not be delivered by DM."""
        async with self._db.transaction() as tx:
            return await self._creators.set_welcome_pending(tx, creator_id, pending)

    async def take_pending_welcome(self, guild_id: int, user_id: int) -> CreatorProfile | None:
        """If a welcome is waiting for this member, clear the flag and return the profile."""
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None or not creator.welcome_pending:
            return None
        if not await self.set_welcome_pending(creator.id, False):
            return None  # another interaction took it
        return await self.profile(guild_id, user_id)

    # --- helpers ------------------------------------------------------------------------

    async def _decidable(
        self, tx: Transaction, guild_id: int, application_id: int, timezone: str
    ) -> Application:
        application = await self._applications.get(tx, application_id)
        if application is None or application.guild_id != guild_id:
            raise ApplicationNotFound()
        if not can_decide(application.status):
            raise AlreadyDecided(application, timezone)
        return application

    async def _ensure_links(
        self, tx: Transaction, guild_id: int, creator_id: int, now: int
    ) -> list[Link]:
        for campaign in await self._campaigns.active(tx, guild_id):
            await ensure_link(
                tx,
                self._creators,
                self._rng,
                guild_id=guild_id,
                creator_id=creator_id,
                campaign_id=campaign.id,
                now=now,
            )
        return await self._creators.links(tx, creator_id)

    async def _ensure_code(
        self,
        tx: Transaction,
        guild_id: int,
        creator_id: int,
        handle: str,
        discount_percent: int,
        now: int,
    ) -> DiscountCode:
        existing = await self._creators.code(tx, creator_id)
        if existing is not None:
            await self._creators.set_code_active(tx, creator_id, True)
            refreshed = await self._creators.code(tx, creator_id)
            assert refreshed is not None
            return refreshed
        candidates = code_candidates(handle, discount_percent, self._rng)
        for _ in range(MAX_CODE_TRIES):
            candidate = next(candidates)
            stored = await self._creators.insert_code(
                tx,
                guild_id=guild_id,
                creator_id=creator_id,
                code=candidate,
                discount_percent=discount_percent,
                now=now,
            )
            if not stored:
                continue  # taken, in any letter case
            code = await self._creators.code(tx, creator_id)
            assert code is not None
            return code
        raise RuntimeError("could not find a free discount code")

    async def _record(
        self,
        tx: Transaction,
        guild_id: int,
        actor_id: int | None,
        action: str,
        application_id: int | None,
        **detail: object,
    ) -> None:
        await self._audit.record(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action=action,
            subject=f"application:{application_id}" if application_id else None,
            detail=dict(detail) or None,
            now=to_epoch(self._clock.now()),
        )


def clean_reason(text: str) -> str:
    """A reason or question on one line; :class:`InvalidReason` if empty or too long."""
    cleaned = " ".join(str(text).split())
    if not cleaned or len(cleaned) > MAX_REASON:
        raise InvalidReason(limit=MAX_REASON)
    return cleaned


__all__ = [
    "AlreadyApplied",
    "AlreadyCreator",
    "AlreadyDecided",
    "AlreadyReopened",
    "ApplicationNotFound",
    "ApplicationsClosed",
    "AppliedAgain",
    "ApplyResult",
    "Approval",
    "CreatorProfile",
    "InvalidReason",
    "NotACreator",
    "OnboardingService",
    "ReapplyCooldown",
    "Rejection",
    "ReopenTooLate",
    "ShopNotConfigured",
    "clean_reason",
]
