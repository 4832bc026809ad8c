"""Per-server settings and the parsing of every ``/setup`` option.

Pure functions: each ``parse_*`` takes what a manager typed and returns the stored form, or
raises :class:`~bot.errors.InvalidSetting` with a reason key the templates explain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from babel.numbers import get_currency_precision, list_currencies

from bot.domain.applications import Platform
from bot.domain.links import destination_hosts
from bot.domain.review_rules import (
    ReviewRules,
    parse_follower_minimum,
    parse_follower_range,
    parse_platforms,
    parse_ratio,
    parse_switch,
)
from bot.domain.tiers import DEFAULT_THRESHOLDS, parse_thresholds
from bot.errors import InvalidSetting

DEFAULT_SUMMARY_CRON = "0 9 * * mon"
DEFAULT_REMINDER_OFFSETS = "7d,2d,1d,2h"
MAX_HOLD_DAYS = 365
MAX_OFFSETS = 10
_OFFSET = re.compile(r"^(\d{1,4})([mhdw])$")
_OFFSET_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_CRON_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class GuildSettings:
    """Everything ``/setup`` stores for one server; the defaults are the product's defaults."""

    guild_id: int
    review_channel_id: int | None = None
    announcements_channel_id: int | None = None
    creator_role_id: int | None = None
    manager_role_id: int | None = None
    shop_url: str | None = None
    allowed_domains: tuple[str, ...] = field(default_factory=tuple)
    commission_rate_bp: int = 1000
    timezone: str = "UTC"
    currency: str = "EUR"
    summary_cron: str = DEFAULT_SUMMARY_CRON
    hold_days: int = 30
    payout_threshold_minor: int = 5000
    reminder_offsets: str = DEFAULT_REMINDER_OFFSETS
    discount_percent: int = 15
    reapply_cooldown_days: int = 30
    tier_thresholds: tuple[int, int, int] = DEFAULT_THRESHOLDS
    attribution_window_days: int = 30
    code_beats_click: bool = True
    # Auto-review rules (all off by default); see bot.domain.review_rules.
    auto_approve_min_followers: int | None = None
    auto_approve_max_followers: int | None = None
    auto_approve_min_ratio: float | None = None
    auto_approve_platforms: tuple[Platform, ...] = field(default_factory=tuple)
    auto_reject_below_followers: int | None = None
    auto_reject_implausible: bool = False
    # Creators' codes in the shops: one use per customer.
    code_once_per_customer: bool = False
    # Days after a gift's delivery until its shipping address is erased.
    gift_address_retention_days: int = 14

    @property
    def review_rules(self) -> ReviewRules:
        """The server's auto-review rules."""
        return ReviewRules(
            approve_min_followers=self.auto_approve_min_followers,
            approve_max_followers=self.auto_approve_max_followers,
            approve_min_ratio=self.auto_approve_min_ratio,
            approve_platforms=self.auto_approve_platforms,
            reject_below_followers=self.auto_reject_below_followers,
            reject_implausible=self.auto_reject_implausible,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def destination_domains(self) -> frozenset[str]:
        """Hosts a campaign may redirect to: the allowed domains plus the shop's domain."""
        return destination_hosts(self.allowed_domains, self.shop_url)

    def offsets(self) -> list[timedelta]:
        """The reminder offsets, longest first."""
        return parse_reminder_offsets(self.reminder_offsets)[1]


# --- parsers: one per /setup option -------------------------------------------------------


def parse_commission_rate(text: str) -> int:
    """``"12.5"`` (or ``"12,5"``, ``"12.5%"``) → 1250 basis points; 0–100 %, two decimals."""
    cleaned = str(text).strip().rstrip("%").strip().replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidSetting("commission_rate", "percent", value=text) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise InvalidSetting("commission_rate", "percent", value=text)
    basis_points = value * 100
    if basis_points != basis_points.to_integral_value():
        raise InvalidSetting("commission_rate", "percent", value=text)
    return int(basis_points)


def parse_timezone(text: str) -> str:
    """An IANA zone name such as ``Europe/Amsterdam``."""
    name = str(text).strip()
    try:
        if not name or name.startswith(("/", ".")):
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSetting("timezone", "timezone", value=text) from None
    return name


def parse_currency(text: str) -> str:
    """An ISO 4217 code such as ``EUR``; upper-cased."""
    code = str(text).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or code not in list_currencies():
        raise InvalidSetting("currency", "currency", value=text)
    return code


def _cron_day_of_week(field_text: str) -> str:
    # Standard crontab counts days from Sunday=0 (7 is Sunday too); APScheduler's
    # from_crontab counts from Monday=0. Names mean the same in both, so numbers become names.
    def name(match: re.Match[str]) -> str:
        number = int(match.group(0))
        if number > 7:
            raise ValueError(field_text)
        return _CRON_DOW_NAMES[number]

    head, _, step = field_text.partition("/")
    return re.sub(r"\d+", name, head) + (f"/{step}" if step else "")


def parse_summary_cron(text: str, timezone: str) -> tuple[str, CronTrigger]:
    """A five-field crontab (``0 9 * * mon``), read in the server's timezone.

    Returns the normalised text and the trigger the scheduler uses.
    """
    parts = str(text).split()
    if len(parts) != 5:
        raise InvalidSetting("summary_cron", "cron", value=text)
    minute, hour, day, month, day_of_week = parts
    try:
        trigger = CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_cron_day_of_week(day_of_week.lower()),
            timezone=ZoneInfo(timezone),
        )
    except (ValueError, TypeError):
        raise InvalidSetting("summary_cron", "cron", value=text) from None
    return " ".join(parts).lower(), trigger


