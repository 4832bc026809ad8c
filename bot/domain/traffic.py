"""Where a creator's clicks come from: the referring sites, named after the platforms creators
post on, and the visitors' countries.

Pure functions over counts the click tracker already stored (referrer host and country per
click); nothing here sees a single click or a visitor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# Host (or a parent domain of it) → the name a creator knows. In-app browsers often send no
# referrer at all; those clicks show as "no referrer".
_PLATFORMS = {
    "instagram.com": "Instagram",
    "facebook.com": "Facebook",
    "fb.com": "Facebook",
    "fb.me": "Facebook",
    "messenger.com": "Messenger",
    "tiktok.com": "TikTok",
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "t.co": "X",
    "x.com": "X",
    "twitter.com": "X",
    "threads.net": "Threads",
    "threads.com": "Threads",
    "bsky.app": "Bluesky",
    "pinterest.com": "Pinterest",
    "pin.it": "Pinterest",
    "snapchat.com": "Snapchat",
    "reddit.com": "Reddit",
    "linkedin.com": "LinkedIn",
    "lnkd.in": "LinkedIn",
    "twitch.tv": "Twitch",
    "discord.com": "Discord",
    "discordapp.com": "Discord",
    "whatsapp.com": "WhatsApp",
    "t.me": "Telegram",
    "linktr.ee": "Linktree",
    "beacons.ai": "Beacons",
    "bing.com": "Bing",
    "duckduckgo.com": "DuckDuckGo",
}
# Search engines with a domain per country (google.nl, google.co.uk): matched by name.
_BY_LABEL = {"google": "Google", "yahoo": "Yahoo"}


def source_name(host: str | None) -> str | None:
    """The platform or site behind a referrer host (``l.instagram.com`` → ``Instagram``,
    ``www.example.com`` → ``example.com``); ``None`` for a click without a referrer."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    labels = host.split(".")
    for at in range(len(labels) - 1):
        name = _PLATFORMS.get(".".join(labels[at:]))
        if name:
            return name
    for label in labels[:-1]:
        if label in _BY_LABEL:
            return _BY_LABEL[label]
    return host.removeprefix("www.")


@dataclass(frozen=True, slots=True)
class Share:
    """One line of a breakdown: ``name`` is ``None`` for "no referrer" / "unknown country";
    ``other`` marks the sum of everything below the top entries."""

    name: str | None
    clicks: int
    percent: int  # of all clicks in the breakdown, rounded; at least 1 when clicks > 0
    other: bool = False


def shares(counts: Iterable[tuple[str | None, int]], top: int = 4) -> list[Share]:
    """The ``top`` largest entries by clicks (ties by name), then one ``other`` entry for the
    rest; percentages of the total."""
    grouped: Counter[str | None] = Counter()
    for name, clicks in counts:
        grouped[name] += clicks
    total = sum(grouped.values())
    if not total:
        return []
    ranked = sorted(grouped.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))

    def share(name: str | None, clicks: int, other: bool = False) -> Share:
        return Share(name, clicks, max(1, round(clicks * 100 / total)), other)

    result = [share(name, clicks) for name, clicks in ranked[:top]]
    rest = sum(clicks for _, clicks in ranked[top:])
    if rest:
        result.append(share(None, rest, other=True))
    return result


def sources(referrers: Iterable[tuple[str | None, int]], top: int = 4) -> list[Share]:
    """Clicks by referring platform, from (referrer host, clicks) counts."""
    return shares(((source_name(host), clicks) for host, clicks in referrers), top)
