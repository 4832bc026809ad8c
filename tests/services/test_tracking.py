"""TrackingService: de-dup windows, daily salts, the batched click writer, the link cache."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from multidict import CIMultiDict

from bot.clock import FrozenClock
from bot.db.clicks_repo import ClickRepository
from bot.registry import Services
from bot.services.tracking import LinkCache, Missing, TrackingService
from tests.factories import CHROME, seed_link

IP = "203.0.113.77"


@pytest.fixture
async def tracking(services: Services) -> AsyncIterator[TrackingService]:
    await services.tracking.start()
    yield services.tracking
    await services.tracking.stop()


async def _click(tracking: TrackingService, slug: str, ip: str = IP) -> str | None:
    link = await tracking.resolve(slug)
    assert link is not None
    return tracking.record(link, ip, CIMultiDict({"User-Agent": CHROME}), tracking.now())


def _files_holding(folder: Path, needle: bytes) -> list[str]:
    return [p.name for p in folder.glob("services.db*") if needle in p.read_bytes()]


async def _rows(services: Services) -> list[Any]:
    await services.tracking.flush()
    return await services.db.fetch_all("SELECT * FROM clicks ORDER BY id")


async def test_two_clicks_in_the_hour_one_unique(
    services: Services, tracking: TrackingService, clock: FrozenClock
) -> None:
    """Two clicks within the hour: two rows, one unique; after the hour: unique again."""
    link = await seed_link(services.db)
    await _click(tracking, link["slug"])
    clock.advance(minutes=59)
    await _click(tracking, link["slug"])
    rows = await _rows(services)
    assert [r["is_unique"] for r in rows] == [1, 0]
    clock.advance(minutes=1)
    await _click(tracking, link["slug"])
    assert [r["is_unique"] for r in await _rows(services)] == [1, 0, 1]


async def test_next_day_another_hash_and_old_salt_gone(
    services: Services, tracking: TrackingService, clock: FrozenClock
) -> None:
    """The next UTC day the same visitor hashes differently and the old salt is deleted."""
    link = await seed_link(services.db)
    await _click(tracking, link["slug"])
    clock.advance(days=1)
    await _click(tracking, link["slug"])
    first, second = await _rows(services)
    assert first["visitor_hash"] != second["visitor_hash"]
    assert second["is_unique"] == 1
    days = [r[0] for r in await services.db.fetch_all("SELECT day FROM visitor_salts ORDER BY day")]
    assert days == ["2026-11-24", "2026-11-25"]


async def test_raw_ip_is_never_stored(
    services: Services, tracking: TrackingService, tmp_path: Path
) -> None:
    """No byte of the database (file or WAL) holds the visitor's IP."""
    link = await seed_link(services.db)
    for _ in range(3):
        await _click(tracking, link["slug"])
    assert len(await _rows(services)) == 3
    assert _files_holding(tmp_path, IP.encode()) == []


async def test_restart_keeps_deduplicating(
    services: Services, tracking: TrackingService, clock: FrozenClock
) -> None:
    """After a restart a visitor's repeat click within the hour is still not unique."""
    link = await seed_link(services.db)
    await _click(tracking, link["slug"])
    await tracking.stop()
    clock.advance(minutes=30)
    restarted = TrackingService(services.db, ClickRepository(), clock, services.metrics)
    await restarted.start()
    try:
        await _click(restarted, link["slug"])
        await restarted.flush()
    finally:
        await restarted.stop()
    rows = await services.db.fetch_all("SELECT visitor_hash, is_unique FROM clicks ORDER BY id")
    assert rows[0]["visitor_hash"] == rows[1]["visitor_hash"]
    assert [r["is_unique"] for r in rows] == [1, 0]


async def test_stop_writes_everything_in_batches(services: Services, clock: FrozenClock) -> None:
    """Stopping the writer writes every queued click, however many batches that takes."""
    tracking = TrackingService(
        services.db, ClickRepository(), clock, services.metrics, batch_size=50
    )
    await tracking.start()
    tracking.writer.pause()
    link = await seed_link(services.db)
    ids = {
        await _click(tracking, link["slug"], ip=f"10.0.{i // 250}.{i % 250}") for i in range(1234)
    }
    await tracking.stop()
    assert len(ids) == 1234
    stored = {r[0] for r in await services.db.fetch_all("SELECT click_id FROM clicks")}
    assert stored == ids


