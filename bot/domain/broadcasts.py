"""Broadcasts: a manager's short brief DM'd once to every creator of a segment.

Pure rules: what a valid brief is, which image may go with it, which campaign's tracking
link stands in for the link the manager typed, when a second confirmation is due, and the
counts shown while and after it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from bot.domain.creators import Campaign
from bot.domain.links import host_allowed
from bot.errors import CreatorbotError

MAX_TITLE = 100
MAX_TEXT = 1500
MAX_LINK = 500
# A broadcast to everyone above this many recipients asks to be confirmed twice.
SECOND_CONFIRMATION_ABOVE = 100
RECENT = 10

# Outcomes of one creator's item, counted on the job.
DM_SENT = "dm_sent"
DM_CLOSED = "dm_closed"
DM_FAILED = "dm_failed"
LEFT = "left"  # the member left the server: skipped
INACTIVE = "inactive"  # paused, removed or erased since Send was pressed: skipped


class BroadcastState(StrEnum):
    DRAFT = "draft"  # stored from the modal, waiting for Send
    SENDING = "sending"  # Send pressed: its job runs (or ran)
    CANCELLED = "cancelled"


class InvalidBrief(CreatorbotError):
    """A field of the brief is empty or too long.

    Attributes:
        field: ``title`` or ``text``.
        limit: the longest it may be.
    """

    key = "broadcasts.invalid"

    def __init__(self, field: str, limit: int) -> None:
        super().__init__(field=field, limit=limit)
        self.field = field
        self.limit = limit


class InvalidLink(CreatorbotError):
    """The link is not an http(s) URL."""

    key = "broadcasts.bad_link"


class LinkNotAllowed(CreatorbotError):
    """The link's host is not one of the server's allowed destination domains.

    Attributes:
        host: the link's host.
        allowed: the allowed domains, sorted (empty when none are set).
    """

    key = "broadcasts.link_not_allowed"

    def __init__(self, host: str, allowed: Sequence[str]) -> None:
        super().__init__(host=host, allowed=list(allowed))
        self.host = host
        self.allowed = list(allowed)


class NotAnImage(CreatorbotError):
    """The attachment is not an image (its content type is not ``image/*``)."""

    key = "broadcasts.not_an_image"


@dataclass(frozen=True)
class Brief:
    """What the manager typed in the modal, checked and trimmed."""

    title: str
    text: str
    link: str | None


def validate_brief(title: str, text: str, link: str | None, allowed: frozenset[str]) -> Brief:
    """Check the modal's fields: a title and a text within their limits, and a link (if any)
    that is an http(s) URL on the ``allowed`` destination domains, which is what makes it
    replaceable by each creator's own tracking link."""
    title = " ".join(title.split())
    text = text.strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidBrief("title", MAX_TITLE)
    if not text or len(text) > MAX_TEXT:
        raise InvalidBrief("text", MAX_TEXT)
    cleaned = (link or "").strip()
    if not cleaned:
        return Brief(title, text, None)
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
    except ValueError:
        raise InvalidLink(value=cleaned[:200]) from None
    if (
        len(cleaned) > MAX_LINK
        or parts.scheme not in ("http", "https")
        or not host
        or parts.username
        or any(c.isspace() for c in cleaned)
    ):
        raise InvalidLink(value=cleaned[:200])
    if not host_allowed(host, allowed):
        raise LinkNotAllowed(host, sorted(allowed))
    return Brief(title, text, cleaned)


def check_image(content_type: str | None) -> None:
    """An attachment may go with a broadcast only if it is an image."""
    main = (content_type or "").split(";")[0].strip().lower()
    if not main.startswith("image/"):
        raise NotAnImage(content_type=main or "?")


def _same_page(a: str, b: str) -> bool:
    def key(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().removeprefix("www.")
        return host, parts.path.rstrip("/"), parts.query

    try:
        return key(a) == key(b)
    except ValueError:
        return False


def link_campaign(
    link: str | None, chosen: Campaign | None, campaigns: Sequence[Campaign]
) -> Campaign | None:
    """The campaign whose tracking link each creator gets in place of the brief's link.

    Tracking links lead to their campaign's destination (there are no links per page), so:
    the campaign the manager chose; else, for a typed link, the active campaign leading to
    that same page, or the server's default campaign (the shop). ``None``: no link at all.
    """
    if chosen is not None:
        return chosen
    if link is None:
        return None
    active = [c for c in campaigns if c.active]
    for campaign in active:
        if _same_page(campaign.destination_url, link):
            return campaign
    return next((c for c in active if c.is_default), None)


def needs_second_confirmation(segment: str, recipients: int) -> bool:
    """Everyone in a big program gets it: ask once more before sending."""
    return is_everyone(segment) and recipients > SECOND_CONFIRMATION_ABOVE


def is_everyone(segment: str) -> bool:
    return " ".join(segment.split()).lower() == "all"


@dataclass(frozen=True)
class Broadcast:
    id: int
    guild_id: int
    state: BroadcastState
    segment: str
    campaign_id: int | None
    title: str
    text: str
    link: str | None
    image_url: str | None
    channel_id: int | None
    recipients: int
    created_by: int
    created_at: datetime
    job_id: int | None
    sent_by: int | None
    sent_at: datetime | None

    @property
    def everyone(self) -> bool:
        return is_everyone(self.segment)


@dataclass(frozen=True)
class Tally:
    """Where a broadcast's DMs stand: from its job's counts (all zero before Send)."""

    total: int
    sent: int
    closed: int
    left: int
    inactive: int
    failed: int
    finished: bool

    @property
    def processed(self) -> int:
        return self.sent + self.closed + self.left + self.inactive + self.failed

    @property
    def pending(self) -> int:
        return max(0, self.total - self.processed)


def tally(total: int, counts: Mapping[str, int], finished: bool) -> Tally:
    """The counts of a broadcast job (its ``counts`` JSON: states and outcomes)."""

    def count(key: str) -> int:
        return int(counts.get(key, 0))

    # An item that failed outright (an error, or given up on) has no DM outcome of its own.
    failed = count(DM_FAILED) + count("error") + count("gave_up")
    return Tally(
        total=total,
        sent=count(DM_SENT),
        closed=count(DM_CLOSED),
        left=count(LEFT),
        inactive=count(INACTIVE),
        failed=failed,
        finished=finished,
    )
