"""DirectLink sites: what a URL normalises to, what is refused, which referrer matches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.attribution import ClickFacts, CodeFacts, Method, Rules, SiteFacts, attribute
from bot.domain.sites import (
    Refusal,
    Site,
    SiteMatch,
    SiteRefused,
    SiteStatus,
    best_site,
    is_shop_referrer,
    referrer_match,
    shop_hosts,
    site_match,
)

SHOPS = shop_hosts("https://shop.brand.example", "brand.example", "brand.myshopify.com")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.AnnaBakes.com/", "annabakes.com"),
        ("http://m.annabakes.com/Recipes/?utm_source=x#top", "annabakes.com/recipes"),
        ("annabakes.com/recipes/", "annabakes.com/recipes"),
        ("https://mobile.annabakes.nl//blog///", "annabakes.nl/blog"),
        ("https://bücherwurm.de/anna", "xn--bcherwurm-q9a.de/anna"),
        ("https://annabakes.com:443/shop", "annabakes.com/shop"),
        ("https://www.instagram.com/AnnaBakes/?hl=nl", "instagram.com/annabakes"),
        ("https://www.instagram.com/annabakes/reels/", "instagram.com/annabakes"),
        ("https://www.tiktok.com/@annabakes?lang=nl", "tiktok.com/@annabakes"),
        ("https://m.youtube.com/@annabakes/videos", "youtube.com/@annabakes"),
        ("https://www.youtube.com/channel/UC123abc", "youtube.com/channel/uc123abc"),
        ("https://x.com/annabakes", "x.com/annabakes"),
        ("https://linktr.ee/annabakes", "linktr.ee/annabakes"),
        ("https://www.reddit.com/user/annabakes", "reddit.com/user/annabakes"),
        ("https://annabakes.substack.com/p/bread", "annabakes.substack.com/p/bread"),
        ("https://substack.com/@annabakes", "substack.com/@annabakes"),
    ],
)
def test_urls_normalise_to_their_match(url: str, expected: str) -> None:
    """Host lower case, IDNA, www./m./mobile. folded; no query, fragment or trailing slash."""
    assert str(site_match(url, SHOPS)) == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not a url", Refusal.URL),
        ("ftp://annabakes.com", Refusal.URL),
        ("mailto:anna@annabakes.com", Refusal.URL),
        ("javascript:alert(1)", Refusal.URL),
        ("https://192.168.1.10/", Refusal.URL),
        ("https://localhost/anna", Refusal.URL),
        ("https://user:pw@annabakes.com", Refusal.URL),
        ("https://annabakes.com/<b>", Refusal.URL),
        ("https://www.google.com/search?q=anna", Refusal.SEARCH_ENGINE),
        ("https://google.nl", Refusal.SEARCH_ENGINE),
        ("https://www.google.co.uk/", Refusal.SEARCH_ENGINE),
        ("https://news.google.com.au/", Refusal.SEARCH_ENGINE),
        ("https://www.bing.com", Refusal.SEARCH_ENGINE),
        ("https://duckduckgo.com/?q=anna", Refusal.SEARCH_ENGINE),
        ("https://search.yahoo.co.jp", Refusal.SEARCH_ENGINE),
        ("https://yandex.ru", Refusal.SEARCH_ENGINE),
        ("https://www.baidu.com", Refusal.SEARCH_ENGINE),
        ("https://www.ecosia.org/search", Refusal.SEARCH_ENGINE),
        ("https://bit.ly/3annab", Refusal.SHORTENER),
        ("https://t.co/abc", Refusal.SHORTENER),
        ("https://tinyurl.com/anna", Refusal.SHORTENER),
        ("https://goo.gl/x", Refusal.SHORTENER),
        ("https://lnkd.in/anna", Refusal.SHORTENER),
        ("https://l.instagram.com/?u=x", Refusal.SHORTENER),
        ("https://mail.google.com/mail/u/0", Refusal.EMAIL),
        ("https://outlook.live.com/mail", Refusal.EMAIL),
        ("https://webmail.annabakes.com", Refusal.EMAIL),
        ("https://instagram.com", Refusal.PLATFORM_ROOT),
        ("https://www.instagram.com/p/C1a2b3/", Refusal.PLATFORM_ROOT),
        ("https://www.instagram.com/explore/", Refusal.PLATFORM_ROOT),
        ("https://tiktok.com/annabakes", Refusal.PLATFORM_ROOT),
        ("https://www.youtube.com/watch?v=abc", Refusal.PLATFORM_ROOT),
        ("https://youtube.com", Refusal.PLATFORM_ROOT),
        ("https://twitter.com/search?q=x", Refusal.PLATFORM_ROOT),
        ("https://www.facebook.com/profile.php?id=123", Refusal.PLATFORM_ROOT),
        ("https://business.facebook.com/annabakes", Refusal.PLATFORM_ROOT),
        ("https://twitch.tv", Refusal.PLATFORM_ROOT),
        ("https://www.pinterest.co.uk/", Refusal.PLATFORM_ROOT),
        ("https://threads.net/annabakes", Refusal.PLATFORM_ROOT),
        ("https://linktr.ee", Refusal.PLATFORM_ROOT),
        ("https://www.reddit.com/r/baking", Refusal.PLATFORM_ROOT),
        ("https://medium.com/", Refusal.PLATFORM_ROOT),
        ("https://substack.com", Refusal.PLATFORM_ROOT),
        ("https://shop.brand.example/products/x", Refusal.SHOP),
        ("https://www.brand.example", Refusal.SHOP),
        ("https://blog.brand.example", Refusal.SHOP),
        ("https://brand.myshopify.com/", Refusal.SHOP),
        ("https://myshopify.com/", Refusal.SHOP),
    ],
)
def test_everybodys_hosts_are_refused(url: str, reason: Refusal) -> None:
    """Search engines, shorteners, webmail, a platform's root and the shop are nobody's."""
    with pytest.raises(SiteRefused) as refused:
        site_match(url, SHOPS)
    assert refused.value.reason is reason


def _site(site_id: int, match: str, guild_id: int = 1) -> Site:
    host, _, path = match.partition("/")
    return Site(
        id=site_id,
        guild_id=guild_id,
        creator_id=site_id * 10,
        url=f"https://{match}",
        match=SiteMatch(host, f"/{path}" if path else ""),
        status=SiteStatus.APPROVED,
        decided_by=None,
        decided_at=None,
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("referrer", "site"),
    [
        ("https://annabakes.com/", "annabakes.com"),
        ("https://www.annabakes.com/recipes/bread?x=1", "annabakes.com"),
        ("https://www.instagram.com/annabakes/", "instagram.com/annabakes"),
        ("https://www.instagram.com/annabakes/reel/xyz", "instagram.com/annabakes"),
        ("https://blog.example.org/anna", "blog.example.org/anna"),
        ("https://blog.example.org/anna/recipes/2026", "blog.example.org/anna"),
        ("https://blog.example.org/annabakes", None),
        ("https://www.instagram.com/", None),
        ("https://www.instagram.com/annabakesalot", None),
        ("https://l.instagram.com/", None),
        ("https://sub.annabakes.com/", None),
        ("android-app://com.google.android.gm/", None),
        ("", None),
        ("whatsapp", None),
    ],
)
def test_referrer_matches_on_a_segment_boundary(referrer: str, site: str | None) -> None:
    """``/anna`` matches ``/anna`` and ``/anna/…``, never ``/annabakes``; a profile only
    matches that profile, never the platform."""
    sites = [
        _site(1, "annabakes.com"),
        _site(2, "instagram.com/annabakes"),
        _site(3, "blog.example.org/anna"),
    ]
    ref = referrer_match(referrer)
    found = best_site(ref, sites) if ref else []
    assert [str(s.match) for s in found] == ([site] if site else [])


def test_longest_matching_path_wins() -> None:
    """A creator's page under another creator's whole-site claim is that creator's."""
    sites = [_site(1, "collective.example"), _site(2, "collective.example/anna")]
    ref = referrer_match("https://collective.example/anna/post")
    assert ref is not None
    assert [s.id for s in best_site(ref, sites)] == [2]
    other = referrer_match("https://collective.example/bert")
    assert other is not None
    assert [s.id for s in best_site(other, sites)] == [1]