async def test_writer_writes_in_the_background(
    services: Services, tracking: TrackingService
) -> None:
    """Queued clicks reach the database on their own, without an explicit flush."""
    link = await seed_link(services.db)
    await _click(tracking, link["slug"])
    for _ in range(100):
        if await services.db.fetch_val("SELECT count(*) FROM clicks"):
            break
        await asyncio.sleep(0.02)
    assert await services.db.fetch_val("SELECT count(*) FROM clicks") == 1


async def test_idle_writer_sleeps_until_a_click_arrives(
    services: Services, tracking: TrackingService
) -> None:
    """With nothing to write the writer's task waits for work instead of waking every
    interval; a click wakes it, and once written it sleeps again."""
    link = await seed_link(services.db)
    writer = tracking.writer
    for _ in range(100):  # the day's salts stored at start are written first
        if writer.idle:
            break
        await asyncio.sleep(0.02)
    assert writer.idle and writer.running
    await _click(tracking, link["slug"])
    assert not writer.idle
    for _ in range(100):
        if writer.idle:
            break
        await asyncio.sleep(0.02)
    assert writer.idle
    assert writer.written == 1
    assert await services.db.fetch_val("SELECT count(*) FROM clicks") == 1


async def test_counts_per_creator_and_period(
    services: Services, tracking: TrackingService, clock: FrozenClock
) -> None:
    """Clicks and unique clicks of one creator within a period."""
    mine = await seed_link(services.db)
    other = await seed_link(services.db)
    start = clock.now()
    await _click(tracking, mine["slug"])
    await _click(tracking, mine["slug"])
    await _click(tracking, mine["slug"], ip="198.51.100.1")
    await _click(tracking, other["slug"])
    clock.advance(days=2)
    await _click(tracking, mine["slug"])
    await tracking.flush()
    assert await tracking.counts(mine["creator_id"], start, start + timedelta(days=1)) == (3, 2)
    assert await tracking.counts(mine["creator_id"], start, start + timedelta(days=7)) == (4, 3)
    assert await tracking.counts(other["creator_id"], start, start + timedelta(days=1)) == (1, 1)


async def test_paused_creator_stops_counting_after_forget(
    services: Services, tracking: TrackingService
) -> None:
    """Pausing a creator takes effect at once when the cache entry is forgotten."""
    link = await seed_link(services.db)
    assert (await tracking.resolve(link["slug"])).countable  # type: ignore[union-attr]
    await services.db.execute(
        "UPDATE creators SET status = 'paused' WHERE id = ?", link["creator_id"]
    )
    assert (await tracking.resolve(link["slug"])).countable  # type: ignore[union-attr]
    tracking.forget(link["slug"])
    assert not (await tracking.resolve(link["slug"])).countable  # type: ignore[union-attr]


async def test_forgetting_a_creator_forgets_only_their_links(
    services: Services, tracking: TrackingService
) -> None:
    """A paused creator's link stops counting at once; another creator's stays cached."""
    paused = await seed_link(services.db)
    other = await seed_link(services.db)
    for link in (paused, other):
        assert (await tracking.resolve(link["slug"])).countable  # type: ignore[union-attr]
    await services.db.execute("UPDATE creators SET status = 'paused'")
    tracking.forget_creator(paused["creator_id"])
    assert not (await tracking.resolve(paused["slug"])).countable  # type: ignore[union-attr]
    # Still served from the cache until its refresh: it was not dropped with the other.
    assert (await tracking.resolve(other["slug"])).countable  # type: ignore[union-attr]


async def test_link_cache_refresh_picks_up_changes(
    services: Services, tracking: TrackingService
) -> None:
    """A cached link is served until the background refresh, which sees pauses and deletions."""
    paused = await seed_link(services.db)
    deleted = await seed_link(services.db)
    await tracking.links.refresh()
    await services.db.execute(
        "UPDATE creators SET status = 'paused' WHERE id = ?", paused["creator_id"]
    )
    await services.db.execute("DELETE FROM links WHERE id = ?", deleted["link_id"])
    assert (await tracking.resolve(paused["slug"])).countable  # type: ignore[union-attr]
    assert await tracking.resolve(deleted["slug"]) is not None
    await tracking.links.refresh()
    assert not (await tracking.resolve(paused["slug"])).countable  # type: ignore[union-attr]
    assert await tracking.resolve(deleted["slug"]) is None


