"""Deliverables: due times in the server's timezone, and which reminders to send when.

Reminders are not scheduled jobs: every sweep asks :func:`reminders_to_send` what is due now
given what was already claimed, so a restart or a day of downtime never floods a creator.
After downtime the latest pre-due reminder that is still useful is sent and earlier ones are
skipped; once the due time has passed only overdue notices go out (daily, at most three),
and the first overdue notice also escalates to the review channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.domain.applications import Platform, profile_hosts
from bot.errors import CreatorbotError

OVERDUE_NOTICES = 3
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}$")
_DAYS_AHEAD = re.compile(r"^(\d{1,3}) ?d$")
MAX_DAYS_AHEAD = 366


class Kind(StrEnum):
    POST = "post"
    REEL = "reel"
    STORY = "story"
    VIDEO = "video"
    CAROUSEL = "carousel"
    LIVE = "live"
    OTHER = "other"


class Status(StrEnum):
    PLANNED = "planned"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


OPEN = frozenset({Status.PLANNED, Status.REJECTED})  # what a creator still has to hand in


class InvalidDue(CreatorbotError):
    """A due time that cannot be read (``reason``: format, nonexistent, past)."""

    key = "deliverables.bad_due"


class InvalidSubmission(CreatorbotError):
    key = "deliverables.bad_url"


def parse_due(text: str, timezone: str, now: datetime) -> datetime:
    """``YYYY-MM-DD HH:MM`` in the server's timezone, ISO 8601 with an offset, or ``14d``
    (that many days from now at this time of day in the server's timezone, to the minute)
    → UTC.

    A local time that does not exist (the hour skipped when clocks go forward) is refused;
    an ambiguous one (the hour repeated when clocks go back) means its first occurrence.
    """
    value = " ".join(str(text).split())
    zone = ZoneInfo(timezone)
    ahead = _DAYS_AHEAD.match(value.lower())
    if ahead:
        days = int(ahead[1])
        if not 1 <= days <= MAX_DAYS_AHEAD:
            raise InvalidDue(reason="format", value=value, timezone=timezone)
        # Days on the server's wall clock: the same time of day after a clock change.
        local = now.astimezone(zone).replace(second=0, microsecond=0) + timedelta(days=days)
        return local.astimezone(UTC)
    if _LOCAL.match(value):
        try:
            naive = datetime.fromisoformat(value.replace(" ", "T"))
        except ValueError:
            raise InvalidDue(reason="format", value=value[:40], timezone=timezone) from None
        local = naive.replace(tzinfo=zone)
        round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != naive:
            raise InvalidDue(reason="nonexistent", value=value, timezone=timezone)
        moment = local.astimezone(UTC)
    else:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidDue(reason="format", value=value[:40], timezone=timezone) from None
        if parsed.tzinfo is None:
            raise InvalidDue(reason="format", value=value[:40], timezone=timezone)
        moment = parsed.astimezone(UTC)
    if moment <= now:
        raise InvalidDue(reason="past", value=value[:40], timezone=timezone)
    return moment


def check_submission_url(url: str, platform: str) -> str:
    """An https URL on the deliverable's platform (any https host for "other")."""
    url = url.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or parts.username or parts.password:
        raise InvalidSubmission(value=url[:200], platform=platform)
    allowed = profile_hosts(Platform(platform)) if platform in Platform._value2member_map_ else ()
    if allowed and not any(host == h or host.endswith("." + h) for h in allowed):
        raise InvalidSubmission(value=url[:200], platform=platform)
    return url


def engagement_bp(reach: int | None, likes: int, comments: int, shares: int) -> int | None:
    """(likes + comments + shares) / reach in basis points, or ``None`` without reach."""
    if not reach:
        return None
    return round((likes + comments + shares) * 10_000 / reach)


@dataclass(frozen=True)
class PlannedReminder:
    kind: str  # 'before:7d' … 'overdue:1' … 'escalation'
    at: datetime


def offset_label(offset: timedelta) -> str:
    """A compact label for an offset: 7d, 2h, 90m."""
    seconds = int(offset.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def reminder_time(due_at: datetime, offset: timedelta, timezone: str) -> datetime:
    """When the reminder ``offset`` before ``due_at`` goes out.

    Whole days count on the wall clock ("7 days before Monday 10:00" is the previous Monday
    10:00 even across a DST change); hours and minutes are exact durations.
    """
    if offset % timedelta(days=1):
        return due_at - offset
    local = due_at.astimezone(ZoneInfo(timezone)) - offset
    return local.astimezone(UTC)


def plan_reminders(
    due_at: datetime, offsets: list[timedelta], planned_at: datetime, timezone: str = "UTC"
) -> list[PlannedReminder]:
    """Every reminder of a deliverable due at ``due_at``, in time order.

    ``planned_at`` is when the deliverable was added or its due time last changed. Reminders
    whose time had already passed then are left out, except the one for the window we are
    already in (added 90 minutes before due, the 2-hour reminder still goes out, at once).
    """
    plan: list[PlannedReminder] = []
    passed: list[timedelta] = []
    for offset in offsets:
        at = reminder_time(due_at, offset, timezone)
        if at > planned_at:
            plan.append(PlannedReminder(f"before:{offset_label(offset)}", at))
        else:
            passed.append(offset)
    if passed and due_at > planned_at:
        plan.append(PlannedReminder(f"before:{offset_label(min(passed))}", planned_at))
    plan += [
        PlannedReminder(f"overdue:{n}", due_at + timedelta(days=n - 1))
        for n in range(1, OVERDUE_NOTICES + 1)
    ]
    plan.append(PlannedReminder("escalation", due_at))
    return sorted(plan, key=lambda r: (r.at, r.kind))


@dataclass(frozen=True)
class ReminderDecision:
    send: list[str]
    skip: list[str]


def reminders_to_send(
    plan: list[PlannedReminder], done: set[str], due_at: datetime, now: datetime
) -> ReminderDecision:
    """What to send now, and what to mark skipped because a later one supersedes it."""
    ready = [r for r in plan if r.at <= now and r.kind not in done]
    before = [r for r in ready if r.kind.startswith("before:")]
    overdue = [r for r in ready if r.kind.startswith("overdue:")]
    send: list[str] = []
    skip: list[str] = []
    if before:
        if now < due_at:
            *older, latest = before
            send.append(latest.kind)
            skip += [r.kind for r in older]
        else:
            skip += [r.kind for r in before]
    if overdue:
        *older, latest = overdue
        send.append(latest.kind)
        skip += [r.kind for r in older]
    if any(r.kind == "escalation" for r in ready):
        send.append("escalation")
    return ReminderDecision(send=send, skip=skip)


@dataclass(frozen=True)
class Deliverable:
    id: int
    guild_id: int
    creator_id: int
    contract_id: int | None
    platform: str
    kind: Kind
    due_at: datetime
    due_version: int
    due_set_at: datetime
    fee_minor: int
    currency: str
    status: Status
    submission_url: str | None
    submitted_at: datetime | None
    review_channel_id: int | None
    review_message_id: int | None
    decided_by: int | None
    decided_at: datetime | None
    rejection_reason: str | None
    reach: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    updated_at: datetime
    creator_user_id: int | None = None
    creator_handle: str | None = None
    creator_locale: str = "en"
    creator_tier: str = "nano"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, now: datetime) -> bool:
        return self.is_open and now >= self.due_at

    @property
    def engagement_bp(self) -> int | None:
        return engagement_bp(self.reach, self.likes or 0, self.comments or 0, self.shares or 0)


@dataclass(frozen=True)
class Contract:
    id: int
    guild_id: int
    creator_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    fee_minor: int
    total_fee_minor: int
    currency: str
    plan_id: int | None
    status: str


def spread_due_times(start: datetime, days: int, count: int) -> list[datetime]:
    """``count`` due times evenly over ``days`` from ``start``, the last one at the end."""
    step = timedelta(days=days) / count
    return [start + step * (n + 1) for n in range(count)]


@dataclass(frozen=True)
class PostShape:
    """A contract template's posts: ``count`` of one platform and kind over ``days``."""

    platform: str
    kind: Kind
    count: int
    days: int


@dataclass(frozen=True)
class ContractTerms:
    """A contract as ``/contract create`` gives it, read and checked, before it is stored.

    Kept as JSON (:meth:`to_json`) by a bulk request, so every creator of a segment gets the
    same terms however long the job takes.
    """

    title: str
    starts_at: datetime
    ends_at: datetime
    fee_minor: int
    total_fee_minor: int
    currency: str
    plan_id: int | None = None
    gift: str | None = None
    gift_cost_minor: int = 0
    posts: PostShape | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "title": self.title,
            "starts_at": int(self.starts_at.timestamp()),
            "ends_at": int(self.ends_at.timestamp()),
            "fee_minor": self.fee_minor,
            "total_fee_minor": self.total_fee_minor,
            "currency": self.currency,
            "plan_id": self.plan_id,
            "gift": self.gift,
            "gift_cost_minor": self.gift_cost_minor,
        }
        if self.posts is not None:
            data["posts"] = {
                "platform": self.posts.platform,
                "kind": self.posts.kind.value,
                "count": self.posts.count,
                "days": self.posts.days,
            }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContractTerms:
        posts = data.get("posts")
        return cls(
            title=str(data["title"]),
            starts_at=datetime.fromtimestamp(int(data["starts_at"]), UTC),
            ends_at=datetime.fromtimestamp(int(data["ends_at"]), UTC),
            fee_minor=int(data["fee_minor"]),
            total_fee_minor=int(data["total_fee_minor"]),
            currency=str(data["currency"]),
            plan_id=data.get("plan_id"),
            gift=data.get("gift"),
            gift_cost_minor=int(data.get("gift_cost_minor", 0)),
            posts=(
                PostShape(posts["platform"], Kind(posts["kind"]), posts["count"], posts["days"])
                if posts
                else None
            ),
        )
