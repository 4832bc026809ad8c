"""Rules of the click tracker: which visits count, who the visitor is, where they go.

Pure functions and small in-memory structures: no I/O, no clock of their own (callers pass
epoch seconds), no SQL. The tracker's hot path runs through here, so the functions avoid
needless work; the expensive one (crawler detection) is memoised.

Counting follows the practice of the big link shorteners: HEAD requests, prefetches, crawlers
and link-preview bots are redirected but not counted; a visitor is a keyed hash of IP and user
agent under a salt that changes every UTC day (so hashes of different days cannot be linked and,
once the salt is deleted, cannot be reversed); repeat clicks of one visitor on one link within
an hour are stored but only the first is *unique*.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from urllib.parse import quote, unquote_plus, urlsplit

from crawlerdetect import CrawlerDetect

from bot.domain.links import host_allowed

UTM_MEDIUM = "affiliate"
CLICK_PARAM = "cb_click"
NOTRACK_PARAM = "notrack"
# Our parameters always win over same-named ones in the destination or the visitor's query:
# a visitor must not be able to re-attribute a click by adding ?utm_source=… or ?cb_click=….
TRACKING_PARAMS = frozenset({"utm_source", "utm_medium", "utm_campaign", CLICK_PARAM})
UNIQUE_WINDOW_SECONDS = 3600

# Generous on purpose: any slug the link service ever generates fits, anything else (dots,
# slashes, percent-escapes, 200-character probes) is answered without touching the database.
_SLUG = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Preview fetchers that crawlerdetect (0.4) does not know by name; each is tested.
_EXTRA_BOTS = re.compile(r"meta-externalagent|Cardyb", re.IGNORECASE)
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f]")
_HOST = re.compile(r"[a-z0-9._:\[\]-]{1,253}")
_IP_CHARS = "0123456789abcdefABCDEF:."
_FALSE_VALUES = frozenset({"0", "false", "no", "off"})

_crawlers = CrawlerDetect()


class Outcome(StrEnum):
    """What a request to a tracking link turned into (the ``result`` label of redirects)."""

    COUNTED = "counted"
    DROPPED = "dropped"  # would have counted, but the write queue was full
    BOT = "bot"  # HEAD, prefetch, crawler, preview bot, no user agent
    NOTRACK = "notrack"
    INACTIVE = "inactive"  # paused or removed creator, or an inactive campaign
    CAPPED = "capped"  # a visitor's click on a link beyond the hourly limit: not stored
    NOT_FOUND = "not_found"
    BAD_DESTINATION = "bad_destination"  # stored destination failed the redirect-time check


def is_valid_slug(slug: str) -> bool:
    """Whether ``slug`` could be a tracking-link slug at all."""
    return _SLUG.fullmatch(slug) is not None


@lru_cache(maxsize=8192)
def _is_bot_agent(user_agent: str | None) -> bool:
    if not user_agent or user_agent.isspace():
        return True
    return _EXTRA_BOTS.search(user_agent) is not None or _crawlers.is_crawler(user_agent)


def is_bot(user_agent: str | None) -> bool:
    """Whether a user agent is a crawler or link-preview bot; a missing or blank one is a bot."""
    return _is_bot_agent(user_agent)


def is_prefetch(purpose: str | None) -> bool:
    """Whether a ``Sec-Purpose``/``Purpose`` header marks a speculative prefetch, not a click."""
    if not purpose:
        return False
    lowered = purpose.lower()
    return "prefetch" in lowered or "preview" in lowered or "prerender" in lowered


def classify(
    head: bool, user_agent: str | None, purpose: str | None, notrack: bool, countable: bool
) -> Outcome:
    """Whether a redirect counts as a click, and if not, why not."""
    if head or (purpose and is_prefetch(purpose)) or _is_bot_agent(user_agent):
        return Outcome.BOT
    if notrack:
        return Outcome.NOTRACK
    if not countable:
        return Outcome.INACTIVE
    return Outcome.COUNTED


def _encode(key: str, value: str) -> str:
    return f"{quote(key, safe='')}={quote(value, safe='')}"


def merge_query(
    url: str, params: Sequence[tuple[str, str]], drop: frozenset[str] = frozenset()
) -> str:
    """``url`` with ``params`` appended to its query; same-named parameters already in the URL
    (and any named in ``drop``) are removed, every other parameter is kept byte for byte, and
    the #fragment stays last."""
    base, hash_sign, fragment = url.partition("#")
    path, _, query = base.partition("?")
    if "://" in path and "/" not in path.partition("://")[2]:
        path += "/"  # https://shop.example?x=1 → https://shop.example/?x=1
    names = drop.union(key for key, _ in params)
    kept = [
        segment
        for segment in query.split("&")
        if segment and unquote_plus(segment.partition("=")[0]) not in names
    ]
    kept.extend(_encode(key, value) for key, value in params)
    merged = f"{path}?{'&'.join(kept)}" if kept else path
    return f"{merged}{hash_sign}{fragment}"