def parse_hold_days(value: int | str) -> int:
    """Whole days from 0 to 365."""
    try:
        days = int(str(value).strip())
    except ValueError:
        raise InvalidSetting("hold_days", "days", value=value) from None
    if not 0 <= days <= MAX_HOLD_DAYS:
        raise InvalidSetting("hold_days", "days", value=value)
    return days


def parse_amount(text: str, currency: str, option: str = "payout_threshold") -> int:
    """A decimal amount (``50``, ``50.00``, ``50,5``) → minor units of ``currency``."""
    cleaned = str(text).strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidSetting(option, "amount", value=text) from None
    digits = get_currency_precision(currency)
    minor = value * (10**digits)
    if not value.is_finite() or value < 0 or minor != minor.to_integral_value():
        raise InvalidSetting(option, "amount", value=text)
    if minor > 10**12:
        raise InvalidSetting(option, "amount", value=text)
    return int(minor)


def parse_reminder_offsets(text: str) -> tuple[str, list[timedelta]]:
    """``"7d,2d,1d,2h"`` → the normalised text and the offsets, longest first."""
    offsets: dict[timedelta, str] = {}
    for raw in str(text).replace(" ", "").lower().split(","):
        match = _OFFSET.match(raw)
        if not match or int(match.group(1)) == 0:
            raise InvalidSetting("reminder_offsets", "offsets", value=text)
        delta = timedelta(**{_OFFSET_UNITS[match.group(2)]: int(match.group(1))})
        if delta > timedelta(days=365):
            raise InvalidSetting("reminder_offsets", "offsets", value=text)
        offsets.setdefault(delta, raw)
    if not offsets or len(offsets) > MAX_OFFSETS:
        raise InvalidSetting("reminder_offsets", "offsets", value=text)
    ordered = sorted(offsets, reverse=True)
    return ",".join(offsets[d] for d in ordered), ordered


def parse_host(text: str, option: str = "allowed_domains") -> str:
    """A host name such as ``shop.example`` (internationalised names become punycode)."""
    host = str(text).strip().lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidSetting(option, "domain", value=text) from None
    labels = host.split(".")
    if len(labels) < 2 or len(host) > 253 or not all(_HOST_LABEL.match(lbl) for lbl in labels):
        raise InvalidSetting(option, "domain", value=text)
    return host


def parse_allowed_domains(text: str) -> tuple[str, ...]:
    """Comma-separated host names; an empty text clears the list (the shop's domain remains)."""
    hosts = [parse_host(part) for part in str(text).split(",") if part.strip()]
    return tuple(dict.fromkeys(hosts))


def parse_https_url(text: str, option: str = "shop_url") -> str:
    """An absolute ``https://`` URL with a valid host."""
    url = str(text).strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise InvalidSetting(option, "https_url", value=text)
    parse_host(parts.hostname, option)
    return url


