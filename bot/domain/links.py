"""Campaign destinations: only https(s) URLs on the server's allowed domains (no open redirect)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.errors import CreatorbotError


class DestinationNotAllowed(CreatorbotError):
    """The URL's host is not one of the allowed domains (or a subdomain of one)."""

    key = "campaigns.not_allowed"


class InvalidDestination(CreatorbotError):
    key = "campaigns.bad_url"


def destination_hosts(allowed_domains: Iterable[str], shop_url: str | None) -> frozenset[str]:
    """Hosts a campaign may redirect to: the allowed domains plus the shop's domain."""
    hosts = {domain for domain in allowed_domains if domain}
    shop_host = urlsplit(shop_url).hostname if shop_url else None
    if shop_host:
        hosts.add(shop_host)
    return frozenset(hosts)


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    """``host`` is an allowed domain or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in allowed)


def destination_allowed(url: str, allowed: frozenset[str]) -> bool:
    """Whether a stored destination's host is still on the ``allowed`` hosts."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return host_allowed(host, allowed) if host else False


def validate_destination(url: str, allowed: frozenset[str]) -> str:
    """Check a campaign destination; return it stripped."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username:
        raise InvalidDestination(value=url[:200])
    if not allowed:
        raise DestinationNotAllowed(host=parts.hostname, allowed=[])
    if not host_allowed(parts.hostname, allowed):
        raise DestinationNotAllowed(host=parts.hostname, allowed=sorted(allowed))
    return url
