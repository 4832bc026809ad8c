"""Creators and what they earn with: campaigns, tracking links, discount codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.tiers import Tier


class CreatorStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    REMOVED = "removed"


@dataclass(frozen=True)
class Creator:
    id: int
    guild_id: int
    user_id: int | None
    handle: str | None
    source_slug: str
    platform: str
    followers: int
    tier: Tier
    niche: str | None
    email: str | None
    locale: str
    status: CreatorStatus
    plan_id: int | None
    public_earnings: bool
    welcome_pending: bool
    approved_by: int | None
    approved_at: datetime
    status_at: datetime

    @property
    def is_active(self) -> bool:
        return self.status is CreatorStatus.ACTIVE


@dataclass(frozen=True)
class Campaign:
    id: int
    guild_id: int
    name: str
    slug: str
    destination_url: str
    plan_id: int | None
    is_default: bool
    active: bool


@dataclass(frozen=True)
class Link:
    id: int
    creator_id: int
    campaign_id: int
    campaign_name: str
    campaign_slug: str
    slug: str

    def url(self, public_url: str) -> str:
        """The shareable link: ``{PUBLIC_URL}/r/{slug}``."""
        return f"{public_url.rstrip('/')}/r/{self.slug}"


@dataclass(frozen=True)
class DiscountCode:
    id: int
    creator_id: int
    code: str
    discount_percent: int
    active: bool