def visitor_query(query_string: str) -> tuple[list[tuple[str, str]], bool]:
    """The visitor's own query parameters to forward, and whether ``notrack`` was asked for.

    ``notrack`` and our tracking parameters are never forwarded.
    """
    forwarded: list[tuple[str, str]] = []
    notrack = False
    for segment in query_string.split("&"):
        if not segment:
            continue
        raw_key, _, raw_value = segment.partition("=")
        key = unquote_plus(raw_key)
        if key == NOTRACK_PARAM:
            notrack = notrack or unquote_plus(raw_value).lower() not in _FALSE_VALUES
        elif key not in TRACKING_PARAMS:
            forwarded.append((key, unquote_plus(raw_value)))
    return forwarded, notrack


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked destination with our UTM parameters merged in, split so that adding the
    click id per request is one string concatenation."""

    url: str  # the stored destination, unchanged
    head: str  # scheme://host/path?…&utm_…  (always has a query; no fragment)
    fragment: str  # "" or "#…"
    utm: tuple[tuple[str, str], ...]

    def location(self, click_id: str | None, forwarded: Sequence[tuple[str, str]] = ()) -> str:
        """The ``Location`` of a redirect: the destination, the visitor's forwarded query,
        our UTM parameters and, when the click was counted, the click id."""
        if forwarded:
            params = [*forwarded, *self.utm]
            if click_id is not None:
                params.append((CLICK_PARAM, click_id))
            return merge_query(self.url, params, TRACKING_PARAMS)
        if click_id is None:
            return self.head + self.fragment
        # Click ids are URL-safe by construction: no quoting needed.
        return f"{self.head}&{CLICK_PARAM}={click_id}{self.fragment}"


def prepare_destination(
    url: str, source_slug: str, campaign_slug: str, allowed: frozenset[str]
) -> Destination | None:
    """The redirect target of a link, or ``None`` when the stored URL is not a plain
    http(s) URL whose host is one of the ``allowed`` hosts (or a subdomain of one) — checked
    again here so a bad row can never become an open redirect to ``javascript:`` or a header
    injection, and a domain the server has since removed from its allowed domains (sold, or
    expired and bought by somebody else) no longer receives its visitors."""
    if _UNSAFE_URL_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if not host_allowed(host, allowed):
        return None
    utm = (
        ("utm_source", source_slug),
        ("utm_medium", UTM_MEDIUM),
        ("utm_campaign", campaign_slug),
    )
    # A stale cb_click in the destination goes too; click ids are ours to hand out.
    base, hash_sign, fragment = merge_query(url, utm, TRACKING_PARAMS).partition("#")
    return Destination(url=url, head=base, fragment=hash_sign + fragment, utm=utm)


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """A tracking link as stored: what the tracker needs to redirect and to count."""

    link_id: int
    guild_id: int
    creator_id: int
    campaign_id: int
    destination_url: str
    source_slug: str
    campaign_slug: str
    countable: bool  # the creator is active and the campaign is active
    allowed_hosts: frozenset[str]  # the server's destination domains (allowed + shop)


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    """A :class:`LinkTarget` ready for the hot path; ``destination`` is ``None`` when the
    stored URL failed the redirect-time check."""

    link_id: int
    guild_id: int
    creator_id: int
    campaign_id: int
    countable: bool
    destination: Destination | None


def resolve_link(target: LinkTarget) -> ResolvedLink:
    """Prepare a stored link for redirects."""
    return ResolvedLink(
        link_id=target.link_id,
        guild_id=target.guild_id,
        creator_id=target.creator_id,
        campaign_id=target.campaign_id,
        countable=target.countable,
        destination=prepare_destination(
            target.destination_url, target.source_slug, target.campaign_slug, target.allowed_hosts
        ),
    )


def referrer_host(referer: str | None) -> str | None:
    """Only the host of a ``Referer`` header (never its path or query): lower case ASCII,
    internationalised names in punycode, anything stranger ``None``."""
    if not referer:
        return None
    try:
        host = urlsplit(referer).hostname
    except ValueError:
        return None
    if not host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host if _HOST.fullmatch(host) else None


def country_code(*candidates: str | None) -> str | None:
    """The first two-letter country code among proxy headers (``CF-IPCountry``,
    ``X-Country-Code``), upper case; Cloudflare's ``XX`` (unknown) and anything else is
    ``None``."""
    for value in candidates:
        if value and len(value) == 2 and value.isascii() and value.isalpha():
            code = value.upper()
            return None if code == "XX" else code
    return None


# Loopback and private ranges (RFC 1918, IPv6 ULA) only: Python's is_private also covers
# documentation ranges and, on 3.11, every IPv4-mapped IPv6 address a dual-stack socket reports.
_PROXY_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
)


@lru_cache(maxsize=4096)
def is_trusted_proxy(peer: str) -> bool:
    """Whether the peer is a loopback or private address, i.e. our own reverse proxy."""
    try:
        address = ipaddress.ip_address(peer.partition("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _PROXY_NETWORKS)


def client_ip(peer: str | None, forwarded_for: str | None) -> str:
    """The visitor's IP: the peer address, or the first ``X-Forwarded-For`` entry when the
    peer is a loopback/private address (a reverse proxy on our side). From any other peer the
    header is ignored, since a visitor can send whatever they like."""
    peer = peer or ""
    if forwarded_for and is_trusted_proxy(peer):
        first = forwarded_for.partition(",")[0].strip()
        # Only hashed, so a cheap shape check is enough: 2-45 characters of an IPv4 or IPv6
        # literal (str.strip with a character set is much cheaper than a regex match).
        if 2 <= len(first) <= 45 and not first.strip(_IP_CHARS):
            return first.lower()
    return peer


def visitor_hash(salt: bytes, ip: str, user_agent: str | None) -> str:
    """The visitor's identity for one salt: keyed BLAKE2b of user agent and IP, 32 hex chars."""
    return VisitorHasher(salt)(ip, user_agent)


