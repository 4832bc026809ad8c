"""Wiring: build the services once, then run the Discord client, the tracker and the
schedule together on one event loop."""

from __future__ import annotations

import asyncio
import logging
import random

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db.adjustments_repo import AdjustmentRepository
from bot.db.applications_repo import ApplicationRepository
from bot.db.audit_repo import AuditRepository
from bot.db.bounties_repo import BountyRepository
from bot.db.broadcasts_repo import BroadcastRepository
from bot.db.bulk_requests_repo import BulkRequestRepository
from bot.db.campaigns_repo import CampaignCatalog, CampaignRepository
from bot.db.clicks_repo import ClickRepository
from bot.db.connection import Database
from bot.db.creators_repo import CreatorRepository
from bot.db.customers_repo import CustomerRepository
from bot.db.deliverables_repo import DeliverableRepository
from bot.db.gifts_repo import GiftRepository
from bot.db.jobs_repo import JobRepository
from bot.db.ledger_repo import LedgerRepository
from bot.db.levels_repo import LevelRepository
from bot.db.migrate import migrate
from bot.db.money_repo import MoneyRepository
from bot.db.notifications_repo import NotificationRepository
from bot.db.payouts_repo import PayoutRepository
from bot.db.privacy_repo import PrivacyRepository
from bot.db.reports_repo import ReportRepository
from bot.db.roster_repo import RosterRepository
from bot.db.segments_repo import SegmentRepository
from bot.db.settings_repo import SettingsRepository
from bot.db.shop_codes_repo import ShopCodeRepository
from bot.db.sites_repo import SiteRepository
from bot.db.summaries_repo import SummaryRepository
from bot.domain.sites import shop_hosts
from bot.metrics import Metrics
from bot.registry import Services
from bot.schedule import Schedule
from bot.services.bounties import BountyService
from bot.services.broadcasts import BroadcastService
from bot.services.bulk_requests import BulkRequestService
from bot.services.campaigns import CampaignService
from bot.services.code_sync import CodeSyncService
from bot.services.conversions import ConversionService
from bot.services.customers import CustomerService
from bot.services.deliverables import DeliverableService
from bot.services.gifts import GiftService
from bot.services.jobs import JobService
from bot.services.levels import LevelService
from bot.services.notifications import NotificationService
from bot.services.onboarding import OnboardingService
from bot.services.payouts import PayoutService
from bot.services.performance import PerformanceService
from bot.services.plans import PlanService
from bot.services.privacy import PrivacyService
from bot.services.refund_lines import RefundLines
from bot.services.reports import ReportService
from bot.services.review_queue import ReviewQueueService
from bot.services.roster import RosterService
from bot.services.segments import SegmentService
from bot.services.settings import SettingsService
from bot.services.sites import SiteService
from bot.services.summaries import SummaryService
from bot.services.tracking import TrackingService
from bot.shops.codes import CodeShop
from bot.shops.shopify import ShopifyAdmin
from bot.shops.stripe import StripeCodes
from bot.shops.woocommerce import WooCommerceAPI
from bot.web.app import create_app

log = logging.getLogger(__name__)


