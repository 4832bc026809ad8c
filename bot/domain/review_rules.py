"""Auto-review rules: which applications a server decides without a manager.

Pure: :func:`decide` takes the rules and an application's assessment and returns the rule
that decides it, or ``None`` when a manager must. Rejection rules are checked first, so an
application that trips one is never auto-approved. Every rule is optional; an auto-approve
rule applies only when at least one of its conditions is set, and then all set conditions
must hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.applications import Platform
from bot.domain.tiers import EngagementCheck
from bot.errors import InvalidSetting

MAX_FOLLOWERS = 10**10
MAX_RATIO = 100.0
# How long a manager may re-open an application a rule rejected.
UNDO_WINDOW = timedelta(hours=24)


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Rule(StrEnum):
    """The rule that decided an application; shown on its card."""

    APPROVE_MATCH = "auto_approve"
    REJECT_FEW_FOLLOWERS = "auto_reject_followers"
    REJECT_IMPLAUSIBLE = "auto_reject_implausible"


@dataclass(frozen=True)
class ReviewRules:
    """A server's auto-review rules; ``None`` (or empty, or False) means "not set"."""

    approve_min_followers: int | None = None
    approve_max_followers: int | None = None
    approve_min_ratio: float | None = None
    approve_platforms: tuple[Platform, ...] = ()
    reject_below_followers: int | None = None
    reject_implausible: bool = False

    @property
    def approves(self) -> bool:
        return (
            self.approve_min_followers is not None
            or self.approve_max_followers is not None
            or self.approve_min_ratio is not None
            or bool(self.approve_platforms)
        )


@dataclass(frozen=True)
class RuleDecision:
    verdict: Verdict
    rule: Rule


def decide(
    rules: ReviewRules, *, followers: int, platform: Platform, engagement: EngagementCheck
) -> RuleDecision | None:
    """The rule that decides this application, or None when a manager decides."""
    if rules.reject_below_followers is not None and followers < rules.reject_below_followers:
        return RuleDecision(Verdict.REJECT, Rule.REJECT_FEW_FOLLOWERS)
    if rules.reject_implausible and "implausible_engagement" in engagement.flags:
        return RuleDecision(Verdict.REJECT, Rule.REJECT_IMPLAUSIBLE)
    if not rules.approves or engagement.flags:
        return None
    if rules.approve_min_followers is not None and followers < rules.approve_min_followers:
        return None
    if rules.approve_max_followers is not None and followers > rules.approve_max_followers:
        return None
    if rules.approve_min_ratio is not None:
        ratio = engagement.ratio
        if ratio is None or ratio < rules.approve_min_ratio:
            return None
    if rules.approve_platforms and platform not in rules.approve_platforms:
        return None
    return RuleDecision(Verdict.APPROVE, Rule.APPROVE_MATCH)


def undo_deadline(decided_at: datetime) -> datetime:
    """Until when a rule's rejection decided at ``decided_at`` may be re-opened."""
    return decided_at + UNDO_WINDOW


# --- parsers: one per /setup option -------------------------------------------------------


def parse_follower_range(text: str) -> tuple[int | None, int | None]:
    """``"1000-50000"``, ``"1000-"`` or ``"-50000"`` → (minimum, maximum); ``""`` or ``"off"``
    clears the range."""
    cleaned = str(text).replace(" ", "").replace("_", "").replace(".", "").lower()
    if cleaned in ("", "off"):
        return None, None
    low, sep, high = cleaned.partition("-")
    if not sep:
        raise InvalidSetting("auto_approve_followers", "follower_range", value=text)
    try:
        bounds = tuple(int(part) if part else None for part in (low, high))
    except ValueError:
        raise InvalidSetting("auto_approve_followers", "follower_range", value=text) from None
    minimum, maximum = bounds
    if (minimum, maximum) == (None, None) or any(
        b is not None and not 0 <= b <= MAX_FOLLOWERS for b in bounds
    ):
        raise InvalidSetting("auto_approve_followers", "follower_range", value=text)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise InvalidSetting("auto_approve_followers", "follower_range", value=text)
    return minimum, maximum


def parse_ratio(text: str) -> float | None:
    """``"1.5"`` (or ``"1,5"``, ``"1.5x"``) × the tier benchmark; ``"off"`` clears it."""
    cleaned = str(text).strip().lower().rstrip("x×").strip().replace(",", ".")
    if cleaned in ("", "off"):
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidSetting("auto_approve_engagement", "ratio", value=text) from None
    if not 0 < value <= MAX_RATIO:
        raise InvalidSetting("auto_approve_engagement", "ratio", value=text)
    return round(value, 2)


def parse_follower_minimum(text: str | int) -> int | None:
    """``"1000"`` (or ``"1 000"``) followers; ``"off"`` (or ``0``) clears the rule."""
    cleaned = str(text).replace(" ", "").replace("_", "").replace(".", "").lower()
    if cleaned in ("", "off", "0"):
        return None
    refused = InvalidSetting("auto_reject_below_followers", "follower_minimum", value=text)
    try:
        value = int(cleaned)
    except ValueError:
        raise refused from None
    if not 0 < value <= MAX_FOLLOWERS:
        raise refused
    return value


def parse_switch(value: bool | str, option: str) -> bool:
    """A boolean option: ``True``/``False``, or ``on``/``off``, ``yes``/``no``."""
    if isinstance(value, bool):
        return value
    cleaned = str(value).strip().lower()
    if cleaned in ("on", "yes", "true", "1"):
        return True
    if cleaned in ("off", "no", "false", "0"):
        return False
    raise InvalidSetting(option, "switch", value=value)


def parse_platforms(text: str) -> tuple[Platform, ...]:
    """``"instagram, tiktok"`` → the platforms, in the order given; ``"off"`` clears them."""
    cleaned = str(text).strip().lower()
    if cleaned in ("", "off"):
        return ()
    chosen: list[Platform] = []
    for name in cleaned.replace(";", ",").split(","):
        name = name.strip()
        try:
            platform = Platform(name)
        except ValueError:
            raise InvalidSetting("auto_approve_platforms", "platforms", value=name) from None
        if platform not in chosen:
            chosen.append(platform)
    return tuple(chosen)
