"""GET/HEAD /r/{slug} on the real aiohttp app with real services and SQLite."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.app import Services
from bot.db.clicks_repo import ClickRepository
from bot.services.tracking import TrackingService
from bot.web.app import create_app
from tests.factories import BOT_AGENTS, CHROME, seed_link

BROWSER = {"User-Agent": CHROME}


async def _client(services: Services, aiohttp_client: Any) -> Any:
    return await aiohttp_client(create_app(services))


async def _get(client: Any, path: str, **headers: str) -> Any:
    return await client.get(path, headers=BROWSER | headers, allow_redirects=False)


async def _clicks(services: Services) -> list[Any]:
    await services.tracking.flush()
    return await services.db.fetch_all("SELECT * FROM clicks ORDER BY id")


async def _metrics_showing(client: Any, *lines: str) -> str:
    """/metrics once it shows every line (redirects are published within half a second)."""
    body = ""
    for _ in range(60):
        body = await (await client.get("/metrics")).text()
        if all(line in body for line in lines):
            break
        await asyncio.sleep(0.05)
    return body


def _query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query, keep_blank_values=True)


async def test_click_redirects_with_utm_and_click_id(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """A visitor is sent to the destination with UTM parameters, a click id and the fragment."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    response = await _get(client, f"/r/{link['slug']}")
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith("https://shop.example/p?ref=1&utm_source=")
    assert location.endswith("#top")
    query = _query(location)
    assert query["utm_source"] == [link["source_slug"]]
    assert query["utm_medium"] == ["affiliate"]
    assert query["utm_campaign"] == [link["campaign_slug"]]
    assert len(query["cb_click"][0]) == 18


async def test_counted_click_is_stored(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """The click row carries the click id, the link, the referrer host and the country."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    response = await _get(
        client,
        f"/r/{link['slug']}",
        Referer="https://www.instagram.com/anna/?igsh=private",
        **{"CF-IPCountry": "nl"},
    )
    [click] = await _clicks(services)
    assert click["click_id"] == _query(response.headers["Location"])["cb_click"][0]
    assert (click["link_id"], click["creator_id"], click["campaign_id"], click["guild_id"]) == (
        link["link_id"],
        link["creator_id"],
        link["campaign_id"],
        link["guild_id"],
    )
    assert (click["referrer_host"], click["country"], click["is_unique"]) == (
        "www.instagram.com",
        "NL",
        1,
    )
    assert click["clicked_at"] == services.tracking.now()


async def test_visitor_query_is_forwarded(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """The visitor's own parameters reach the shop; they cannot override ours."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    response = await _get(client, f"/r/{link['slug']}?ref=story&utm_source=evil&cb_click=forged")
    query = _query(response.headers["Location"])
    assert query["ref"] == ["story"]
    assert query["utm_source"] == [link["source_slug"]]
    assert query["cb_click"] != ["forged"]
    assert response.headers["Location"].endswith("#top")


@pytest.mark.parametrize("user_agent", BOT_AGENTS.values(), ids=BOT_AGENTS.keys())
async def test_bots_are_redirected_not_counted(  # type: ignore[no-untyped-def]
    services: Services, aiohttp_client, user_agent: str
) -> None:
    """A crawler or link-preview bot gets the redirect but no click id, and no row."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    response = await _get(client, f"/r/{link['slug']}", **{"User-Agent": user_agent})
    assert response.status == 302
    assert "cb_click" not in _query(response.headers["Location"])
    assert await _clicks(services) == []


async def test_missing_user_agent_not_counted(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """A request without a User-Agent is redirected but not counted."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    response = await client.get(
        f"/r/{link['slug']}", allow_redirects=False, skip_auto_headers=["User-Agent"]
    )
    assert response.status == 302
    assert "cb_click" not in _query(response.headers["Location"])
    assert await _clicks(services) == []


