"""Use case: commission plans (``/plan create|list|assign``)."""

from __future__ import annotations

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.campaigns_repo import CampaignRepository
from bot.db.connection import Database
from bot.db.creators_repo import CreatorRepository
from bot.db.money_repo import MoneyRepository
from bot.domain.commission import (
    InvalidPlan,
    Plan,
    PlanKind,
    levels_json,
    parse_levels,
    parse_money,
    parse_rate,
)
from bot.domain.recurring import Recurring, parse_terms
from bot.errors import CreatorbotError, NotACreator
from bot.services.settings import SettingsService

# Plans that pay for sales, the only ones a returning customer's orders can earn on.
SALE_KINDS = frozenset({PlanKind.REVENUE_SHARE, PlanKind.CPA, PlanKind.TIERED})


class PlanService:
    def __init__(
        self,
        db: Database,
        money: MoneyRepository,
        campaigns: CampaignRepository,
        creators: CreatorRepository,
        audit: AuditRepository,
        settings: SettingsService,
        clock: Clock,
    ) -> None:
        self._db = db
        self._money = money
        self._campaigns = campaigns
        self._creators = creators
        self._audit = audit
        self._settings = settings
        self._clock = clock

    async def create(
        self,
        guild_id: int,
        actor_id: int,
        *,
        name: str,
        kind: str,
        rate: str | None = None,
        amount: str | None = None,
        levels: str | None = None,
        basis: str | None = None,
        recurring: str | None = None,
        months: int | None = None,
    ) -> Plan:
        """Validate and store a plan; what each kind needs is checked here."""
        settings = await self._settings.get(guild_id)
        plan_kind = PlanKind(kind)
        name = " ".join(name.split())[:60]
        if not name:
            raise InvalidPlan(problem="name", value="")
        rate_bp: int | None = None
        amount_minor: int | None = None
        tier_basis: str | None = None
        levels_text: str | None = None
        if plan_kind is PlanKind.REVENUE_SHARE:
            if rate is None:
                raise InvalidPlan(problem="needs_rate", value="")
            rate_bp = parse_rate(rate)
        elif plan_kind in (PlanKind.CPA, PlanKind.CPL, PlanKind.FIXED_FEE, PlanKind.GIFTED):
            if amount is None:
                raise InvalidPlan(problem="needs_amount", value="")
            amount_minor = parse_money(amount, settings.currency)
        elif plan_kind is PlanKind.TIERED:
            tier_basis = (basis or "revenue").lower()
            if tier_basis not in ("revenue", "sales") or levels is None:
                raise InvalidPlan(problem="needs_levels", value="")
            levels_text = levels_json(parse_levels(levels, tier_basis, settings.currency))
        try:
            terms = parse_terms(recurring, months)
        except ValueError as exc:
            raise InvalidPlan(problem=str(exc), value=str(months or "")) from exc
        if terms.kind is not Recurring.FIRST and plan_kind not in SALE_KINDS:
            raise InvalidPlan(problem="recurring_needs_sales", value="")
        values = {
            "rate_bp": rate_bp,
            "amount_minor": amount_minor,
            "tier_basis": tier_basis,
            "levels": levels_text,
            "recurring": terms.kind.value,
            "recurring_months": terms.months,
        }
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            await self._campaigns.ensure_default_plan(tx, guild_id, now)
            plan_id = await self._money.insert_plan(
                tx,
                guild_id=guild_id,
                name=name,
                kind=plan_kind.value,
                rate_bp=rate_bp,
                amount_minor=amount_minor,
                tier_basis=tier_basis,
                levels=levels_text,
                now=now,
                recurring=terms,
            )
            if plan_id is None:
                raise CreatorbotError("plans.exists", name=name)
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="plan.create",
                subject=f"plan:{plan_id}",
                detail={"name": name, "kind": plan_kind.value, **values},
                now=now,
            )
            plan = await self._money.plan(tx, plan_id)
        assert plan is not None
        return plan

    async def list(self, guild_id: int) -> list[Plan]:
        """Every plan; the default plan exists from the first use on."""
        async with self._db.transaction() as tx:
            await self._campaigns.ensure_default_plan(tx, guild_id, to_epoch(self._clock.now()))
        return await self._money.plans(self._db, guild_id)

    async def assign(
        self, guild_id: int, actor_id: int, user_id: int, plan_name: str | None
    ) -> Plan | None:
        """Put a creator on a plan (their override), or back on the default with ``None``."""
        creator = await self._creators.by_member(self._db, guild_id, user_id)
        if creator is None:
            raise NotACreator(own=False)
        plan = None
        if plan_name:
            plan = await self._money.plan_by_name(self._db, guild_id, plan_name)
            if plan is None:
                raise CreatorbotError("campaigns.unknown_plan", plan=plan_name[:60])
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            await self._money.set_creator_plan(
                tx, creator.id, None if plan is None or plan.is_default else plan.id
            )
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="creator.plan",
                subject=f"creator:{creator.id}",
                detail={"plan": plan.name if plan else None},
                now=now,
            )
        return plan
