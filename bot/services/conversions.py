"""Use case: orders become conversions and commissions, exactly once, and stay correct.

Every ingest path hands an :class:`~bot.domain.orders.OrderEvent` to :meth:`ingest`. The
conversion, its commission and the ledger entries are written in one ``BEGIN IMMEDIATE``
transaction that commits before the method returns, so a webhook is only acknowledged once
its money is safe. Idempotency is the schema's: ``UNIQUE (source, order_id)`` for orders and
``UNIQUE (conversion_id, refund_key)`` for refunds. Shops do not deliver webhooks in order: a
refund or cancellation of an order not seen yet is kept in ``early_adjustments`` (once per
refund key, for 30 days) and applied in the transaction that records the sale.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock, from_epoch, to_epoch
from bot.db.adjustments_repo import AdjustmentRepository, AdjustmentRow
from bot.db.audit_repo import AuditRepository
from bot.db.campaigns_repo import CampaignRepository
from bot.db.connection import Database, Transaction
from bot.db.creators_repo import CreatorRepository
from bot.db.ledger_repo import LedgerRepository
from bot.db.levels_repo import LevelRepository
from bot.db.money_repo import (
    CommissionRow,
    ConversionRow,
    EarnedRow,
    MoneyRepository,
)
from bot.domain.attribution import Attribution, Method, Rules, attribute
from bot.domain.commission import MonthToDate, Plan, commission_for
from bot.domain.derivation import given
from bot.domain.ledger import Balance, CommissionState, EntryKind
from bot.domain.notices import NoticeKind, dedupe_key, key_prefix
from bot.domain.orders import EventKind, IngestOutcome, OrderEvent, Source
from bot.domain.recurring import RecurringTerms, returning
from bot.domain.settings import GuildSettings
from bot.domain.weeks import period_start
from bot.errors import CreatorbotError, NotACreator
from bot.services.customers import CustomerService
from bot.services.ledger import accrue, move
from bot.services.refunds import PARKED_DAYS, RefundService
from bot.services.settings import SettingsService
from bot.services.sites import SiteService

log = logging.getLogger(__name__)

# More orders than this from one visitor within a day put the newest commissions on hold.
VISITOR_ORDER_LIMIT = 5
MAX_ORDER_ID = 200
MATURE_BATCH = 1000


class InvalidOrder(CreatorbotError):
    """An event the service refuses (no order id, negative amount, …)."""

    key = "conversions.invalid"


class OrderNotFound(CreatorbotError):
    key = "conversions.not_found"


class AmbiguousOrder(CreatorbotError):
    """The same order id exists from several sources; the manager must name one."""

    key = "conversions.ambiguous"


class NotOnHold(CreatorbotError):
    key = "conversions.not_on_hold"


@dataclass(frozen=True)
class CreatorStats:
    """What ``/stats`` shows for one period."""

    since: datetime | None
    clicks: int
    unique_clicks: int
    orders: int
    leads: int
    revenue: int
    commissions: dict[str, int]
    currency: str
    recurring: int = 0  # the part of the commissions earned on returning customers

    @property
    def conversion_rate(self) -> float | None:
        """Orders per unique click."""
        return self.orders / self.unique_clicks if self.unique_clicks else None

    @property
    def earned(self) -> int:
        return sum(v for k, v in self.commissions.items() if k != CommissionState.REVERSED)

    @property
    def epc(self) -> int | None:
        """Earnings per click, in minor units (rounded down)."""
        return self.earned // self.clicks if self.clicks else None


@dataclass(frozen=True)
class FirstSaleNotice:
    """Tell a creator about their first sale (and whatever else came in its burst)."""

    guild_id: int
    user_id: int
    locale: str
    orders: int
    earned: int
    currency: str
    dedupe_key: str
    kind: NoticeKind = NoticeKind.FIRST_SALE


@dataclass(frozen=True)
class ConversionInfo:
    """Everything ``/conversion info`` explains about one order."""

    conversion: ConversionRow
    commission: CommissionRow | None
    adjustments: list[AdjustmentRow]
    creator_user_id: int | None
    plan_name: str | None


class ConversionService:
    def __init__(
        self,
        db: Database,
        money: MoneyRepository,
        creators: CreatorRepository,
        campaigns: CampaignRepository,
        audit: AuditRepository,
        settings: SettingsService,
        clock: Clock,
        ledger: LedgerRepository,
        levels: LevelRepository | None = None,
        adjustments: AdjustmentRepository | None = None,
        customers: CustomerService | None = None,
        sites: SiteService | None = None,
    ) -> None:
        self._db = db
        self._customers = customers
        self._sites = sites  # DirectLink: None leaves orders without click or code unattributed
        self._adjustments = adjustments or AdjustmentRepository()
        self._money = money
        self._ledger = ledger
        self._levels = levels
        self._creators = creators
        self._campaigns = campaigns
        self._audit = audit
        self._settings = settings
        self._clock = clock
        self._default_plans: dict[int, int] = {}
        self.refunds = RefundService(db, money, self._adjustments, ledger, audit, clock)

    # --- ingest ---------------------------------------------------------------------------

    async def ingest(self, event: OrderEvent) -> IngestOutcome:
        """Record one shop event; committed when this returns."""
        _check(event)
        if event.kind in (EventKind.SALE, EventKind.LEAD):
            attribution = await self._attribute(event)
            keys = await self._customers.keys(event) if self._customers else ()
            return await self._record(event, attribution, keys=keys)
        if event.kind is EventKind.ALIAS:
            return await self._alias(event)
        return await self.refunds.adjust(event, actor_id=None)

    async def _attribute(self, event: OrderEvent) -> Attribution:
        click = await self._money.click_facts(self._db, event.click_id) if event.click_id else None
        code = None
        for candidate in event.codes:
            code = await self._money.code_facts(self._db, candidate)
            if code is not None:
                break
        guild_id = click.guild_id if click else code.guild_id if code else None
        rules = Rules()
        if guild_id is not None:
            settings = await self._settings.get(guild_id)
            rules = Rules(settings.attribution_window_days, settings.code_beats_click)
        attribution = attribute(
            to_epoch(event.occurred_at),
            click,
            code,
            rules,
            click_id_given=bool(event.click_id),
            code_given=bool(event.codes),
        )
        if attribution.method is Method.NONE and event.referrer and self._sites is not None:
            # DirectLink only when neither a click nor a code named a creator: the site is
            # looked up for those orders alone.
            site = await self._sites.match(event.referrer)
            if site is not None:
                attribution = attribute(
                    to_epoch(event.occurred_at),
                    click,
                    code,
                    rules,
                    click_id_given=bool(event.click_id),
                    code_given=bool(event.codes),
                    site=site,
                )
        return attribution

    async def _record(
        self,
        event: OrderEvent,
        attribution: Attribution,
        actor_id: int | None = None,
        *,
        keys: tuple[str, ...] = (),
    ) -> IngestOutcome:
        now = to_epoch(self._clock.now())
        occurred = to_epoch(event.occurred_at)
        if attribution.method is Method.NONE and keys and event.kind is EventKind.SALE:
            attribution = await self._returning(attribution, keys, occurred)
        settings = await self._settings.get(attribution.guild_id) if attribution.guild_id else None
        flags: list[str] = []
        if settings is not None and event.currency and event.currency.upper() != settings.currency:
            flags.append("currency")
        if event.currency_uncertain:
            flags.append("currency")
        async with self._db.transaction() as tx:
            if await self._money.other_sources(tx, event.source.value, event.order_id):
                flags.append("duplicate_order")
            conversion_id = await self._money.insert_conversion(
                tx,
                guild_id=attribution.guild_id,
                source=event.source.value,
                order_id=event.order_id,
                kind=event.kind.value,
                status="test" if event.is_test else "active",
                currency=(event.currency or (settings.currency if settings else None)),
                net_minor=event.net_minor or 0,
                gross_minor=_int_or_none(event.extra.get("gross_minor")),
                creator_id=attribution.creator_id,
                link_id=attribution.link_id,
                click_id=attribution.click_id or event.click_id,
                code=attribution.code or (event.codes[0] if event.codes else None),
                attribution=attribution.method.value,
                attribution_reason=attribution.reason,
                visitor_hash=attribution.visitor_hash,
                flags=",".join(dict.fromkeys(flags)),
                delivery_id=event.delivery_id,
                derivation=(event.derivation or given(event.net_minor or 0)).to_json(),
                occurred_at=occurred,
                created_at=now,
                customer_key=keys[0] if keys else None,
            )
            if conversion_id is None:
                return IngestOutcome.DUPLICATE
            if (
                self._customers is not None
                and event.kind is EventKind.SALE
                and not event.is_test
                and attribution.guild_id is not None
                and attribution.creator_id is not None
            ):
                await self._customers.remember(
                    tx,
                    guild_id=attribution.guild_id,
                    keys=keys,
                    creator_id=attribution.creator_id,
                    conversion_id=conversion_id,
                    acquired_at=occurred,
                )
            payable = (
                not event.is_test
                and settings is not None
                and attribution.creator_id is not None
                and "currency" not in flags
            )
            if payable:
                assert settings is not None and attribution.creator_id is not None
                await self._accrue(
                    tx, event, attribution, settings, conversion_id, flags, actor_id, now
                )
            source = event.source.value
            for ref in event.refs:
                if ref != event.order_id:
                    await self._adjustments.add_alias(
                        tx, source, ref, event.order_id, now, resolved=True
                    )
            names = await self._adjustments.names_of(tx, source, event.order_id)
            await self._adjustments.resolve_aliases(tx, source, names)
            for name in names:
                await self.refunds.apply_parked(tx, source, name, event.order_id, now)
        log.info(
            "conversion %s/%s recorded (%s)", event.source.value, conversion_id, attribution.method
        )
        return IngestOutcome.RECORDED

    async def _returning(
        self, unattributed: Attribution, keys: tuple[str, ...], occurred: int
    ) -> Attribution:
        """An order without a valid link or code from a customer a creator brought: theirs
        when their plan pays on returning customers (and still in its months)."""
        assert self._customers is not None
        owner = await self._customers.owner(self._db, keys)
        if owner is None:
            return unattributed
        creator = await self._creators.get(self._db, owner.creator_id)
        assert creator is not None
        async with self._db.transaction() as tx:
            terms = await self._terms_for(tx, owner.guild_id, creator.plan_id, owner.link_id)
        decided = returning(occurred, owner, terms)
        if decided.method is Method.NONE:
            reason = ",".join(r for r in (unattributed.reason, decided.reason) if r)
            return Attribution(Method.NONE, reason)
        return decided

    async def _terms_for(
        self, tx: Transaction, guild_id: int, creator_plan: int | None, link_id: int | None
    ) -> RecurringTerms:
        """The recurring terms of a creator's customer: those of the creator's own plan,
        else of the campaign plan of the link that brought the customer, else of the default
        plan. A level changes the rate a sale is priced at, never these terms."""
        for plan_id in (
            creator_plan,
            await self._money.campaign_plan_of_link(tx, link_id) if link_id else None,
        ):
            if plan_id is not None:
                plan = await self._money.plan(tx, plan_id)
                if plan is not None:
                    return plan.recurring
        plan = await self._money.plan(tx, await self._default_plan_id(tx, guild_id))
        assert plan is not None
        return plan.recurring

    async def _accrue(
        self,
        tx: Transaction,
        event: OrderEvent,
        attribution: Attribution,
        settings: GuildSettings,
        conversion_id: int,
        flags: list[str],
        actor_id: int | None,
        now: int,
    ) -> None:
        assert attribution.creator_id is not None
        creator = await self._creators.get(tx, attribution.creator_id)
        assert creator is not None
        plan = await self._plan_for(
            tx, settings.guild_id, creator.id, creator.plan_id, attribution.link_id
        )
        occurred = to_epoch(event.occurred_at)
        month = period_start("month", event.occurred_at, settings.zone)
        assert month is not None
        month_start = to_epoch(month)
        revenue, sales = await self._money.month_to_date(
            tx, creator.id, month_start, conversion_id, occurred
        )
        amount = commission_for(
            plan,
            event.kind,
            event.net_minor or 0,
            default_rate_bp=settings.commission_rate_bp,
            month=MonthToDate(revenue, sales),
        )
        if amount <= 0:
            return
        hold_reason = await self._fraud_check(tx, event, attribution, creator.email, flags)
        await accrue(
            tx,
            self._money,
            self._ledger,
            guild_id=settings.guild_id,
            creator_id=creator.id,
            kind="manual" if event.source is Source.MANUAL else event.kind.value,
            currency=settings.currency,
            amount=amount,
            # The hold protects against returns after the payment. The shop's order time can
            # lie well before the paid sale reached us (an authorized order captured later,
            # a retried webhook, an import), so the hold runs from when it is recorded.
            approve_after=max(occurred, now) + settings.hold_days * 86_400,
            now=now,
            hold_reason=hold_reason,
            conversion_id=conversion_id,
            plan_id=plan.id,
            actor_id=actor_id,
        )

    async def _plan_for(
        self,
        tx: Transaction,
        guild_id: int,
        creator_id: int,
        creator_plan: int | None,
        link_id: int | None,
    ) -> Plan:
        """The plan a sale is priced on, the first of:

        1. the creator's own plan (``/plan assign``: a manager's explicit override wins);
        2. the creator's level (its rate, program-wide, from the promotion on);
        3. the campaign's plan of the link;
        4. the server's default plan.
        """
        level = await self._levels.level_of(tx, creator_id) if self._levels else None
        for plan_id in (
            creator_plan,
            level.plan_id if level else None,
            await self._money.campaign_plan_of_link(tx, link_id) if link_id else None,
        ):
            if plan_id is not None:
                plan = await self._money.plan(tx, plan_id)
                if plan is not None:
                    return plan
        plan = await self._money.plan(tx, await self._default_plan_id(tx, guild_id))
        assert plan is not None
        return plan

    async def _default_plan_id(self, tx: Transaction, guild_id: int) -> int:
        """The server's default plan, made on first use and then remembered (a default plan
        is never deleted; its rate follows /setup), so later orders need no write for it."""
        default_id = self._default_plans.get(guild_id)
        if default_id is None:
            default_id = await self._campaigns.ensure_default_plan(
                tx, guild_id, to_epoch(self._clock.now())
            )
            self._default_plans[guild_id] = default_id
        return default_id

    async def _fraud_check(
        self,
        tx: Transaction,
        event: OrderEvent,
        attribution: Attribution,
        creator_email: str | None,
        flags: list[str],
    ) -> str | None:
        if (
            event.customer_email
            and creator_email
            and event.customer_email.strip().lower() == creator_email.strip().lower()
        ):
            return "self_purchase"
        if "duplicate_order" in flags:
            return "duplicate_order"
        if attribution.visitor_hash:
            since = to_epoch(event.occurred_at) - 86_400
            orders = await self._money.visitor_orders_since(tx, attribution.visitor_hash, since)
            if orders > VISITOR_ORDER_LIMIT:
                return "visitor_velocity"
        return None

    # --- refunds and cancellations -------------------------------------------------------------

    async def _alias(self, event: OrderEvent) -> IngestOutcome:
        """Record the other ids of an order (``event.refs``) and apply refunds that were kept
        under them; the order's sale may arrive before or after."""
        now = to_epoch(self._clock.now())
        source = event.source.value
        added = False
        async with self._db.transaction() as tx:
            await self._adjustments.forget_stale_aliases(tx, now - PARKED_DAYS * 86_400)
            conversion = await self._adjustments.conversion_named(tx, source, [event.order_id])
            target = conversion.order_id if conversion is not None else event.order_id
            for ref in event.refs:
                if ref != target and await self._adjustments.add_alias(
                    tx, source, ref, target, now, resolved=conversion is not None
                ):
                    added = True
                    if conversion is not None:
                        await self.refunds.apply_parked(tx, source, ref, conversion.order_id, now)
        return IngestOutcome.RECORDED if added else IngestOutcome.DUPLICATE

    # --- the schedule -----------------------------------------------------------------------

    async def mature(self) -> int:
        """Approve pending commissions whose hold period is over; return how many."""
        now = to_epoch(self._clock.now())
        approved = 0
        async with self._db.transaction() as tx:
            for commission in await self._money.maturing(tx, now, MATURE_BATCH):
                approved += await move(
                    tx,
                    self._money,
                    self._ledger,
                    commission,
                    CommissionState.PENDING,
                    CommissionState.APPROVED,
                    EntryKind.MATURE,
                    None,
                    now,
                )
        if approved:
            log.info("approved %d matured commissions", approved)
        return approved

    async def first_sales_to_announce(self, quiet_seconds: int = 30) -> list[FirstSaleNotice]:
        """Creators whose first sale has not been celebrated yet; a burst of orders within
        ``quiet_seconds`` of the first one is announced together."""
        before = to_epoch(self._clock.now()) - quiet_seconds
        prefix = key_prefix(NoticeKind.FIRST_SALE)
        notices = []
        for row in await self._money.first_sales_to_announce(self._db, before, prefix):
            settings = await self._settings.get(row.guild_id)
            notices.append(
                FirstSaleNotice(
                    guild_id=row.guild_id,
                    user_id=row.user_id,
                    locale=row.locale,
                    orders=row.orders,
                    earned=row.earned,
                    currency=settings.currency,
                    dedupe_key=dedupe_key(NoticeKind.FIRST_SALE, row.creator_id),
                )
            )
        return notices

    # --- manager corrections ------------------------------------------------------------------

    async def add_manual(
        self,
        guild_id: int,
        actor_id: int,
        creator_user_id: int,
        net_minor: int,
        order_id: str | None,
        kind: EventKind = EventKind.SALE,
    ) -> str:
        """Book a sale (or lead) by hand for a creator; returns the order id used."""
        settings = await self._settings.get(guild_id)
        creator = await self._creators.by_member(self._db, guild_id, creator_user_id)
        if creator is None:
            raise NotACreator(own=False)
        order = (order_id or f"manual-{secrets.token_hex(4)}").strip()
        event = OrderEvent(
            source=Source.MANUAL,
            kind=kind,
            order_id=order,
            occurred_at=self._clock.now(),
            currency=settings.currency,
            net_minor=net_minor,
        )
        _check(event)
        attribution = Attribution(
            Method.MANUAL,
            f"manual by {actor_id}",
            guild_id=guild_id,
            creator_id=creator.id,
        )
        outcome = await self._record(event, attribution, actor_id)
        if outcome is IngestOutcome.DUPLICATE:
            raise CreatorbotError("conversions.exists", order=order[:60])
        await self._audit_action(guild_id, actor_id, "conversion.add", order, net=net_minor)
        return order

    async def find(self, guild_id: int, order_id: str, source: str | None) -> ConversionRow:
        order_id = order_id.strip()
        matches = await self._money.conversions_by_order(self._db, guild_id, order_id)
        if not matches:
            # Also by another id of the order, e.g. a Stripe payment of a subscription.
            matches = await self._adjustments.conversions_by_alias(self._db, guild_id, order_id)
        if source:
            matches = [m for m in matches if m.source == source]
        if not matches:
            raise OrderNotFound(order=order_id[:60])
        if len(matches) > 1:
            raise AmbiguousOrder(order=order_id[:60], sources=[m.source for m in matches])
        return matches[0]

    async def reverse(
        self, guild_id: int, actor_id: int, order_id: str, source: str | None = None
    ) -> ConversionRow:
        """Cancel an order by hand: its remaining commission is reversed (or clawed back)."""
        conversion = await self.find(guild_id, order_id, source)
        event = OrderEvent(
            source=Source(conversion.source),
            kind=EventKind.CANCEL,
            order_id=conversion.order_id,
            occurred_at=self._clock.now(),
        )
        outcome = await self.refunds.adjust(event, actor_id)
        if outcome is IngestOutcome.DUPLICATE:
            raise CreatorbotError("conversions.already_reversed", order=order_id[:60])
        await self._audit_action(guild_id, actor_id, "conversion.reverse", conversion.order_id)
        found = await self._money.conversion_by_id(self._db, conversion.id)
        assert found is not None
        return found

    async def info(self, guild_id: int, order_id: str, source: str | None = None) -> ConversionInfo:
        """How an order became the figures the program shows: net, attribution, commission,
        refunds."""
        conversion = await self.find(guild_id, order_id, source)
        commission = await self._money.commission_for_conversion(self._db, conversion.id)
        creator = (
            await self._creators.get(self._db, conversion.creator_id)
            if conversion.creator_id
            else None
        )
        plan = None
        if commission is not None and commission.plan_id is not None:
            plan = await self._money.plan(self._db, commission.plan_id)
        return ConversionInfo(
            conversion=conversion,
            commission=commission,
            adjustments=await self._adjustments.adjustments(self._db, conversion.id),
            creator_user_id=creator.user_id if creator else None,
            plan_name=plan.name if plan else None,
        )

    async def correct_refund(
        self,
        guild_id: int,
        actor_id: int,
        order_id: str,
        amount_minor: int,
        refund_key: str | None = None,
        source: str | None = None,
    ) -> tuple[AdjustmentRow, ConversionInfo]:
        """A manager sets the net amount of an order's refund (an estimated or held one, or
        a new one); the commission is reversed or given back to match."""
        conversion = await self.find(guild_id, order_id, source)
        corrected = await self.refunds.correct(conversion, actor_id, amount_minor, refund_key)
        return corrected, await self.info(guild_id, conversion.order_id, conversion.source)

    async def recent_earnings(self, creator_id: int, limit: int = 5) -> list[EarnedRow]:
        """A creator's newest commissions and the orders behind them."""
        return await self._money.recent_commissions(self._db, creator_id, limit)

    async def release(
        self, guild_id: int, actor_id: int, order_id: str, source: str | None = None
    ) -> CommissionRow:
        """Clear a fraud hold: the commission goes on as pending (or approved if due)."""
        conversion = await self.find(guild_id, order_id, source)
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            commission = await self._money.commission_for_conversion(tx, conversion.id)
            if commission is None or commission.state is not CommissionState.ON_HOLD:
                raise NotOnHold(order=order_id[:60])
            due = commission.approve_after <= now
            state = CommissionState.APPROVED if due else CommissionState.PENDING
            await move(
                tx,
                self._money,
                self._ledger,
                commission,
                CommissionState.ON_HOLD,
                state,
                EntryKind.RELEASE,
                actor_id,
                now,
            )
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="commission.release",
                subject=f"commission:{commission.id}",
                detail={"order": conversion.order_id, "hold": commission.hold_reason},
                now=now,
            )
            released = await self._money.commission(tx, commission.id)
        assert released is not None
        return released

    async def _audit_action(
        self, guild_id: int, actor_id: int, action: str, order: str, **detail: object
    ) -> None:
        async with self._db.transaction() as tx:
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action=action,
                subject=f"order:{order}",
                detail=dict(detail) or None,
                now=to_epoch(self._clock.now()),
            )

    # --- what creators see ---------------------------------------------------------------------

    async def balances(self, guild_id: int, creator_id: int) -> Balance:
        settings = await self._settings.get(guild_id)
        buckets = {
            b.bucket: b.amount_minor for b in await self._money.balances(self._db, creator_id)
        }
        maturity = await self._money.next_maturity(self._db, creator_id)
        return Balance.of(
            buckets,
            currency=settings.currency,
            clawed_back=await self._money.clawed_back(self._db, creator_id),
            threshold=settings.payout_threshold_minor,
            next_maturity=from_epoch(maturity),
        )

    async def stats(
        self, guild_id: int, creator_id: int, since: datetime | None, clicks: tuple[int, int]
    ) -> CreatorStats:
        settings = await self._settings.get(guild_id)
        start = to_epoch(since) if since else 0
        until = to_epoch(self._clock.now()) + 1
        period = await self._money.creator_period(self._db, creator_id, start, until)
        # ``reversed`` also holds the reversed parts of commissions in other states.
        commissions: dict[str, int] = {}
        for total in await self._money.commissions_by_state(self._db, creator_id, start, until):
            commissions[total.state] = commissions.get(total.state, 0) + total.amount_minor
            reversed_ = CommissionState.REVERSED
            commissions[reversed_] = commissions.get(reversed_, 0) + total.reversed_minor
        return CreatorStats(
            since=since,
            clicks=clicks[0],
            unique_clicks=clicks[1],
            orders=period.orders,
            leads=period.leads,
            revenue=period.revenue_minor,
            commissions=commissions,
            currency=settings.currency,
            recurring=await self._money.recurring_commission(self._db, creator_id, start, until),
        )


def _check(event: OrderEvent) -> None:
    for order_id in (event.order_id, *event.refs):
        if not order_id or len(order_id) > MAX_ORDER_ID:
            raise InvalidOrder(problem="order_id")
    for amount in (event.net_minor, event.refund_minor):
        if amount is not None and amount < 0:
            raise InvalidOrder(problem="amount")
    if event.kind in (EventKind.SALE, EventKind.LEAD) and event.net_minor is None:
        raise InvalidOrder(problem="amount")
    if event.currency is not None and (len(event.currency) != 3 or not event.currency.isalpha()):
        raise InvalidOrder(problem="currency")


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None