async def open_services(
    config: Settings, clock: Clock | None = None, rng: random.Random | None = None
) -> Services:
    """Connect the database, apply migrations and build every service.

    ``clock`` and ``rng`` are the only seams for tests: everything else is real.
    """
    clock = clock or SystemClock()
    db = await Database(config.database_path).connect()
    try:
        await migrate(db, clock)
    except BaseException:
        await db.close()
        raise
    audit = AuditRepository()
    metrics = Metrics()
    settings = SettingsService(db, SettingsRepository(), audit, clock)
    tracking = TrackingService(db, ClickRepository(), clock, metrics)
    sites = SiteService(
        db,
        SiteRepository(),
        CreatorRepository(),
        audit,
        settings,
        clock,
        shop_hosts(
            config.public_url,
            config.shopify_store,
            config.woocommerce_url,
        ),
    )
    onboarding = OnboardingService(
        db,
        ApplicationRepository(),
        CreatorRepository(),
        CampaignRepository(),
        audit,
        settings,
        clock,
        rng,
        links_changed=tracking.forget_creator,
        sites=sites,
    )
    campaigns = CampaignService(
        db,
        CampaignRepository(),
        CampaignCatalog(),
        CreatorRepository(),
        audit,
        settings,
        clock,
        rng,
    )
    settings.on_change(campaigns.follow_shop_url)
    ledger = LedgerRepository()
    customer_key = config.customer_key.get_secret_value().strip() if config.customer_key else None
    customers = CustomerService(db, CustomerRepository(), customer_key or None, rng)
    conversions = ConversionService(
        db,
        MoneyRepository(),
        CreatorRepository(),
        CampaignRepository(),
        audit,
        settings,
        clock,
        ledger,
        LevelRepository(),
        AdjustmentRepository(),
        customers,
        sites,
    )
    schedule = Schedule(config.sweep_seconds)
    schedule.add_sweep_task("mature commissions", conversions.mature)
    levels = LevelService(db, LevelRepository(), audit, settings, clock)
    schedule.add_sweep_task("levels", levels.sweep)
    notifications = NotificationService(db, NotificationRepository(), clock)
    summaries = SummaryService(
        db,
        SummaryRepository(),
        ReportRepository(),
        settings,
        notifications,
        audit,
        schedule,
        clock,
    )
    settings.on_change(summaries.follow_settings)
    jobs = JobService(db, JobRepository(), clock)
    schedule.add_sweep_task("resume bulk jobs", jobs.resume)
    deliverables = DeliverableService(
        db,
        DeliverableRepository(),
        CreatorRepository(),
        MoneyRepository(),
        audit,
        settings,
        clock,
        ledger,
    )
    segments = SegmentService(
        db,
        SegmentRepository(),
        CampaignRepository(),
        CampaignCatalog(),
        LevelRepository(),
        audit,
        settings,
        clock,
    )
    code_shops = _code_shops(config, clock)
    shopify = next((s for s in code_shops if isinstance(s, ShopifyAdmin)), None)
    gifts = GiftService(
        db,
        GiftRepository(),
        JobRepository(),
        jobs,
        segments,
        CreatorRepository(),
        DeliverableRepository(),
        notifications,
        settings,
        audit,
        clock,
        shopify,
    )
    schedule.add_sweep_task("erase gift addresses", gifts.erase_expired)
    bounties = BountyService(
        db,
        BountyRepository(),
        JobRepository(),
        jobs,
        segments,
        CreatorRepository(),
        MoneyRepository(),
        ledger,
        notifications,
        settings,
        audit,
        clock,
    )
    schedule.add_sweep_task("bounties", bounties.sweep)
    return Services(
        config=config,
        clock=clock,
        db=db,
        metrics=metrics,
        schedule=schedule,
        audit=audit,
        settings=settings,
        notifications=notifications,
        onboarding=onboarding,
        campaigns=campaigns,
        conversions=conversions,
        refund_lines=RefundLines(db, AdjustmentRepository(), _woocommerce_api(config, clock)),
        deliverables=deliverables,
        plans=PlanService(
            db, MoneyRepository(), CampaignRepository(), CreatorRepository(), audit, settings, clock
        ),
        tracking=tracking,
        performance=PerformanceService(settings, tracking, conversions, clock),
        payouts=PayoutService(
            db, PayoutRepository(), CreatorRepository(), audit, settings, clock, ledger
        ),
        privacy=PrivacyService(
            db,
            PrivacyRepository(),
            CreatorRepository(),
            PayoutRepository(),
            audit,
            clock,
            config.public_url,
            tracking,
            SiteRepository(),
        ),
        summaries=summaries,
        reports=ReportService(db, ReportRepository(), settings, clock, customers),
        customers=customers,
        roster=RosterService(
            db, RosterRepository(), CampaignRepository(), CampaignCatalog(), settings, clock
        ),
        jobs=jobs,
        review_queue=ReviewQueueService(
            db, ApplicationRepository(), onboarding, notifications, jobs
        ),
        levels=levels,
        segments=segments,
        gifts=gifts,
        bounties=bounties,
        broadcasts=BroadcastService(
            db,
            BroadcastRepository(),
            JobRepository(),
            jobs,
            segments,
            CampaignRepository(),
            CampaignCatalog(),
            CreatorRepository(),
            notifications,
            settings,
            audit,
            clock,
            config.public_url,
            rng,
        ),
        sites=sites,
        code_sync=CodeSyncService(
            db,
            ShopCodeRepository(),
            CreatorRepository(),
            audit,
            clock,
            code_shops,
            settings,
        ),
        bulk_requests=BulkRequestService(
            db,
            BulkRequestRepository(),
            DeliverableRepository(),
            deliverables,
            CreatorRepository(),
            JobRepository(),
            jobs,
            segments,
            notifications,
            settings,
            audit,
            clock,
        ),
    )


def _code_shops(config: Settings, clock: Clock) -> list[CodeShop]:
    """The shops whose settings are set, each as a discount-code client."""
    shops: list[CodeShop] = []
    if config.shopify_admin is not None:
        base, token = config.shopify_admin
        shops.append(ShopifyAdmin(base, token, clock=clock))
    woocommerce = _woocommerce_api(config, clock)
    if woocommerce is not None:
        shops.append(woocommerce)
    if config.stripe_api is not None:
        base, key = config.stripe_api
        shops.append(StripeCodes(base, key))
    return shops


def _woocommerce_api(config: Settings, clock: Clock) -> WooCommerceAPI | None:
    """The store's REST API when its address and keys are configured."""
    if config.woocommerce_api is None:
        return None
    url, key, secret = config.woocommerce_api
    return WooCommerceAPI(url, key, secret, clock)


class Runtime:
    """One process: the discord.py client, the aiohttp tracker and the scheduler."""

    def __init__(
        self, services: Services, *, sync_commands: bool = True, guild_ready_timeout: float = 2.0
    ) -> None:
        from bot.client import CreatorBot  # discord is only imported where it is used

        self.services = services
        self.bot = CreatorBot(
            services, sync_commands=sync_commands, guild_ready_timeout=guild_ready_timeout
        )
        self._runner: web.AppRunner | None = None
        self._bot_task: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start_http(self) -> None:
        config = self.services.config
        self._runner = web.AppRunner(create_app(self.services), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, config.http_host, config.http_port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else config.http_port
        log.info("tracker listening on http://%s:%s", config.http_host, self.port)

    async def start(self, token: str) -> asyncio.Task[None]:
        """Start all three parts; return the client task (it ends when the client stops)."""
        await self.start_http()
        self.services.schedule.start()
        self._bot_task = asyncio.create_task(self.bot.start(token), name="discord-client")
        return self._bot_task

    async def stop(self) -> None:
        """Stop the client, the schedule and the tracker, then close the database."""
        if not self.bot.is_closed():
            await self.bot.close()
        if self._bot_task is not None:
            try:
                await self._bot_task
            except Exception:
                log.debug("client task ended with an error during shutdown", exc_info=True)
        self.services.schedule.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.services.code_sync.close()
        await self.services.db.close()
