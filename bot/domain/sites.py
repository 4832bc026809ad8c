"""DirectLink: the sites a creator registers, and which order referrer belongs to which.

A creator registers their own sites and profile pages (``/sites add``); a manager approves
each one. An order whose referring site is an approved site's host, under its path on a
segment boundary, is the creator's when it carries no valid click id and no valid code.

A site is stored as its *match*: the host (lower case, IDNA, without ``www.``, ``m.`` or
``mobile.``) and a path prefix (lower case, without query, fragment or trailing slash; empty
for a whole host). Hosts everybody posts on (search engines, URL shorteners, webmail) are
refused; so is the root of a shared platform (Instagram, TikTok, YouTube, …), where only a
profile path counts and matches only that profile; and so are the shop's own domains.

Pure rules: no discord, no SQL, no I/O.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from bot.errors import CreatorbotError

MAX_SITES = 10  # live (pending or approved) sites per creator
MAX_URL = 300


class SiteStatus(StrEnum):
    PENDING = "pending"  # waiting for a manager
    APPROVED = "approved"  # counts for DirectLink
    REJECTED = "rejected"  # a manager said no; the claim is free again
    REMOVED = "removed"  # the creator took it back, or left the program


LIVE = frozenset({SiteStatus.PENDING, SiteStatus.APPROVED})


class Refusal(StrEnum):
    """Why a URL cannot be registered (each has its own sentence in the templates)."""

    URL = "url"  # not an http(s) address of a named host
    SEARCH_ENGINE = "search_engine"
    SHORTENER = "shortener"
    EMAIL = "email"
    PLATFORM_ROOT = "platform_root"  # a shared platform without a profile path
    SHOP = "shop"  # the shop's own domain
    TAKEN = "taken"  # another creator of the server claims it
    DUPLICATE = "duplicate"  # the creator registered it already
    LIMIT = "limit"  # MAX_SITES live sites already


class SiteRefused(CreatorbotError):
    """A URL that cannot be a DirectLink site; ``reason`` says why."""

    key = "sites.refused"

    def __init__(self, reason: Refusal, **params: object) -> None:
        super().__init__(reason=reason.value, limit=MAX_SITES, **params)
        self.reason = reason


@dataclass(frozen=True)
class SiteMatch:
    """What a site matches: a host and a path prefix ("" for the whole host)."""

    host: str
    path: str = ""

    def __str__(self) -> str:
        return self.host + self.path

    def covers(self, other: SiteMatch) -> bool:
        """Whether ``other`` (a referrer) is this site: the same host, and its path is this
        path or below it on a segment boundary (``/anna`` covers ``/anna/recipes``, never
        ``/annabakes``)."""
        if other.host != self.host:
            return False
        return not self.path or other.path == self.path or other.path.startswith(self.path + "/")


@dataclass(frozen=True)
class Site:
    """A stored site."""

    id: int
    guild_id: int
    creator_id: int
    url: str  # as the creator gave it
    match: SiteMatch
    status: SiteStatus
    decided_by: int | None
    decided_at: datetime | None
    created_at: datetime
    review_channel_id: int | None = None
    review_message_id: int | None = None

    @property
    def live(self) -> bool:
        return self.status in LIVE


S = TypeVar("S", bound=Site)


# --- hosts nobody may claim ----------------------------------------------------------------

# Brands that run the same service under many country domains (google.nl, google.co.uk,
# yahoo.co.jp, …): the brand's label followed by a public-suffix-like tail.
_SEARCH_BRANDS = frozenset({"google", "bing", "yahoo", "yandex", "baidu", "naver", "seznam"})
_SEARCH_HOSTS = frozenset(
    {
        "duckduckgo.com",
        "ecosia.org",
        "startpage.com",
        "qwant.com",
        "search.brave.com",
        "ask.com",
        "aol.com",
        "sogou.com",
        "so.com",
        "msn.com",
        "perplexity.ai",
        "chatgpt.com",
        "kagi.com",
        "mojeek.com",
        "dogpile.com",
        "webcrawler.com",
        "lycos.com",
        "search.com",
    }
)
_SHORTENERS = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "t.co",
        "tinyurl.com",
        "goo.gl",
        "ow.ly",
        "buff.ly",
        "lnkd.in",
        "is.gd",
        "v.gd",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
        "rb.gy",
        "t.ly",
        "tiny.cc",
        "bl.ink",
        "s.id",
        "youtu.be",
        "amzn.to",
        "a.co",
        "fb.me",
        "dlvr.it",
        "trib.al",
        "spoti.fi",
        "apple.co",
        "ift.tt",
        "shorte.st",
        "adf.ly",
        "surl.li",
        "qr.ae",
        "vm.tiktok.com",
        "vt.tiktok.com",
        "pin.it",
        "redd.it",
        "l.instagram.com",
        "l.facebook.com",
        "lm.facebook.com",
        "out.reddit.com",
    }
)
_MAIL_HOSTS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "outlook.live.com",
        "outlook.office.com",
        "outlook.office365.com",
        "live.com",
        "hotmail.com",
        "proton.me",
        "protonmail.com",
        "icloud.com",
        "me.com",
        "fastmail.com",
        "tutanota.com",
        "tuta.io",
        "tuta.com",
        "zoho.com",
        "mail.ru",
        "web.de",
        "gmx.net",
        "gmx.de",
        "gmx.com",
        "hey.com",
        "kpnmail.nl",
        "ziggo.nl",
        "yahoomail.com",
    }
)
_MAIL_PREFIXES = ("mail.", "webmail.", "email.", "inbox.")

# Shared platforms: their root is everybody's. Only a profile path counts, and it matches
# only that profile. The value says what a profile path looks like there.
_AT = "at"  # /@name
_ANY = "any"  # /name (not one of the platform's own pages)
_YOUTUBE = "youtube"  # /@name, /c/name, /channel/id, /user/name
_REDDIT = "reddit"  # /user/name, /u/name
_PLATFORMS: dict[str, str] = {
    "instagram.com": _ANY,
    "tiktok.com": _AT,
    "youtube.com": _YOUTUBE,
    "x.com": _ANY,
    "twitter.com": _ANY,
    "facebook.com": _ANY,
    "fb.com": _ANY,
    "twitch.tv": _ANY,
    "pinterest.com": _ANY,
    "threads.net": _AT,
    "threads.com": _AT,
    "linktr.ee": _ANY,
    "beacons.ai": _ANY,
    "linkin.bio": _ANY,
    "lnk.bio": _ANY,
    "bio.link": _ANY,
    "stan.store": _ANY,
    "campsite.bio": _ANY,
    "hoo.be": _ANY,
    "solo.to": _ANY,
    "reddit.com": _REDDIT,
    "medium.com": _AT,
    "substack.com": _AT,
    "snapchat.com": _ANY,
    "linkedin.com": _ANY,
    "vimeo.com": _ANY,
    "soundcloud.com": _ANY,
    "patreon.com": _ANY,
    "ko-fi.com": _ANY,
    "buymeacoffee.com": _ANY,
    "etsy.com": _ANY,
    "t.me": _ANY,
    "bsky.app": _ANY,
    "mastodon.social": _AT,
    "tumblr.com": _ANY,
    "spotify.com": _ANY,
    "discord.com": _ANY,
    "discord.gg": _ANY,
    "whatsapp.com": _ANY,
    "wa.me": _ANY,
}
# Platforms that give every creator a subdomain of their own (anna.substack.com): such a
# subdomain is the creator's site; any other subdomain is the platform's.
_OWN_SUBDOMAINS = frozenset(
    {"substack.com", "medium.com", "tumblr.com", "wordpress.com", "blogspot.com", "github.io"}
)
# Pages of a platform that are not a profile (the first path segment).
_NOT_PROFILES = frozenset(
    {
        "p",
        "reel",
        "reels",
        "explore",
        "stories",
        "accounts",
        "tv",
        "direct",
        "home",
        "search",
        "i",
        "intent",
        "share",
        "sharer",
        "sharer.php",
        "hashtag",
        "watch",
        "shorts",
        "results",
        "feed",
        "login",
        "signup",
        "settings",
        "messages",
        "notifications",
        "profile.php",
        "groups",
        "events",
        "marketplace",
        "pages",
        "pin",
        "video",
        "tag",
        "discover",
        "r",
        "status",
        "l.php",
        "invite",
        "channels",
        "post",
        "posts",
        "embed",
        "about",
        "help",
        "privacy",
        "terms",
        "legal",
    }
)
# The platform's canonical host under a country domain: pinterest.nl, pinterest.co.uk.
_COUNTRY_PLATFORMS = frozenset({"pinterest"})

_FOLDED = ("www.", "m.", "mobile.")
_UNSAFE = frozenset('<>"`{}|\\^')  # never in a URL (RFC 3986); would break a card's markdown
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _suffix_like(labels: list[str]) -> bool:
    """Whether ``labels`` look like a public suffix: ``com``, ``nl``, ``co.uk``, ``com.au``."""
    return 1 <= len(labels) <= 2 and all(len(label) <= 3 for label in labels)


def _brand_host(host: str, brands: Iterable[str]) -> str | None:
    """The brand when ``host`` is ``[sub.]brand.<suffix>`` for one of ``brands``."""
    labels = host.split(".")
    for i, label in enumerate(labels):
        if label in brands and _suffix_like(labels[i + 1 :]):
            return label
    return None


def _under(host: str, domains: Iterable[str]) -> str | None:
    """The domain of ``domains`` that ``host`` is or is a subdomain of."""
    for domain in domains:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def _platform(host: str) -> str | None:
    """The shared platform ``host`` belongs to (its canonical domain), if any; a creator's
    own subdomain of a blogging platform is not the platform."""
    own = _under(host, _OWN_SUBDOMAINS)
    if own is not None and host != own:
        return None
    brand = _brand_host(host, _COUNTRY_PLATFORMS)
    if brand is not None:
        return f"{brand}.com"
    return _under(host, _PLATFORMS) or own


# --- normalising ---------------------------------------------------------------------------


def _host(raw: str) -> str | None:
    """A host name in lower-case ASCII (IDNA) without the folded prefixes; ``None`` when it
    is not a named host (an IP address, one label, bad characters)."""
    host = raw.strip().rstrip(".").lower()
    if not host:
        return None
    try:
        ipaddress.ip_address(host.strip("[]"))
        return None
    except ValueError:
        pass
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    if not re.match(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$", labels[-1]):
        return None
    while True:
        for prefix in _FOLDED:
            if host.startswith(prefix) and host.count(".") >= 2:
                host = host[len(prefix) :]
                break
        else:
            return host


def _path(raw: str) -> str:
    """Lower case, percent-decoded, empty segments and a trailing slash dropped."""
    segments = [s for s in unquote(raw).lower().split("/") if s and s != "."]
    return "".join("/" + s for s in segments)


def parse_url(text: str) -> SiteMatch | None:
    """The match of an http(s) URL or a bare host name (``annabakes.com/recipes``);
    ``None`` when it is not one. Query and fragment are dropped."""
    text = (text or "").strip()
    if not text or len(text) > 2048 or any(c.isspace() or c in _UNSAFE for c in text):
        return None
    if "://" not in text:
        if ":" in text.split("/", 1)[0] and not re.match(r"^[^:/]+:\d+(/|$)", text):
            return None  # another scheme: mailto:, javascript:, android-app:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a bad port
    except ValueError:
        return None
    del port
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return None
    host = _host(parts.hostname or "")
    if host is None:
        return None
    return SiteMatch(host, _path(parts.path))


def _profile(match: SiteMatch, platform: str) -> SiteMatch:
    """A shared platform's profile path, cut to the profile (``/anna/reels`` → ``/anna``);
    :class:`SiteRefused` when the path is not a profile."""
    segments = match.path.split("/")[1:]
    shape = _PLATFORMS.get(platform, _ANY)
    if shape == _YOUTUBE and segments and segments[0] in ("c", "channel", "user"):
        keep = 2
    elif shape == _REDDIT and segments and segments[0] in ("user", "u"):
        keep = 2
    else:
        keep = 1
    profile = segments[:keep]
    if len(profile) < keep or not profile or not profile[-1]:
        raise SiteRefused(Refusal.PLATFORM_ROOT, host=platform)
    name = profile[-1]
    if shape in (_AT, _YOUTUBE) and keep == 1 and not name.startswith("@"):
        raise SiteRefused(Refusal.PLATFORM_ROOT, host=platform)
    if shape == _REDDIT and keep == 1:
        raise SiteRefused(Refusal.PLATFORM_ROOT, host=platform)
    if name in _NOT_PROFILES or name.lstrip("@") == "" or name.endswith(".php"):
        raise SiteRefused(Refusal.PLATFORM_ROOT, host=platform)
    return SiteMatch(match.host, "".join("/" + s for s in profile))


def shop_hosts(*urls_or_hosts: str | None) -> frozenset[str]:
    """The hosts of the shop's own addresses (``shop_url``, allowed domains, the connected
    stores, the tracker), normalised like sites."""
    hosts = set()
    for value in urls_or_hosts:
        if not value:
            continue
        match = parse_url(value)
        if match is not None:
            hosts.add(match.host)
    return frozenset(hosts)


def _is_shop(host: str, shops: frozenset[str]) -> bool:
    # Either way round: a creator claiming brand.com must not get the brand's own blog's
    # visitors when the shop is shop.brand.com, nor shop.brand.com when the shop is brand.com.
    return any(
        host == shop or host.endswith("." + shop) or shop.endswith("." + host) for shop in shops
    )


def site_match(url: str, shops: frozenset[str] = frozenset()) -> SiteMatch:
    """The match a creator may register for ``url``; :class:`SiteRefused` if none.

    ``shops``: the shop's own hosts (:func:`shop_hosts`), which nobody may claim.
    """
    if not url or len(url.strip()) > MAX_URL:
        raise SiteRefused(Refusal.URL)
    match = parse_url(url)
    if match is None:
        raise SiteRefused(Refusal.URL)
    host = match.host
    if _under(host, _MAIL_HOSTS) or host.startswith(_MAIL_PREFIXES):
        raise SiteRefused(Refusal.EMAIL, host=host)
    if _brand_host(host, _SEARCH_BRANDS) or _under(host, _SEARCH_HOSTS):
        raise SiteRefused(Refusal.SEARCH_ENGINE, host=host)
    if _under(host, _SHORTENERS):
        raise SiteRefused(Refusal.SHORTENER, host=host)
    if _is_shop(host, shops):
        raise SiteRefused(Refusal.SHOP, host=host)
    platform = _platform(host)
    if platform is not None:
        if host != platform and not (
            platform.startswith("pinterest.") and _brand_host(host, _COUNTRY_PLATFORMS)
        ):
            # help.instagram.com, business.facebook.com: the platform's, not a profile.
            raise SiteRefused(Refusal.PLATFORM_ROOT, host=platform)
        return _profile(match, platform)
    return match


# --- matching referrers ----------------------------------------------------------------------


def referrer_match(referrer: str | None) -> SiteMatch | None:
    """An order's referring site as a match (``None`` if it is none or not a web address).

    A shared platform's host in another spelling (``pinterest.nl``) is not folded: a profile
    registered as ``pinterest.com/anna`` matches referrers from ``pinterest.com`` only.
    """
    if not referrer:
        return None
    return parse_url(referrer)


def best_site(referrer: SiteMatch, sites: Iterable[S]) -> list[S]:
    """The sites whose match covers ``referrer`` with the longest path (several only when
    several sites claim the very same match, e.g. in different servers)."""
    best: list[S] = []
    longest = -1
    for site in sites:
        if not site.match.covers(referrer):
            continue
        length = len(site.match.path)
        if length > longest:
            best, longest = [site], length
        elif length == longest:
            best.append(site)
    return best


def is_shop_referrer(referrer: SiteMatch, shops: frozenset[str]) -> bool:
    """The shop's own pages (a visitor moving around the shop) never credit anyone."""
    return _is_shop(referrer.host, shops)