class VisitorHasher:
    """:func:`visitor_hash` under one salt, for the click writer.

    The user agent goes into the hash first, and the keyed state after each user agent is
    kept (up to ``agents`` of them), so a visitor costs a copy and an update of a few bytes of
    IP: user agents repeat far more than IPs, and hashing one (~130 bytes) was most of the
    cost. The states hold no IP and live only as long as the day's salt.
    """

    __slots__ = ("_agents", "_keyed", "_limit")

    def __init__(self, salt: bytes, agents: int = 4096) -> None:
        self._keyed = hashlib.blake2b(key=salt, digest_size=16)
        self._limit = agents
        self._agents: dict[str | None, hashlib.blake2b] = {}

    def __call__(self, ip: str, user_agent: str | None) -> str:
        agents = self._agents
        state = agents.get(user_agent)
        if state is None:
            if len(agents) >= self._limit:
                agents.clear()
            # A header value cannot hold a line break, so "\n" ends the user agent for sure.
            state = self._keyed.copy()
            state.update(f"{user_agent or ''}\n".encode("utf-8", "surrogatepass"))
            agents[user_agent] = state
        hasher = state.copy()
        hasher.update(ip.encode("utf-8", "surrogatepass"))
        return hasher.hexdigest()


def salt_day(epoch: int) -> str:
    """The UTC day (``YYYY-MM-DD``) whose salt hashes visitors at ``epoch``."""
    return datetime.fromtimestamp(epoch - epoch % 86_400, UTC).date().isoformat()


def new_salt() -> bytes:
    """A fresh 32-byte secret salt."""
    return secrets.token_bytes(32)


# URL-safe characters in ASCII order, so ids compare like the numbers they encode.
_ID_ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_BYTE_TO_ID_CHAR = bytes(ord(_ID_ALPHABET[b & 63]) for b in range(256))  # 256 % 64 == 0: unbiased


