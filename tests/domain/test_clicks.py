"""Click-tracker rules: bots, UTM merge, visitor identity, de-dup windows."""

from __future__ import annotations

import re

import pytest

from bot.domain.clicks import (
    ClickIds,
    Outcome,
    UniqueWindows,
    VisitorHasher,
    classify,
    client_ip,
    country_code,
    is_bot,
    is_prefetch,
    is_valid_slug,
    merge_query,
    prepare_destination,
    referrer_host,
    salt_day,
    visitor_hash,
    visitor_query,
)
from tests.factories import BOT_AGENTS, CHROME, FIREFOX, IPHONE_INSTAGRAM


@pytest.mark.parametrize("user_agent", BOT_AGENTS.values(), ids=BOT_AGENTS.keys())
def test_known_bots_are_bots(user_agent: str) -> None:
    """Crawlers and link-preview fetchers are recognised as bots."""
    assert is_bot(user_agent)


@pytest.mark.parametrize("user_agent", [CHROME, IPHONE_INSTAGRAM, FIREFOX])
def test_browsers_are_not_bots(user_agent: str) -> None:
    """Browsers, including in-app browsers, are people."""
    assert not is_bot(user_agent)


@pytest.mark.parametrize("user_agent", [None, "", "   "])
def test_missing_user_agent_is_a_bot(user_agent: str | None) -> None:
    """A request without a user agent is not a person clicking."""
    assert is_bot(user_agent)


def test_prefetch_headers_are_not_clicks() -> None:
    """Speculative prefetches and previews announce themselves and are not clicks."""
    assert is_prefetch("prefetch")
    assert is_prefetch("prefetch;prerender")
    assert is_prefetch("Preview")
    assert not is_prefetch(None)
    assert not is_prefetch("")


def test_classify_orders_the_reasons() -> None:
    """HEAD and bots are bots first; then notrack; then an inactive link; else counted."""
    args = {"head": False, "user_agent": CHROME, "purpose": None}
    assert classify(**args, notrack=False, countable=True) is Outcome.COUNTED
    assert classify(**args, notrack=True, countable=True) is Outcome.NOTRACK
    assert classify(**args, notrack=False, countable=False) is Outcome.INACTIVE
    assert classify(**(args | {"head": True}), notrack=True, countable=False) is Outcome.BOT
    assert classify(**(args | {"purpose": "prefetch"}), notrack=False, countable=True) is (
        Outcome.BOT
    )


SHOP = frozenset({"shop.example"})


def _utm(url: str, click_id: str | None = "CLICKID") -> str:
    destination = prepare_destination(url, "anna", "summer", SHOP)
    assert destination is not None
    return destination.location(click_id)


def test_utm_merge_keeps_query_and_fragment() -> None:
    """Existing parameters stay, ours are appended, the fragment stays last."""
    assert _utm("https://shop.example/p?ref=1#top") == (
        "https://shop.example/p?ref=1&utm_source=anna&utm_medium=affiliate"
        "&utm_campaign=summer&cb_click=CLICKID#top"
    )


def test_utm_merge_without_query() -> None:
    """A destination without a query gets one."""
    assert _utm("https://shop.example/") == (
        "https://shop.example/?utm_source=anna&utm_medium=affiliate&utm_campaign=summer"
        "&cb_click=CLICKID"
    )


def test_utm_merge_overrides_existing_utm() -> None:
    """Our utm_* and cb_click replace the destination's; other parameters are kept as-is."""
    url = "https://shop.example/p?utm_source=old&x=a%20b&utm_campaign=old&cb_click=stale&y"
    assert _utm(url) == (
        "https://shop.example/p?x=a%20b&y&utm_source=anna&utm_medium=affiliate"
        "&utm_campaign=summer&cb_click=CLICKID"
    )


def test_utm_merge_without_click_id() -> None:
    """An uncounted visit carries the UTM parameters but no click id."""
    assert _utm("https://shop.example/p#top", None) == (
        "https://shop.example/p?utm_source=anna&utm_medium=affiliate&utm_campaign=summer#top"
    )


