"""The one set of service objects the cogs, the tracker and the schedule share.

Its own module, so that the tracker, the client and the cogs can name it without importing
the wiring in :mod:`bot.app` (which imports them).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database
from bot.metrics import Metrics
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


@dataclass
class Services:
    """The one set of service objects shared by the cogs, the tracker and the schedule."""

    config: Settings
    clock: Clock
    db: Database
    metrics: Metrics
    schedule: Schedule
    audit: AuditRepository
    settings: SettingsService
    notifications: NotificationService
    onboarding: OnboardingService
    campaigns: CampaignService
    conversions: ConversionService
    customers: CustomerService
    refund_lines: RefundLines
    plans: PlanService
    deliverables: DeliverableService
    tracking: TrackingService
    performance: PerformanceService
    payouts: PayoutService
    privacy: PrivacyService
    summaries: SummaryService
    reports: ReportService
    roster: RosterService
    jobs: JobService
    review_queue: ReviewQueueService
    levels: LevelService
    segments: SegmentService
    broadcasts: BroadcastService
    gifts: GiftService
    bounties: BountyService
    bulk_requests: BulkRequestService
    code_sync: CodeSyncService
    sites: SiteService
