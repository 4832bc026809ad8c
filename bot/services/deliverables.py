"""Use case: contracts and deliverables, their review, and the reminder sweep.

Reminders are computed from the database on every sweep and claimed in ``reminders``
(unique per deliverable, due version and kind) *before* they are sent. A crash between the
claim and the send therefore loses that one reminder instead of sending it twice: creators
are never spammed, and the next reminder or overdue notice still comes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database, Transaction
from bot.db.creators_repo import CreatorRepository
from bot.db.deliverables_repo import DeliverableRepository, PostNumbers
from bot.db.ledger_repo import LedgerRepository
from bot.db.money_repo import MoneyRepository
from bot.domain.applications import Platform
from bot.domain.commission import InvalidPlan, parse_money
from bot.domain.creators import Creator
from bot.domain.deliverables import (
    Contract,
    ContractTerms,
    Deliverable,
    InvalidDue,
    Kind,
    PostShape,
    Status,
    check_submission_url,
    parse_due,
    plan_reminders,
    reminders_to_send,
    spread_due_times,
)
from bot.errors import CreatorbotError, NotACreator
from bot.services.ledger import accrue
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)

MAX_REASON = 500
RECENT_DAYS = 14


class DeliverableNotFound(CreatorbotError):
    key = "deliverables.not_found"


class WrongState(CreatorbotError):
    """The deliverable is not in a state that allows this (``status`` says which it is)."""

    key = "deliverables.wrong_state"


class NotYours(CreatorbotError):
    key = "deliverables.not_yours"


@dataclass(frozen=True)
class ReminderJob:
    """One reminder to send now (already claimed)."""

    deliverable: Deliverable
    kind: str
    timezone: str
    review_channel_id: int | None


@dataclass(frozen=True)
class Metrics:
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.reach, self.likes, self.comments, self.shares))


class DeliverableService:
    def __init__(
        self,
        db: Database,
        repo: DeliverableRepository,
        creators: CreatorRepository,
        money: MoneyRepository,
        audit: AuditRepository,
        settings: SettingsService,
        clock: Clock,
        ledger: LedgerRepository,
    ) -> None:
        self._db = db
        self._repo = repo
        self._creators = creators
        self._money = money
        self._ledger = ledger
        self._audit = audit
        self._settings = settings
        self._clock = clock

    # --- managers -----------------------------------------------------------------------

    async def _creator(self, guild_id: int, user_id: int) -> Creator:
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None:
            raise NotACreator(own=False)
        return creator

    async def add(
        self,
        guild_id: int,
        actor_id: int,
        user_id: int,
        *,
        platform: str,
        kind: str,
        due: str,
        fee: str | None = None,
        contract_id: int | None = None,
    ) -> Deliverable:
        """Plan a deliverable; ``due`` is local time in the server's timezone (or ISO 8601)."""
        settings = await self._settings.get(guild_id)
        creator = await self._creator(guild_id, user_id)
        now = self._clock.now()
        due_at = parse_due(due, settings.timezone, now)
        fee_minor = parse_money(fee, settings.currency) if fee else 0
        async with self._db.transaction() as tx:
            new_id = await self._repo.insert(
                tx,
                guild_id=guild_id,
                creator_id=creator.id,
                contract_id=contract_id,
                platform=Platform(platform).value,
                kind=Kind(kind).value,
                due_at=to_epoch(due_at),
                fee_minor=fee_minor,
                currency=settings.currency,
                created_by=actor_id,
                now=to_epoch(now),
            )
            await self._record(tx, guild_id, actor_id, "deliverable.add", new_id)
            found = await self._repo.get(tx, new_id)
        assert found is not None
        return found

    async def edit(
        self,
        guild_id: int,
        actor_id: int,
        deliverable_id: int,
        *,
        due: str | None = None,
        fee: str | None = None,
    ) -> Deliverable:
        """Move the due time (a new reminder plan replaces the old one) or change the fee."""
        settings = await self._settings.get(guild_id)
        current = await self.get(guild_id, deliverable_id)
        if current.status not in (Status.PLANNED, Status.REJECTED, Status.SUBMITTED):
            raise WrongState(status=current.status.value)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if due is not None:
                due_at = parse_due(due, settings.timezone, now)
                await self._repo.bump_due(tx, deliverable_id, to_epoch(due_at), to_epoch(now))
            if fee is not None:
                await self._repo.set_fee(
                    tx, deliverable_id, parse_money(fee, settings.currency), to_epoch(now)
                )
            await self._record(
                tx, guild_id, actor_id, "deliverable.edit", deliverable_id, due=due, fee=fee
            )
            found = await self._repo.get(tx, deliverable_id)
        assert found is not None
        return found

    async def cancel(self, guild_id: int, actor_id: int, deliverable_id: int) -> Deliverable:
        current = await self.get(guild_id, deliverable_id)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            changed = await self._repo.cancel(tx, deliverable_id, now)
            if not changed:
                raise WrongState(status=current.status.value)
            await self._record(tx, guild_id, actor_id, "deliverable.cancel", deliverable_id)
            found = await self._repo.get(tx, deliverable_id)
        assert found is not None
        return found

    async def get(self, guild_id: int, deliverable_id: int) -> Deliverable:
        found = await self._repo.get(self._db, deliverable_id)
        if found is None or found.guild_id != guild_id:
            raise DeliverableNotFound(id=deliverable_id)
        return found

    async def listing(
        self, guild_id: int, user_id: int | None
    ) -> tuple[list[Deliverable], dict[int, int]]:
        """Outstanding deliverables (of one member), with closed-DM reminder counts."""
        creator_id = (await self._creator(guild_id, user_id)).id if user_id else None
        items = await self._repo.of_guild(self._db, guild_id, creator_id)
        counts = await self._repo.undeliverable_counts(self._db, guild_id)
        return items, {c.deliverable_id: c.count for c in counts}

    # --- creators -----------------------------------------------------------------------

    async def mine(self, guild_id: int, user_id: int) -> list[Deliverable]:
        """A creator's open deliverables and the ones decided in the last two weeks."""
        creator = await self._creator(guild_id, user_id)
        since = to_epoch(self._clock.now() - timedelta(days=RECENT_DAYS))
        return await self._repo.of_creator(self._db, creator.id, since)

    async def open_choices(self, guild_id: int, user_id: int) -> list[Deliverable]:
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None:
            return []
        since = to_epoch(self._clock.now())
        return [
            d
            for d in await self._repo.of_creator(self._db, creator.id, since)
            if d.status in (Status.PLANNED, Status.REJECTED, Status.SUBMITTED)
        ]

    async def submit(
        self, guild_id: int, user_id: int, deliverable_id: int, url: str, metrics: Metrics
    ) -> tuple[Deliverable, bool]:
        """Hand in the post URL (and optionally its numbers).

        Returns the deliverable and whether it newly needs review (False when only the
        numbers of an already submitted or approved post were updated).
        """
        current = await self.get(guild_id, deliverable_id)
        if current.creator_user_id != user_id:
            raise NotYours()
        url = check_submission_url(url, current.platform)
        now = to_epoch(self._clock.now())
        numbers = PostNumbers(
            reach=metrics.reach,
            likes=metrics.likes,
            comments=metrics.comments,
            shares=metrics.shares,
            measured_at=now if metrics.given else None,
        )
        async with self._db.transaction() as tx:
            if (
                current.status in (Status.SUBMITTED, Status.APPROVED)
                and url == current.submission_url
            ):
                if not metrics.given:
                    raise WrongState(status=current.status.value)
                await self._repo.update_numbers(tx, deliverable_id, numbers, now)
                needs_review = False
            else:
                changed = await self._repo.submit(tx, deliverable_id, url, numbers, now)
                if not changed:
                    raise WrongState(status=current.status.value)
                needs_review = True
            found = await self._repo.get(tx, deliverable_id)
        assert found is not None
        return found, needs_review

    async def attach_card(self, deliverable_id: int, channel_id: int, message_id: int) -> None:
        async with self._db.transaction() as tx:
            await self._repo.set_card(tx, deliverable_id, channel_id, message_id)

    async def approve(self, guild_id: int, actor_id: int, deliverable_id: int) -> Deliverable:
        """Accept the post; its fixed fee becomes a commission (pending, then approved)."""
        settings = await self._settings.get(guild_id)
        current = await self.get(guild_id, deliverable_id)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            changed = await self._repo.approve(tx, deliverable_id, actor_id, now)
            if not changed:
                raise WrongState(status=current.status.value, by=current.decided_by)
            if current.fee_minor > 0:
                await accrue(
                    tx,
                    self._money,
                    self._ledger,
                    guild_id=guild_id,
                    creator_id=current.creator_id,
                    kind="fee",
                    currency=current.currency,
                    amount=current.fee_minor,
                    approve_after=now + settings.hold_days * 86_400,
                    now=now,
                    deliverable_id=deliverable_id,
                    actor_id=actor_id,
                )
            await self._record(tx, guild_id, actor_id, "deliverable.approve", deliverable_id)
            found = await self._repo.get(tx, deliverable_id)
        assert found is not None
        return found

    async def reject(
        self, guild_id: int, actor_id: int, deliverable_id: int, reason: str
    ) -> Deliverable:
        """Send the post back with a reason; the deliverable is open again."""
        reason = " ".join(reason.split())
        if not 3 <= len(reason) <= MAX_REASON:
            raise CreatorbotError("onboarding.bad_reason", limit=MAX_REASON)
        current = await self.get(guild_id, deliverable_id)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            changed = await self._repo.reject(tx, deliverable_id, reason, actor_id, now)
            if not changed:
                raise WrongState(status=current.status.value, by=current.decided_by)
            await self._record(tx, guild_id, actor_id, "deliverable.reject", deliverable_id)
            found = await self._repo.get(tx, deliverable_id)
        assert found is not None
        return found

    # --- contracts --------------------------------------------------------------------------

    async def create_contract(
        self,
        guild_id: int,
        actor_id: int,
        user_id: int,
        *,
        title: str,
        start: str,
        end: str | None = None,
        fee: str | None = None,
        total_fee: str | None = None,
        plan: str | None = None,
        gift: str | None = None,
        gift_cost: str | None = None,
        template: str | None = None,
    ) -> tuple[Contract, list[Deliverable]]:
        """A contract; with a template it also plans the template's deliverables."""
        terms = await self.contract_terms(
            guild_id,
            title=title,
            start=start,
            end=end,
            fee=fee,
            total_fee=total_fee,
            plan=plan,
            gift=gift,
            gift_cost=gift_cost,
            template=template,
        )
        return await self.contract_on(guild_id, actor_id, user_id, terms)

    async def contract_on(
        self, guild_id: int, actor_id: int, user_id: int, terms: ContractTerms
    ) -> tuple[Contract, list[Deliverable]]:
        """A contract with one member on terms already read by :meth:`contract_terms`."""
        creator = await self._creator(guild_id, user_id)
        async with self._db.transaction() as tx:
            return await self.write_contract(tx, creator, actor_id, terms)

    async def contract_terms(
        self,
        guild_id: int,
        *,
        title: str,
        start: str,
        end: str | None = None,
        fee: str | None = None,
        total_fee: str | None = None,
        plan: str | None = None,
        gift: str | None = None,
        gift_cost: str | None = None,
        template: str | None = None,
    ) -> ContractTerms:
        """What ``/contract create`` typed, read and checked (nothing is stored)."""
        settings = await self._settings.get(guild_id)
        now = self._clock.now()
        starts_at = _start(start, settings.timezone, now)
        shape = await self._repo.template(self._db, guild_id, template) if template else None
        if template and shape is None:
            raise CreatorbotError("deliverables.no_template", name=template[:60])
        if end:
            ends_at = parse_due(end, settings.timezone, now)
        elif shape is not None:
            ends_at = starts_at + timedelta(days=shape.days)
        else:
            raise InvalidDue(reason="format", value="", timezone=settings.timezone)
        if ends_at <= starts_at:
            raise InvalidDue(reason="order", value=end or "", timezone=settings.timezone)
        fee_minor = (
            parse_money(fee, settings.currency) if fee else (shape.fee_minor if shape else 0)
        )
        plan_id = None
        if plan:
            found_plan = await self._money.plan_by_name(self._db, guild_id, plan)
            if found_plan is None:
                raise CreatorbotError("campaigns.unknown_plan", plan=plan[:60])
            plan_id = found_plan.id
        if gift_cost and not gift:
            raise InvalidPlan(problem="amount", value=gift_cost)
        return ContractTerms(
            title=" ".join(title.split())[:100],
            starts_at=starts_at,
            ends_at=ends_at,
            fee_minor=fee_minor,
            total_fee_minor=parse_money(total_fee, settings.currency) if total_fee else 0,
            currency=settings.currency,
            plan_id=plan_id,
            gift=" ".join(gift.split())[:200] if gift else None,
            gift_cost_minor=parse_money(gift_cost, settings.currency) if gift_cost else 0,
            posts=(
                PostShape(shape.platform, Kind(shape.kind), shape.count, shape.days)
                if shape is not None
                else None
            ),
        )

    async def write_contract(
        self,
        tx: Transaction,
        creator: Creator,
        actor_id: int,
        terms: ContractTerms,
        *,
        bulk_id: int | None = None,
    ) -> tuple[Contract, list[Deliverable]]:
        """Store a contract on ``terms`` with its gift, plan and deliverables, in ``tx``."""
        guild_id = creator.guild_id
        stamp = to_epoch(self._clock.now())
        contract_id = await self._repo.insert_contract(
            tx,
            guild_id=guild_id,
            creator_id=creator.id,
            title=terms.title,
            starts_at=to_epoch(terms.starts_at),
            ends_at=to_epoch(terms.ends_at),
            fee_minor=terms.fee_minor,
            total_fee_minor=terms.total_fee_minor,
            currency=terms.currency,
            plan_id=terms.plan_id,
            created_by=actor_id,
            now=stamp,
            bulk_id=bulk_id,
        )
        if terms.gift:
            await self._repo.insert_gift(
                tx,
                guild_id=guild_id,
                creator_id=creator.id,
                contract_id=contract_id,
                description=terms.gift,
                cost_minor=terms.gift_cost_minor,
                currency=terms.currency,
                created_by=actor_id,
                now=stamp,
            )
        if terms.plan_id is not None:
            await self._money.set_creator_plan(tx, creator.id, terms.plan_id)
        created: list[int] = []
        if terms.posts is not None:
            posts = terms.posts
            for due_at in spread_due_times(terms.starts_at, posts.days, posts.count):
                created.append(
                    await self._repo.insert(
                        tx,
                        guild_id=guild_id,
                        creator_id=creator.id,
                        contract_id=contract_id,
                        platform=posts.platform,
                        kind=posts.kind.value,
                        due_at=to_epoch(due_at),
                        fee_minor=terms.fee_minor,
                        currency=terms.currency,
                        created_by=actor_id,
                        now=stamp,
                    )
                )
        await self._audit.record(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action="contract.create",
            subject=f"contract:{contract_id}",
            detail={
                "deliverables": len(created),
                "fee": terms.fee_minor,
                "total": terms.total_fee_minor,
                **({"bulk_id": bulk_id} if bulk_id is not None else {}),
            },
            now=stamp,
        )
        contract = await self._repo.contract(tx, contract_id)
        items = [d for d in [await self._repo.get(tx, i) for i in created] if d is not None]
        assert contract is not None
        return contract, items

    async def create_template(
        self,
        guild_id: int,
        actor_id: int,
        *,
        name: str,
        platform: str,
        kind: str,
        count: int,
        days: int,
        fee: str | None,
    ) -> str:
        settings = await self._settings.get(guild_id)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            created = await self._repo.insert_template(
                tx,
                guild_id=guild_id,
                name=" ".join(name.split())[:60],
                platform=Platform(platform).value,
                kind=Kind(kind).value,
                count=count,
                days=days,
                fee_minor=parse_money(fee, settings.currency) if fee else 0,
                now=now,
            )
            if created is None:
                raise CreatorbotError("deliverables.template_exists", name=name[:60])
            await self._record(tx, guild_id, actor_id, "contract.template", None, name=name)
        return name

    async def template_names(self, guild_id: int) -> list[str]:
        return await self._repo.template_names(self._db, guild_id)

    async def contracts(self, guild_id: int, user_id: int | None) -> list[Contract]:
        creator_id = (await self._creator(guild_id, user_id)).id if user_id else None
        return await self._repo.contracts(self._db, guild_id, creator_id)

    # --- the reminder sweep -------------------------------------------------------------------

    async def due_reminders(self) -> list[ReminderJob]:
        """Claim every reminder that is due now; the caller sends them."""
        now = self._clock.now()
        stamp = to_epoch(now)
        horizon = stamp + 366 * 86_400
        jobs: list[ReminderJob] = []
        for deliverable in await self._repo.open_for_reminders(self._db, horizon):
            settings = await self._settings.get(deliverable.guild_id)
            plan = plan_reminders(
                deliverable.due_at, settings.offsets(), deliverable.due_set_at, settings.timezone
            )
            if not any(r.at <= now for r in plan):
                continue
            done = await self._repo.reminder_kinds(
                self._db, deliverable.id, deliverable.due_version
            )
            decision = reminders_to_send(plan, done, deliverable.due_at, now)
            if not decision.send and not decision.skip:
                continue
            async with self._db.transaction() as tx:
                for kind in decision.skip:
                    await self._repo.claim_reminder(
                        tx, deliverable.id, deliverable.due_version, kind, "skipped", stamp
                    )
                for kind in decision.send:
                    claimed = await self._repo.claim_reminder(
                        tx, deliverable.id, deliverable.due_version, kind, "claimed", stamp
                    )
                    if claimed:
                        jobs.append(
                            ReminderJob(
                                deliverable, kind, settings.timezone, settings.review_channel_id
                            )
                        )
        return jobs

    async def finish_reminder(self, job: ReminderJob, status: str) -> None:
        async with self._db.transaction() as tx:
            await self._repo.finish_reminder(
                tx,
                job.deliverable.id,
                job.deliverable.due_version,
                job.kind,
                status,
                to_epoch(self._clock.now()),
            )

    async def _record(
        self,
        tx,  # type: ignore[no-untyped-def]
        guild_id: int,
        actor_id: int,
        action: str,
        deliverable_id: int | None,
        **detail: object,
    ) -> None:
        await self._audit.record(
            tx,
            guild_id=guild_id,
            actor_id=actor_id,
            action=action,
            subject=f"deliverable:{deliverable_id}" if deliverable_id else None,
            detail={k: v for k, v in detail.items() if v is not None} or None,
            now=to_epoch(self._clock.now()),
        )


def _start(text: str, timezone: str, now: datetime) -> datetime:
    """A contract start: a local date (``YYYY-MM-DD``, midnight) or date-time; may be today."""
    value = text.strip()
    if len(value) == 10:
        value += " 00:00"
    try:
        return parse_due(value, timezone, now - timedelta(days=1))
    except InvalidDue as exc:
        raise InvalidDue(reason=exc.params["reason"], value=text[:40], timezone=timezone) from None