def test_utm_merge_fragment_with_question_mark() -> None:
    """A '?' inside the fragment is not mistaken for the query."""
    assert _utm("https://shop.example/p#a?b=1", None) == (
        "https://shop.example/p?utm_source=anna&utm_medium=affiliate&utm_campaign=summer#a?b=1"
    )


def test_visitor_query_is_forwarded_without_notrack_and_our_params() -> None:
    """The visitor's parameters go along; notrack and attempts to set ours do not."""
    forwarded, notrack = visitor_query("color=red&notrack=1&utm_source=evil&cb_click=x&q=a+b")
    assert forwarded == [("color", "red"), ("q", "a b")]
    assert notrack


@pytest.mark.parametrize(
    ("query", "expected"), [("notrack=1", True), ("notrack", True), ("notrack=0", False)]
)
def test_notrack_values(query: str, expected: bool) -> None:
    """notrack=1 (or a bare notrack) opts out; notrack=0 does not."""
    assert visitor_query(query) == ([], expected)


def test_forwarded_parameters_replace_same_named_ones() -> None:
    """A forwarded parameter replaces the destination's of the same name, once."""
    destination = prepare_destination(
        "https://shop.example/p?ref=1&size=m#top", "anna", "shop", SHOP
    )
    assert destination is not None
    assert destination.location("ID", [("size", "l")]) == (
        "https://shop.example/p?ref=1&size=l&utm_source=anna&utm_medium=affiliate"
        "&utm_campaign=shop&cb_click=ID#top"
    )


def test_merge_query_encodes_new_values() -> None:
    """Values we add are percent-encoded; nothing can break out of the query."""
    assert merge_query("https://a.example/", [("k", "a&b=c#d")]) == (
        "https://a.example/?k=a%26b%3Dc%23d"
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "ftp://shop.example/file",
        "//evil.example/",
        "https:///no-host",
        "https://shop.example/\r\nSet-Cookie: a=b",
        "https://shop.example/a b",
        "https://[::1/",
    ],
)
def test_only_http_destinations_redirect(url: str) -> None:
    """Anything but a plain http(s) URL with a host is refused at redirect time."""
    assert prepare_destination(url, "anna", "shop", SHOP) is None


@pytest.mark.parametrize(
    ("url", "allowed", "redirects"),
    [
        ("https://shop.example/p", {"shop.example"}, True),
        ("https://eu.shop.example/p", {"shop.example"}, True),  # a subdomain
        ("https://SHOP.example./p", {"shop.example"}, True),  # case and a trailing dot
        ("https://shop.example/p", {"other.example"}, False),  # removed from the list
        ("https://evilshop.example/p", {"shop.example"}, False),  # not a subdomain
        ("https://shop.example.evil.example/p", {"shop.example"}, False),
        ("https://shop.example/p", set(), False),  # nothing allowed (no settings)
    ],
)
def test_destination_must_be_on_allowed_domains_at_redirect_time(
    url: str, allowed: set[str], redirects: bool
) -> None:
    """A destination is checked against the server's allowed domains when it is loaded for
    redirects, not only when the campaign was created."""
    destination = prepare_destination(url, "anna", "shop", frozenset(allowed))
    assert (destination is not None) is redirects


@pytest.mark.parametrize(
    ("slug", "valid"),
    [
        ("k3m9xq", True),
        ("Ab_-9", True),
        ("", False),
        ("a.b", False),
        ("a/b", False),
        ("x" * 65, False),
    ],
)
def test_slug_format(slug: str, valid: bool) -> None:
    """Only plausible slugs reach the database."""
    assert is_valid_slug(slug) is valid


def test_referrer_keeps_only_the_host() -> None:
    """The referrer's path and query (which can hold personal data) are dropped."""
    assert referrer_host("https://WWW.Instagram.com/stories/anna?igsh=secret") == (
        "www.instagram.com"
    )
    assert referrer_host("android-app://com.google.android.gm/") == "com.google.android.gm"
    assert referrer_host("not a url") is None
    assert referrer_host(None) is None
    assert referrer_host("http://[bad") is None
    assert referrer_host("https://bücher.example/x") == "xn--bcher-kva.example"
    assert referrer_host("https://a\udcff.example/") is None
    assert referrer_host("https://a%20b.example/") is None