class ClickIds:
    """Click ids: 18 URL-safe characters: 6 encode the second of the click, 3 count the
    clicks within that second, 9 are random (54 bits from ``randbytes``, by default the OS
    CSPRNG).

    Unguessable, yet strictly ascending (up to 262 144 clicks a second), so the unique index on
    ``click_id`` only ever appends instead of dirtying a random page per click. Random
    characters are drawn and cut up in blocks, so a click id costs about a microsecond.
    """

    RANDOM_CHARS = 9
    BLOCK = 1024  # ids per draw from randbytes

    def __init__(self, randbytes: Callable[[int], bytes] = os.urandom) -> None:
        self._randbytes = randbytes
        self._randoms: list[str] = []  # the block's random parts, next one last
        self._second = -1
        self._prefix = ""
        self._sequence = 0

    def new(self, now: int) -> str:
        """A fresh click id for a click at epoch second ``now``."""
        if now != self._second:
            self._second = now
            self._prefix = _encode_id(now, _TIME_SHIFTS)
            self._sequence = 0
        sequence = self._sequence
        self._sequence = sequence + 1
        randoms = self._randoms
        if not randoms:
            size = self.RANDOM_CHARS
            raw = self._randbytes(size * self.BLOCK).translate(_BYTE_TO_ID_CHAR).decode("ascii")
            randoms.extend(raw[at : at + size] for at in range(len(raw) - size, -1, -size))
        # The sequence's 18 bits as three characters, from a table of every character pair.
        return (
            f"{self._prefix}{_ID_PAIRS[(sequence >> 6) & 4095]}"
            f"{_ID_ALPHABET[sequence & 63]}{randoms.pop()}"
        )


def _encode_id(value: int, shifts: tuple[int, ...]) -> str:
    return "".join(_ID_ALPHABET[(value >> shift) & 63] for shift in shifts)


_TIME_SHIFTS = (30, 24, 18, 12, 6, 0)  # 36 bits of seconds: good until the year 4147
_ID_PAIRS = tuple(a + b for a in _ID_ALPHABET for b in _ID_ALPHABET)  # 12 bits → 2 characters


class UniqueWindows:
    """Which clicks are *unique*: the first click of a visitor on a link opens a window of
    ``window_seconds``; clicks inside it are repeats (numbered, so the tracker can cap a
    visitor looping on a link), the first one after it opens the next.

    Bounded: entries leave when their window has passed, or, oldest first, when more than
    ``max_entries`` are open (a visitor evicted that way may count as unique again early).
    Past the bound the oldest ``max_entries // 64`` leave at once rather than one per click:
    a dict keeps deleted slots at its front until it resizes, and finding the oldest entry
    rescans them, so evicting one at a time cost ~240 µs per click on a full map of 100 000.
    """

    def __init__(
        self, window_seconds: int = UNIQUE_WINDOW_SECONDS, max_entries: int = 100_000
    ) -> None:
        self.window_seconds = window_seconds
        self.max_entries = max_entries
        self._slack = max(1, max_entries // 64)
        # Insertion order is window-start order, so expired entries sit at the front.
        self._starts: dict[tuple[str, int], int] = {}
        # Clicks so far in a window, only for windows with repeats (most have one click).
        self._repeats: dict[tuple[str, int], int] = {}
        self._swept = -1  # the second of the last sweep for expired windows

    def __len__(self) -> int:
        return len(self._starts)

    def observe(self, visitor: str, link_id: int, now: int) -> bool:
        """Record a click at ``now``; return whether it is unique."""
        return self.click(visitor, link_id, now) == 1

    def click(self, visitor: str, link_id: int, now: int) -> int:
        """Record a click at ``now``; return its number within the visitor's window on the
        link: 1 for a unique click, 2 for the first repeat, and so on."""
        key = (visitor, link_id)
        starts = self._starts
        start = starts.get(key)
        if start is not None:
            if now - start < self.window_seconds:
                repeats = self._repeats
                number = repeats[key] = repeats.get(key, 1) + 1
                return number
            del starts[key]
            self._repeats.pop(key, None)
        starts[key] = now
        # Expired windows are swept once per second; the size bound holds on every click.
        if now != self._swept or len(starts) > self.max_entries:
            self._swept = now
            self._evict(now)
        return 1

    def remember(self, visitor: str, link_id: int, start: int) -> None:
        """Restore a window opened at ``start`` (warm-up after a restart, oldest first)."""
        key = (visitor, link_id)
        self._starts.pop(key, None)
        self._repeats.pop(key, None)
        self._starts[key] = start

    def _evict(self, now: int) -> None:
        starts = self._starts
        horizon = now - self.window_seconds
        excess = len(starts) - self.max_entries
        if excess > 0:
            excess += self._slack
        leaving = []
        for key, start in starts.items():
            if start > horizon and len(leaving) >= excess:
                break
            leaving.append(key)
        repeats = self._repeats
        for key in leaving:
            del starts[key]
            if repeats:
                repeats.pop(key, None)