def test_shop_referrer_is_recognised() -> None:
    """A visitor moving around the shop itself never credits anyone."""
    ref = referrer_match("https://shop.brand.example/cart")
    assert ref is not None and is_shop_referrer(ref, SHOPS)


_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.@", min_size=1, max_size=12)


@given(site=st.lists(_segment, min_size=1, max_size=3), rest=st.lists(_segment, max_size=3))
def test_a_path_and_anything_below_it_matches(site: list[str], rest: list[str]) -> None:
    """Every referrer path that is the site's path plus whole segments is the site's."""
    site = [s for s in site if s.strip(".")] or ["anna"]
    rest = [s for s in rest if s.strip(".")]
    path = "/" + "/".join(site)
    claim = SiteMatch("example.org", path)
    referrer = referrer_match("https://example.org" + path + "".join("/" + r for r in rest))
    assert referrer is not None and claim.covers(referrer)


@given(site=_segment, extra=_segment)
def test_a_longer_segment_never_matches(site: str, extra: str) -> None:
    """``/anna`` never covers ``/annaX…``: a claim ends on a segment boundary."""
    claim = SiteMatch("example.org", "/" + site)
    referrer = SiteMatch("example.org", "/" + site + extra)
    assert not claim.covers(referrer)


# --- attribution order -----------------------------------------------------------------------

NOW = 1_796_000_000
CLICK = ClickFacts("clk1", 1, 11, 5, NOW - 3_600, "v", creator_active=True)
CODE = CodeFacts("ANNA15", 1, 12, active=True)
SITE = SiteFacts(site_id=7, guild_id=1, creator_id=13, creator_active=True)


def test_directlink_credits_the_site_owner_without_click_or_code() -> None:
    """No click and no code: the approved site's creator gets the order."""
    result = attribute(NOW, None, None, Rules(), site=SITE)
    assert (result.method, result.creator_id, result.reason) == (
        Method.DIRECTLINK,
        13,
        "directlink:site=7",
    )


def test_a_click_beats_directlink() -> None:
    """A valid click comes first."""
    assert attribute(NOW, CLICK, None, Rules(), site=SITE).creator_id == 11


def test_a_code_beats_directlink() -> None:
    """A valid code comes before DirectLink."""
    assert attribute(NOW, None, CODE, Rules(), site=SITE).method is Method.CODE


def test_an_expired_click_falls_through_to_directlink() -> None:
    """An expired click is no click: DirectLink decides, and the reason says both."""
    old = ClickFacts("clk1", 1, 11, 5, NOW - 40 * 86_400, "v", creator_active=True)
    result = attribute(NOW, old, None, Rules(), site=SITE)
    assert (result.method, result.reason) == (Method.DIRECTLINK, "directlink:site=7,click_expired")


def test_a_paused_creators_site_credits_nobody() -> None:
    """The site of a creator who is not active does not count."""
    paused = SiteFacts(site_id=7, guild_id=1, creator_id=13, creator_active=False)
    result = attribute(NOW, None, None, Rules(), site=paused)
    assert (result.method, result.reason) == (Method.NONE, "site_creator_inactive")