def parse_whole(value: int | str, option: str, low: int, high: int) -> int:
    """A whole number between ``low`` and ``high``."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidSetting(option, "whole", value=value, low=low, high=high) from None
    if not low <= number <= high:
        raise InvalidSetting(option, "whole", value=value, low=low, high=high)
    return number


def parse_tier_thresholds(text: str) -> tuple[int, int, int]:
    """Three ascending follower counts: where micro, macro and mega start."""
    try:
        return parse_thresholds(str(text).replace(" ", "").replace("_", ""))
    except ValueError:
        raise InvalidSetting("tier_thresholds", "tiers", value=text) from None


# --- applying a /setup call --------------------------------------------------------------

OPTION_NAMES = (
    "review_channel",
    "announcements_channel",
    "creator_role",
    "manager_role",
    "shop_url",
    "allowed_domains",
    "commission_rate",
    "timezone",
    "currency",
    "summary_cron",
    "hold_days",
    "payout_threshold",
    "reminder_offsets",
    "discount_percent",
    "reapply_cooldown_days",
    "tier_thresholds",
    "attribution_window_days",
    "attribution_priority",
    "auto_approve_followers",
    "auto_approve_engagement",
    "auto_approve_platforms",
    "auto_reject_below_followers",
    "auto_reject_implausible",
    "code_once_per_customer",
    "gift_address_retention_days",
)


def apply_changes(current: GuildSettings, changes: dict[str, Any]) -> GuildSettings:
    """Validate the options a manager gave and return the new settings.

    ``changes`` maps ``/setup`` option names to what was typed (ids for channels and roles).
    Nothing is applied unless every option is valid. A new timezone re-checks the crontab;
    a new currency re-reads the payout threshold in that currency's minor units.
    """
    unknown = set(changes) - set(OPTION_NAMES)
    if unknown:
        raise ValueError(f"unknown /setup options: {sorted(unknown)}")
    new: dict[str, Any] = {}
    for option in ("review_channel", "announcements_channel", "creator_role", "manager_role"):
        if option in changes:
            new[f"{option}_id"] = int(changes[option]) if changes[option] is not None else None
    if "shop_url" in changes:
        new["shop_url"] = parse_https_url(changes["shop_url"])
    if "allowed_domains" in changes:
        new["allowed_domains"] = parse_allowed_domains(changes["allowed_domains"])
    if "commission_rate" in changes:
        new["commission_rate_bp"] = parse_commission_rate(changes["commission_rate"])
    if "timezone" in changes:
        new["timezone"] = parse_timezone(changes["timezone"])
    if "currency" in changes:
        new["currency"] = parse_currency(changes["currency"])
    if "hold_days" in changes:
        new["hold_days"] = parse_hold_days(changes["hold_days"])
    if "reminder_offsets" in changes:
        new["reminder_offsets"] = parse_reminder_offsets(changes["reminder_offsets"])[0]
    if "discount_percent" in changes:
        new["discount_percent"] = parse_whole(
            changes["discount_percent"], "discount_percent", 1, 90
        )
    if "reapply_cooldown_days" in changes:
        new["reapply_cooldown_days"] = parse_whole(
            changes["reapply_cooldown_days"], "reapply_cooldown_days", 0, MAX_HOLD_DAYS
        )
    if "tier_thresholds" in changes:
        new["tier_thresholds"] = parse_tier_thresholds(changes["tier_thresholds"])
    if "attribution_window_days" in changes:
        new["attribution_window_days"] = parse_whole(
            changes["attribution_window_days"], "attribution_window_days", 1, 365
        )
    if "attribution_priority" in changes:
        priority = str(changes["attribution_priority"]).strip().lower()
        if priority not in ("code", "click"):
            raise InvalidSetting("attribution_priority", "priority", value=priority)
        new["code_beats_click"] = priority == "code"
    if "auto_approve_followers" in changes:
        low, high = parse_follower_range(changes["auto_approve_followers"])
        new["auto_approve_min_followers"], new["auto_approve_max_followers"] = low, high
    if "auto_approve_engagement" in changes:
        new["auto_approve_min_ratio"] = parse_ratio(changes["auto_approve_engagement"])
    if "auto_approve_platforms" in changes:
        new["auto_approve_platforms"] = parse_platforms(changes["auto_approve_platforms"])
    if "auto_reject_below_followers" in changes:
        new["auto_reject_below_followers"] = parse_follower_minimum(
            changes["auto_reject_below_followers"]
        )
    if "auto_reject_implausible" in changes:
        new["auto_reject_implausible"] = parse_switch(
            changes["auto_reject_implausible"], "auto_reject_implausible"
        )
    if "code_once_per_customer" in changes:
        new["code_once_per_customer"] = parse_switch(
            changes["code_once_per_customer"], "code_once_per_customer"
        )
    if "gift_address_retention_days" in changes:
        new["gift_address_retention_days"] = parse_whole(
            changes["gift_address_retention_days"], "gift_address_retention_days", 0, 365
        )
    timezone = new.get("timezone", current.timezone)
    cron = changes.get("summary_cron", current.summary_cron)
    new["summary_cron"] = parse_summary_cron(cron, timezone)[0]
    currency = new.get("currency", current.currency)
    if "payout_threshold" in changes:
        new["payout_threshold_minor"] = parse_amount(changes["payout_threshold"], currency)
    elif currency != current.currency:
        shift = get_currency_precision(currency) - get_currency_precision(current.currency)
        new["payout_threshold_minor"] = _rescale(current.payout_threshold_minor, shift)
    return replace(current, **new)


def _rescale(minor: int, shift: int) -> int:
    return minor * 10**shift if shift >= 0 else minor // 10 ** (-shift)


def changed_fields(before: GuildSettings, after: GuildSettings) -> dict[str, Any]:
    """The stored fields that differ, with their new values (for the audit log)."""
    return {
        f.name: getattr(after, f.name)
        for f in fields(GuildSettings)
        if getattr(before, f.name) != getattr(after, f.name)
    }