def test_country_from_proxy_headers() -> None:
    """Two letters, upper case, the first header that has one; unknown is NULL."""
    assert country_code("nl", "DE") == "NL"
    assert country_code(None, "de") == "DE"
    assert country_code("XX", None) is None
    assert country_code("T1", None) is None
    assert country_code("NLD", "1a") is None
    assert country_code(None, None) is None


def test_forwarded_for_trusted_only_from_private_peers() -> None:
    """X-Forwarded-For counts only when our own proxy (loopback/private) sent it."""
    assert client_ip("203.0.113.5", "198.51.100.7") == "203.0.113.5"
    assert client_ip("::ffff:203.0.113.5", "198.51.100.7") == "::ffff:203.0.113.5"
    assert client_ip("::ffff:127.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert client_ip("192.168.1.2", "198.51.100.7") == "198.51.100.7"
    assert client_ip("127.0.0.1", "198.51.100.7, 10.0.0.1") == "198.51.100.7"
    assert client_ip("10.1.2.3", "2001:db8::1") == "2001:db8::1"
    assert client_ip("::1", "garbage") == "::1"
    assert client_ip("127.0.0.1", None) == "127.0.0.1"
    assert client_ip(None, "198.51.100.7") == ""


def test_visitor_hash_depends_on_the_salt() -> None:
    """Same visitor, same salt: same hash; another day's salt: unrelated hash without the IP."""
    first = visitor_hash(b"a" * 32, "203.0.113.5", CHROME)
    assert first == visitor_hash(b"a" * 32, "203.0.113.5", CHROME)
    assert first != visitor_hash(b"b" * 32, "203.0.113.5", CHROME)
    assert first != visitor_hash(b"a" * 32, "203.0.113.6", CHROME)
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert "203" not in first.replace("0", "")  # not trivially derived


def test_a_hasher_keeps_user_agent_states_without_changing_any_hash() -> None:
    """The kept per-user-agent states give the same hashes as a fresh hasher, also after the
    bounded store was emptied, and never mix two user agents or two IPs up."""
    hasher = VisitorHasher(b"a" * 32, agents=3)
    visits = [(f"203.0.113.{i % 5}", f"{CHROME} v{i % 4}" if i % 7 else None) for i in range(40)]
    hashes = [hasher(ip, agent) for ip, agent in visits]
    assert hashes == [visitor_hash(b"a" * 32, ip, agent) for ip, agent in visits]
    assert len(set(hashes)) == len(set(visits))
    assert len(hasher._agents) <= 3


def test_forwarded_for_must_look_like_an_ip() -> None:
    """Only an IPv4/IPv6 literal of 2-45 characters is taken from X-Forwarded-For."""
    assert client_ip("127.0.0.1", " 2001:DB8::1 , 10.0.0.1") == "2001:db8::1"
    assert client_ip("127.0.0.1", "unknown") == "127.0.0.1"
    assert client_ip("127.0.0.1", "1.2.3.4; drop") == "127.0.0.1"
    assert client_ip("127.0.0.1", "1" * 46) == "127.0.0.1"
    assert client_ip("127.0.0.1", "") == "127.0.0.1"


def test_salt_day_is_the_utc_date() -> None:
    """Salts rotate at UTC midnight."""
    assert salt_day(1_795_478_399) == "2026-11-23"
    assert salt_day(1_795_478_400) == "2026-11-24"


def test_click_ids_are_short_unguessable_and_url_safe() -> None:
    """Click ids are 18 URL-safe characters and do not repeat."""
    ids = ClickIds()
    made = {ids.new(1_795_000_000) for _ in range(10_000)}
    assert len(made) == 10_000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{18}", i) for i in made)


def test_click_ids_sort_by_time() -> None:
    """A later click's id sorts after an earlier one's, also within one second (the unique
    index only appends)."""
    ids = ClickIds()
    times = [1_795_000_000, 1_795_000_001, 1_795_000_064, 1_795_086_400, 2_000_000_000]
    made = [ids.new(t) for t in times]
    assert made == sorted(made)
    same_second = [ids.new(2_000_000_001) for _ in range(5000)]
    assert same_second == sorted(same_second)
    assert len(set(same_second)) == 5000


def test_click_ids_use_the_random_source() -> None:
    """Nine characters (54 bits) of each id come from the random source."""
    ids = ClickIds(lambda n: bytes(range(256)) * (n // 256) + bytes(n % 256))
    first, second = ids.new(0), ids.new(0)
    assert first[:6] == second[:6] == "------"
    assert (first[6:9], second[6:9]) == ("---", "--0")
    assert first[9:] == "-01234567"
    assert second[9:] == "89ABCDEFG"


def test_repeat_click_within_the_hour_is_not_unique() -> None:
    """First click unique; again within the hour not; after the hour unique again."""
    windows = UniqueWindows(3600)
    assert windows.observe("v", 1, 1000)
    assert not windows.observe("v", 1, 1000 + 3599)
    assert windows.observe("v", 1, 1000 + 3600)
    assert not windows.observe("v", 1, 1000 + 3601)


def test_windows_are_per_link_and_per_visitor() -> None:
    """Another link or another visitor has its own window."""
    windows = UniqueWindows(3600)
    assert windows.observe("v", 1, 1000)
    assert windows.observe("v", 2, 1001)
    assert windows.observe("w", 1, 1002)


def test_windows_stay_bounded() -> None:
    """Expired windows are forgotten and the map never exceeds its size."""
    windows = UniqueWindows(3600, max_entries=100)
    for i in range(1000):
        windows.observe(f"v{i}", 1, 1000 + i)
        assert len(windows) <= 100
    assert len(windows) >= 99
    windows.observe("late", 1, 1000 + 999 + 3600)
    assert len(windows) == 1


def test_a_full_map_evicts_its_oldest_windows_in_batches() -> None:
    """Past the bound the oldest 1/64 leave together; newer windows still de-duplicate."""
    windows = UniqueWindows(3600, max_entries=640)
    for i in range(640):
        windows.observe(f"v{i}", 1, 1000)
    assert len(windows) == 640
    assert windows.observe("new", 1, 1000)
    assert len(windows) == 640 + 1 - 11  # one over the bound, plus 10 (640 // 64) more
    assert windows.observe("v0", 1, 1000)  # among the oldest: evicted, unique again
    assert not windows.observe("v11", 1, 1000)  # the oldest still kept
    assert not windows.observe("new", 1, 1000)


def test_remembered_windows_survive() -> None:
    """A window restored after a restart still de-duplicates."""
    windows = UniqueWindows(3600)
    windows.remember("v", 1, 1000)
    assert not windows.observe("v", 1, 2000)


def test_bare_host_gets_a_root_path() -> None:
    """A destination without a path redirects to the site root, not to "host?query"."""
    assert merge_query("https://shop.example.com", [("utm_medium", "affiliate")]) == (
        "https://shop.example.com/?utm_medium=affiliate"
    )
    assert merge_query("https://shop.example.com#top", [("a", "1")]) == (
        "https://shop.example.com/?a=1#top"
    )


def test_unique_windows_number_the_clicks_in_a_window() -> None:
    """click() numbers a visitor's clicks on a link within the window (1 is the unique one);
    a new window, another link and a restored window start again at 1."""
    windows = UniqueWindows(window_seconds=3600, max_entries=1000)
    assert [windows.click("v", 1, 100 + n) for n in range(4)] == [1, 2, 3, 4]
    assert windows.click("v", 2, 104) == 1
    assert windows.click("w", 1, 104) == 1
    assert windows.click("v", 1, 100 + 3600) == 1  # the window has passed
    assert windows.click("v", 1, 100 + 3601) == 2
    windows.remember("v", 1, 5000)
    assert windows.click("v", 1, 5001) == 2
    assert windows.observe("v", 1, 5002) is False


def test_evicted_windows_forget_their_repeats() -> None:
    """A window pushed out by the size bound takes its repeat count with it."""
    windows = UniqueWindows(window_seconds=3600, max_entries=64)
    assert [windows.click("v", 0, 10) for _ in range(3)] == [1, 2, 3]
    for link in range(1, 65):  # 64 more windows: the oldest (v, 0) leaves
        windows.click("v", link, 11)
    assert windows.click("v", 0, 12) == 1
    assert windows.click("v", 0, 13) == 2  # counting starts over, not at 4
