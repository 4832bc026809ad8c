"""Creator applications: input validation and the state machine.

States: ``open`` → ``approved`` | ``rejected``; ``open`` → ``info_requested`` (a manager
asked a question) → ``open`` again when the applicant answers with ``/apply``; a manager may
also decide while the question is pending. Decided applications never change again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.domain.tiers import MAX_FOLLOWERS, EngagementCheck, Tier, check_engagement, tier_for
from bot.errors import CreatorbotError

if TYPE_CHECKING:  # review_rules imports Platform from here
    from bot.domain.review_rules import ReviewRules, Rule


class Platform(StrEnum):
    TIKTOK = "tiktok"
    INSTAGRAM = "instagram"
    YOUTUBE = "youtube"
    TWITCH = "twitch"
    PINTEREST = "pinterest"
    X = "x"
    OTHER = "other"


class Status(StrEnum):
    OPEN = "open"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


PENDING = frozenset({Status.OPEN, Status.INFO_REQUESTED})

# Handle rules per platform (without the leading @).
_HANDLES: dict[Platform, re.Pattern[str]] = {
    Platform.TIKTOK: re.compile(r"^[A-Za-z0-9._]{2,24}$"),
    Platform.INSTAGRAM: re.compile(r"^[A-Za-z0-9._]{1,30}$"),
    Platform.YOUTUBE: re.compile(r"^[A-Za-z0-9._-]{3,30}$"),
    Platform.TWITCH: re.compile(r"^[A-Za-z0-9_]{4,25}$"),
    Platform.PINTEREST: re.compile(r"^[A-Za-z0-9_]{3,30}$"),
    Platform.X: re.compile(r"^[A-Za-z0-9_]{1,15}$"),
    Platform.OTHER: re.compile(r"^[A-Za-z0-9._-]{1,40}$"),
}
# Hosts a profile URL may use per platform; "other" accepts any https host.
_PROFILE_HOSTS: dict[Platform, tuple[str, ...]] = {
    Platform.TIKTOK: ("tiktok.com",),
    Platform.INSTAGRAM: ("instagram.com",),
    Platform.YOUTUBE: ("youtube.com", "youtu.be"),
    Platform.TWITCH: ("twitch.tv",),
    Platform.PINTEREST: ("pinterest.com", "pinterest.nl", "pin.it"),
    Platform.X: ("x.com", "twitter.com"),
}


def profile_hosts(platform: Platform) -> tuple[str, ...]:
    """Host names of a platform's profile and post URLs (empty for "other")."""
    return _PROFILE_HOSTS.get(platform, ())


_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_NICHE = 60


class InvalidApplication(CreatorbotError):
    """An ``/apply`` option has a bad value; ``field`` names it."""

    key = "onboarding.invalid"

    def __init__(self, field: str, value: object = "") -> None:
        super().__init__(field=field, value=str(value)[:100])
        self.field = field


@dataclass(frozen=True)
class ApplicationInput:
    """What ``/apply`` collected, validated and normalised."""

    platform: Platform
    handle: str
    followers: int
    niche: str
    engagement_rate_bp: int | None
    profile_url: str | None
    email: str | None


def parse_engagement(text: str | None) -> int | None:
    """``"3.2"``, ``"3,2%"`` → 320 basis points; 0–100 %."""
    if text is None or not str(text).strip():
        return None
    cleaned = str(text).strip().rstrip("%").strip().replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidApplication("engagement_rate", text) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise InvalidApplication("engagement_rate", text)
    return int((value * 100).to_integral_value())


def validate_application(
    *,
    platform: str,
    handle: str,
    followers: int,
    niche: str,
    engagement_rate: str | None = None,
    profile_url: str | None = None,
    email: str | None = None,
) -> ApplicationInput:
    """Check every ``/apply`` option; raise :class:`InvalidApplication` on the first bad one."""
    try:
        chosen = Platform(platform.lower())
    except ValueError:
        raise InvalidApplication("platform", platform) from None
    cleaned_handle = handle.strip().removeprefix("@")
    if not _HANDLES[chosen].match(cleaned_handle):
        raise InvalidApplication("handle", handle)
    if not isinstance(followers, int) or not 0 <= followers <= MAX_FOLLOWERS:
        raise InvalidApplication("followers", followers)
    cleaned_niche = " ".join(niche.split())
    if (
        not cleaned_niche
        or len(cleaned_niche) > MAX_NICHE
        or any(c in cleaned_niche for c in "<>@`*_~|")
    ):
        raise InvalidApplication("niche", niche)
    url = None
    if profile_url and profile_url.strip():
        url = profile_url.strip()
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        allowed = _PROFILE_HOSTS.get(chosen)
        if parts.scheme != "https" or not host or parts.username or parts.password:
            raise InvalidApplication("profile_url", profile_url)
        if allowed and not any(host == h or host.endswith("." + h) for h in allowed):
            raise InvalidApplication("profile_url", profile_url)
    mail = None
    if email and email.strip():
        mail = email.strip()
        if not _EMAIL.match(mail) or len(mail) > 254:
            raise InvalidApplication("email", email)
    return ApplicationInput(
        platform=chosen,
        handle=cleaned_handle,
        followers=followers,
        niche=cleaned_niche,
        engagement_rate_bp=parse_engagement(engagement_rate),
        profile_url=url,
        email=mail,
    )


@dataclass(frozen=True)
class Assessment:
    """The tier and engagement verdict shown on the review card."""

    tier: Tier
    engagement: EngagementCheck

    @property
    def flags(self) -> tuple[str, ...]:
        return self.engagement.flags


def assess(data: ApplicationInput, thresholds: tuple[int, int, int]) -> Assessment:
    tier = tier_for(data.followers, thresholds)
    return Assessment(tier=tier, engagement=check_engagement(data.engagement_rate_bp, tier))


def cooldown_ends(rejected_at: datetime, cooldown_days: int) -> datetime:
    """When a rejected member may apply again."""
    return rejected_at + timedelta(days=cooldown_days)


def can_decide(status: str) -> bool:
    """Only pending applications can be approved, rejected or asked for more info."""
    return status in PENDING


@dataclass(frozen=True)
class Application:
    """A stored application."""

    id: int
    guild_id: int
    user_id: int | None
    platform: Platform
    handle: str | None
    followers: int
    niche: str
    engagement_rate_bp: int | None
    profile_url: str | None
    email: str | None
    locale: str
    tier: Tier
    flags: tuple[str, ...]
    status: Status
    info_question: str | None
    review_channel_id: int | None
    review_message_id: int | None
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str | None
    created_at: datetime
    # Set when an auto-review rule decided (decided_by is then None): the rule, and the
    # server's rules as they were at that moment (what the card names).
    decided_by_rule: Rule | None = None
    decided_rules: ReviewRules | None = None

    @property
    def engagement(self) -> EngagementCheck:
        return check_engagement(self.engagement_rate_bp, self.tier)