async def test_head_not_counted(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """HEAD answers the same redirect and stores nothing."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    response = await client.head(f"/r/{link['slug']}", headers=BROWSER, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("https://shop.example/p?ref=1&utm_source=")
    assert await _clicks(services) == []


async def test_prefetch_not_counted(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """A browser's speculative prefetch is not a click."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    response = await _get(client, f"/r/{link['slug']}", **{"Sec-Purpose": "prefetch"})
    assert response.status == 302
    assert await _clicks(services) == []


async def test_notrack_not_counted_and_stripped(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """?notrack=1 redirects without counting, and the shop never sees notrack."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    response = await _get(client, f"/r/{link['slug']}?notrack=1&size=m")
    assert response.status == 302
    query = _query(response.headers["Location"])
    assert "notrack" not in query
    assert "cb_click" not in query
    assert query["size"] == ["m"]
    assert await _clicks(services) == []


async def test_unknown_slug_is_404_without_location(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """An unknown slug answers a small HTML 404 page and redirects nowhere."""
    client = await _client(services, aiohttp_client)
    response = await _get(client, "/r/nosuchlink")
    assert response.status == 404
    assert "Location" not in response.headers
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    body = await response.text()
    assert "<p>This link doesn&#x27;t exist" in body
    assert len(body) < 1024


async def test_404_page_in_dutch(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """A visitor whose browser prefers Dutch reads the 404 page in Dutch."""
    client = await _client(services, aiohttp_client)
    response = await _get(client, "/r/nosuchlink", **{"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"})
    assert response.status == 404
    assert "Deze link bestaat niet" in await response.text()
    response = await _get(client, "/r/nosuchlink", **{"Accept-Language": "en;q=0.9,nl;q=0.2"})
    assert "This link" in await response.text()


@pytest.mark.parametrize("path", ["/r/bad.slug", "/r/%3Cscript%3E", "/r/" + "a" * 80, "/r/a%20b"])
async def test_malformed_slug_is_404(services: Services, aiohttp_client, path: str) -> None:  # type: ignore[no-untyped-def]
    """A malformed slug is a 404 page, with nothing reflected into it."""
    client = await _client(services, aiohttp_client)
    response = await _get(client, path)
    assert response.status == 404
    assert "Location" not in response.headers
    assert "<script" not in await response.text()


@pytest.mark.parametrize("status", ["paused", "removed"])
async def test_inactive_creator_redirects_without_click(  # type: ignore[no-untyped-def]
    services: Services, aiohttp_client, status: str
) -> None:
    """A paused or removed creator's link still works but carries no click id and counts nothing."""
    link = await seed_link(services.db, status=status)
    client = await _client(services, aiohttp_client)
    response = await _get(client, f"/r/{link['slug']}")
    assert response.status == 302
    query = _query(response.headers["Location"])
    assert "cb_click" not in query
    assert query["utm_source"] == [link["source_slug"]]
    assert await _clicks(services) == []


async def test_inactive_campaign_redirects_without_click(
    services: Services, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    """A link to an inactive campaign redirects without counting."""
    link = await seed_link(services.db, campaign_active=False)
    client = await _client(services, aiohttp_client)
    response = await _get(client, f"/r/{link['slug']}")
    assert response.status == 302
    assert "cb_click" not in _query(response.headers["Location"])
    assert await _clicks(services) == []


async def test_non_http_destination_never_redirects(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """A stored javascript: destination is answered with 404, never a redirect."""
    link = await seed_link(services.db, destination="javascript:alert(document.cookie)")
    client = await _client(services, aiohttp_client)
    response = await _get(client, f"/r/{link['slug']}")
    assert response.status == 404
    assert "Location" not in response.headers
    assert await _clicks(services) == []


async def test_a_domain_removed_from_the_allowed_domains_stops_redirecting(
    services: Services, aiohttp_client: Any
) -> None:
    """/setup taking a domain off the allowed domains stops its links redirecting (404, no
    click) once the tracker sees the change; putting it back restores them. Another server's
    links and the shop's own domain are not affected."""
    link = await seed_link(services.db, destination="https://old-shop.example/p")
    other = await seed_link(services.db, guild_id=2, destination="https://old-shop.example/p")
    client = await _client(services, aiohttp_client)
    assert (await _get(client, f"/r/{link['slug']}")).status == 302

    await services.settings.update(1, 42, {"allowed_domains": "new-shop.example"})
    assert await services.tracking.links.refresh_if_changed() is True
    response = await _get(client, f"/r/{link['slug']}")
    assert response.status == 404
    assert "Location" not in response.headers
    assert (await _get(client, f"/r/{other['slug']}")).status == 302
    assert len(await _clicks(services)) == 2  # the two redirects before and beside it

    # The shop's domain is allowed even when it is not listed.
    await services.settings.update(1, 42, {"shop_url": "https://old-shop.example/"})
    assert await services.tracking.links.refresh_if_changed() is True
    assert (await _get(client, f"/r/{link['slug']}")).status == 302
    # Saving settings that do not touch the domains does not reload the cache.
    await services.settings.update(1, 42, {"timezone": "Europe/Amsterdam"})
    assert await services.tracking.links.refresh_if_changed() is False


async def test_repeat_visitor_is_one_unique_click(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """Two clicks of one visitor are two rows, one unique; another visitor is unique too."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    for forwarded_for in ("198.51.100.7", "198.51.100.7", "198.51.100.8"):
        await _get(client, f"/r/{link['slug']}", **{"X-Forwarded-For": forwarded_for})
    assert [c["is_unique"] for c in await _clicks(services)] == [1, 0, 1]


async def test_metrics_show_redirects_and_clicks(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """/metrics shows redirects by result, counted and bot clicks and the queue depth."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    await _get(client, f"/r/{link['slug']}")
    await _get(client, f"/r/{link['slug']}", **{"User-Agent": BOT_AGENTS["Discordbot"]})
    await _get(client, "/r/nosuchlink")
    expected = [
        'creatorbot_redirects_total{result="counted"} 1.0',
        'creatorbot_redirects_total{result="bot"} 1.0',
        'creatorbot_redirects_total{result="not_found"} 1.0',
        "creatorbot_clicks_counted_total 1.0",
        "creatorbot_clicks_bot_total 1.0",
        "creatorbot_clicks_dropped_total 0.0",
        "creatorbot_click_queue_depth",
    ]
    body = await _metrics_showing(client, *expected)
    assert [line for line in expected if line not in body] == []


async def test_full_queue_still_redirects(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """With the write queue full, visitors still get their 302 and /metrics counts the drops."""
    services.tracking = TrackingService(
        services.db, ClickRepository(), services.clock, services.metrics, queue_size=2
    )
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    services.tracking.writer.pause()
    responses = [await _get(client, f"/r/{link['slug']}") for _ in range(8)]
    assert [r.status for r in responses] == [302] * 8
    without_id = sum("cb_click" not in _query(r.headers["Location"]) for r in responses)
    assert without_id >= 1
    dropped = [
        f"creatorbot_clicks_dropped_total {float(without_id)}",
        f'creatorbot_redirects_total{{result="dropped"}} {float(without_id)}',
    ]
    body = await _metrics_showing(client, *dropped)
    assert [line for line in dropped if line not in body] == []
    services.tracking.writer.resume()
    assert len(await _clicks(services)) == 8 - without_id


async def test_shutdown_writes_every_queued_click(services: Services, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """Closing the app writes every click still queued: nothing is lost."""
    link = await seed_link(services.db)
    client = await _client(services, aiohttp_client)
    services.tracking.writer.pause()
    for i in range(25):
        response = await _get(client, f"/r/{link['slug']}", **{"X-Forwarded-For": f"192.0.2.{i}"})
        assert "cb_click" in _query(response.headers["Location"])
    assert await services.db.fetch_val("SELECT count(*) FROM clicks") == 0
    await client.close()
    assert await services.db.fetch_val("SELECT count(*) FROM clicks") == 25