async def test_link_cache_is_bounded(services: Services, clock: FrozenClock) -> None:
    """The cache holds at most its size; links beyond it are still found."""
    tracking = TrackingService(
        services.db, ClickRepository(), clock, services.metrics, cache_size=3
    )
    links = [await seed_link(services.db) for _ in range(5)]
    assert await tracking.links.refresh() == 3
    for link in links:
        assert (await tracking.resolve(link["slug"])).link_id == link["link_id"]  # type: ignore[union-attr]
    assert len(tracking.links) == 3


async def test_a_full_link_cache_makes_room_in_batches(
    services: Services, clock: FrozenClock
) -> None:
    """A miss on a full cache evicts its oldest 1/64 at once, and the link is still served."""
    tracking = TrackingService(
        services.db, ClickRepository(), clock, services.metrics, cache_size=128
    )
    links = [await seed_link(services.db) for _ in range(129)]
    assert await tracking.links.refresh() == 128
    oldest = links[0]
    assert (await tracking.resolve(oldest["slug"])).link_id == oldest["link_id"]  # type: ignore[union-attr]
    assert len(tracking.links) == 128 - 2 + 1


async def test_unknown_slug_is_remembered_briefly(
    services: Services, tracking: TrackingService, clock: FrozenClock
) -> None:
    """An unknown slug is answered from memory for a few seconds, then looked up again."""
    assert await tracking.resolve("later1") is None
    await seed_link(services.db, slug="later1")
    assert await tracking.resolve("later1") is None
    clock.advance(seconds=5)
    assert await tracking.resolve("later1") is not None


async def test_a_flood_of_unknown_slugs_stays_bounded(
    services: Services, clock: FrozenClock
) -> None:
    """Random slugs fill the unknown-slug memory up to its bound; a full one makes room by
    dropping its oldest entries in a batch, and expired entries go first."""
    cache = LinkCache(services.db, ClickRepository(), missing_size=128, missing_ttl=5)
    now = int(clock.now().timestamp())

    def remembered() -> list[str]:
        names = [f"probe{n}" for n in range(131)]
        return [name for name in names if cache.get(name, now) is None]

    for n in range(128):
        assert await cache.load(f"probe{n}", now) is None
    assert remembered() == [f"probe{n}" for n in range(128)]
    assert await cache.load("probe128", now) is None
    # Full: the oldest 128 // 64 = 2 made room for the new one.
    assert remembered() == [f"probe{n}" for n in range(2, 129)]
    now += 5  # every entry so far has expired
    assert remembered() == []
    assert await cache.load("probe129", now) is None  # 128 entries again: nothing leaves
    assert await cache.load("probe130", now) is None  # full: all the expired ones leave
    assert remembered() == ["probe129", "probe130"]
    assert cache.get("probe2", now) is Missing.MISSING


async def test_counts_per_link(
    services: Services, tracking: TrackingService, clock: FrozenClock
) -> None:
    """A link's clicks exclude the same creator's other links."""
    shop = await seed_link(services.db)
    async with services.db.transaction() as tx:
        second = await tx.insert(
            "INSERT INTO campaigns (guild_id, name, slug, destination_url, created_at)"
            " VALUES (1, 'Summer', 'summer', 'https://shop.example/s', 0)"
        )
        await tx.insert(
            "INSERT INTO links (guild_id, creator_id, campaign_id, slug, created_at)"
            " VALUES (1, ?, ?, 'summer1', 0)",
            shop["creator_id"],
            second,
        )
    start = clock.now()
    await _click(tracking, shop["slug"])
    await _click(tracking, "summer1")
    await _click(tracking, "summer1", ip="198.51.100.1")
    await tracking.flush()
    repo = ClickRepository()
    since, until = int(start.timestamp()), int(start.timestamp()) + 60
    assert await repo.link_counts(services.db, shop["link_id"], since, until) == (1, 1)
    assert await repo.counts(services.db, shop["creator_id"], since, until) == (3, 3)


async def test_traffic_shows_where_a_creators_clicks_came_from(
    services: Services, tracking: TrackingService, clock: FrozenClock
) -> None:
    """Referring platforms and countries of one creator's clicks in a period: another
    creator's clicks and clicks before the period are left out."""
    anna = await seed_link(services.db)
    bert = await seed_link(services.db)
    early = clock.now()

    async def click(slug: str, ip: str, **headers: str) -> None:
        link = await tracking.resolve(slug)
        assert link is not None
        tracking.record(link, ip, CIMultiDict({"User-Agent": CHROME} | headers), tracking.now())

    await click(anna["slug"], "198.51.100.1", Referer="https://l.instagram.com/")
    clock.advance(minutes=5)
    start = clock.now()
    for n in range(3):
        await click(
            anna["slug"],
            f"198.51.100.{n}",
            **{"Referer": "https://l.instagram.com/", "CF-IPCountry": "NL"},
        )
    await click(anna["slug"], "198.51.100.9", **{"Referer": "https://t.co/x", "CF-IPCountry": "BE"})
    await click(anna["slug"], "198.51.100.8")  # no referrer, no country
    await click(bert["slug"], "198.51.100.7", Referer="https://www.youtube.com/watch?v=1")
    await tracking.flush()
    until = clock.now() + timedelta(seconds=1)

    traffic = await tracking.traffic(anna["creator_id"], start, until)
    assert [(s.name, s.clicks, s.percent) for s in traffic.sources] == [
        ("Instagram", 3, 60),
        ("X", 1, 20),
        (None, 1, 20),
    ]
    assert [(s.name, s.clicks) for s in traffic.countries] == [("NL", 3), ("BE", 1), (None, 1)]
    assert [(s.name, s.clicks) for s in traffic.campaigns] == [("Shop", 5)]
    everything = await tracking.traffic(anna["creator_id"], early, until)
    assert everything.sources[0].clicks == 4
    nothing = await tracking.traffic(anna["creator_id"], until, until + timedelta(hours=1))
    assert nothing.sources == [] and nothing.countries == []


async def test_background_refresh_reloads_only_after_a_change(
    services: Services, tracking: TrackingService
) -> None:
    """The cache reloads when a link, campaign or creator changed, and not otherwise."""
    link = await seed_link(services.db)
    await tracking.links.refresh()
    assert await tracking.links.refresh_if_changed() is False
    await services.db.execute(
        "UPDATE creators SET locale = 'nl' WHERE id = ?", link["creator_id"]
    )  # not something a redirect reads
    assert await tracking.links.refresh_if_changed() is False
    await services.db.execute(
        "UPDATE campaigns SET destination_url = 'https://shop.example/new' WHERE id = ?",
        link["campaign_id"],
    )
    assert await tracking.links.refresh_if_changed() is True
    resolved = await tracking.resolve(link["slug"])
    assert resolved is not None and resolved.destination is not None
    assert resolved.destination.head.startswith("https://shop.example/new?")
    assert await tracking.links.refresh_if_changed() is False


async def test_a_long_batch_is_finished_in_click_order(
    services: Services, tracking: TrackingService
) -> None:
    """700 clicks of 50 visitors in one batch (finished in slices between which redirects
    run): stored in click order, and only each visitor's first click is unique."""
    link = await seed_link(services.db)
    tracking.writer.pause()
    ids = [await _click(tracking, link["slug"], ip=f"198.51.100.{i % 50}") for i in range(700)]
    rows = await _rows(services)
    assert [r["click_id"] for r in rows] == ids
    assert [r["is_unique"] for r in rows] == [1] * 50 + [0] * 650
    assert len({r["visitor_hash"] for r in rows}) == 50


async def test_a_visitor_looping_on_a_link_is_capped(
    services: Services, tracking: TrackingService, clock: FrozenClock
) -> None:
    """One visitor's first 20 clicks on a link in the hour are stored, later ones are
    redirected (they got a click id) but not stored and show as capped in the metrics; the
    same visitor on another link, another visitor, and the next hour are not affected."""
    link = await seed_link(services.db)
    other = await seed_link(services.db)
    ids = [await _click(tracking, link["slug"]) for _ in range(25)]
    assert all(ids)
    await _click(tracking, other["slug"])
    await _click(tracking, link["slug"], ip="198.51.100.99")
    rows = await _rows(services)
    stored = [r["click_id"] for r in rows if r["link_id"] == link["link_id"]]
    assert stored == [*ids[:20], rows[-1]["click_id"]]
    assert len(rows) == 22
    tracking.publish_metrics()
    body = services.metrics.render().decode()
    assert 'creatorbot_redirects_total{result="capped"} 5.0' in body
    assert "creatorbot_clicks_counted_total 22.0" in body
    clock.advance(hours=1)
    await _click(tracking, link["slug"])
    rows = await _rows(services)
    assert len(rows) == 23 and rows[-1]["is_unique"] == 1
