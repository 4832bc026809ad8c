"""Use case: resolve tracking links and record clicks without slowing the redirect.

The redirect never waits on the disk. :meth:`TrackingService.record` gives a counted click
its id and appends the raw facts (link, second, peer, a few headers) to the bounded pending
list of :class:`ClickWriter`. ``flush_interval`` after a click arrives (an idle writer
sleeps until one does) the writer's task takes the list, works out each click's visitor hash
(under the day's salt, loaded at start), uniqueness (from
:class:`~bot.domain.clicks.UniqueWindows`), referrer host and country, and inserts the
batch, one transaction per batch. A full list drops the click (counted in
``creatorbot_clicks_dropped``) instead of making the visitor wait. Redirect outcomes are
tallied in memory and published to the Prometheus counters every half second; counted clicks
are tallied by the writer as it turns them into rows.

Floods: of one visitor's clicks on one link within the hour, the first ``repeat_limit`` (20)
are stored; the rest are still redirected but not stored (``capped`` in the metrics), so one
client looping on a link cannot fill the disk or inflate a creator's click count.

Link lookups come from :class:`LinkCache`: loaded at start, and reloaded in the background
when the ``link_generation`` counter (raised by triggers on links, campaigns and creators)
has moved, checked every 5 seconds; so a paused creator or an edited campaign takes effect
within that time whoever changed it, or at once when the code that changed it calls
:meth:`TrackingService.forget`.

De-dup after a restart: :meth:`TrackingService.start` restores the open one-hour windows from
the unique clicks of the last hour, and the salts live in ``visitor_salts``, so a restart does
not make a repeat visitor unique again. Clicks still pending when the process is killed (not
stopped) are lost; a graceful stop writes them all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from functools import partial
from itertools import islice

from multidict import istr

from bot.clock import Clock, SystemClock, to_epoch
from bot.db.clicks_repo import ClickRepository, ClickRow
from bot.db.connection import Database
from bot.domain.clicks import (
    UNIQUE_WINDOW_SECONDS,
    ClickIds,
    LinkTarget,
    Outcome,
    ResolvedLink,
    UniqueWindows,
    VisitorHasher,
    client_ip,
    country_code,
    is_valid_slug,
    new_salt,
    referrer_host,
    resolve_link,
    salt_day,
)
from bot.domain.traffic import Share, shares, sources
from bot.metrics import Metrics

log = logging.getLogger(__name__)

DAY = 86_400
_FINISH_SLICE = 64  # clicks finished between two yields to the event loop (~0.5 ms)
REPEAT_LIMIT = 20  # stored clicks of one visitor on one link per de-dup window
_REFUSED = (
    "its campaign's destination is not an http(s) URL on the server's allowed domains"
    " (/setup allowed_domains, shop_url)"
)


# What the redirect queues for a counted click: the link's guild, link, creator and campaign
# ids, the epoch second, the click id, the TCP peer and the raw User-Agent, X-Forwarded-For,
# Referer, CF-IPCountry and X-Country-Code headers. The client IP, the visitor hash, whether
# the click is unique, the referrer host and the country are worked out by the writer, a batch
# at a time off the redirect's path; the raw IP exists only in memory until then. Only str,
# int and None inside, so the garbage collector stops tracking these tuples at first sight.
_Header = str | None
PendingClick = tuple[
    int, int, int, int, int, str, str | None, _Header, _Header, _Header, _Header, _Header
]

_USER_AGENT = istr("User-Agent")
_FORWARDED_FOR = istr("X-Forwarded-For")
_REFERER = istr("Referer")
_CF_COUNTRY = istr("CF-IPCountry")
_COUNTRY = istr("X-Country-Code")


@dataclass(frozen=True)
class Traffic:
    """What ``/stats`` shows of where clicks came from."""

    sources: list[Share]  # referring platforms; name None: no referrer
    countries: list[Share]  # ISO country codes; name None: unknown
    campaigns: list[Share] = field(default_factory=list)  # campaign names (one link each)


class Missing(Enum):
    """Returned by :meth:`LinkCache.get` when the slug is not cached."""

    MISSING = "missing"


class ClickWriter:
    """The background task that writes pending clicks in batches.

    The redirect appends a :data:`PendingClick` to :attr:`pending`, a plain list (cheaper
    per click than an :class:`asyncio.Queue`, and nothing waits on it); ``interval`` seconds
    after the first click of a batch arrives, the task takes the whole list, turns it into
    rows with ``finish`` and writes them, ``batch_size`` rows per transaction. At most
    ``limit`` clicks wait: beyond that :meth:`TrackingService.record` drops the click.
    """

    def __init__(
        self,
        db: Database,
        repo: ClickRepository,
        metrics: Metrics,
        finish: Callable[[list[PendingClick]], Awaitable[list[ClickRow]]],
        *,
        limit: int = 50_000,
        batch_size: int = 10_000,
        interval: float = 0.1,
    ) -> None:
        self._db = db
        self._repo = repo
        self._finish = finish
        self._dropped = metrics.clicks_dropped
        self.limit = limit
        self._batch_size = batch_size
        self._interval = interval
        self.pending: list[PendingClick] = []
        self._salts: dict[str, bytes] = {}
        self._purge_before: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._writing: asyncio.Future[None] | None = None
        self._resumed = asyncio.Event()
        self._resumed.set()
        # Set while something waits to be written: an idle tracker does not wake up every
        # interval for nothing.
        self._work = asyncio.Event()
        self.written = 0

    @property
    def running(self) -> bool:
        """Whether the background task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the background task (idempotent)."""
        if not self.running:
            self._task = asyncio.create_task(self._run(), name="click-writer")

    def pause(self) -> None:
        """Hold clicks in memory until :meth:`resume` (they keep piling up, then dropping)."""
        self._resumed.clear()

    def resume(self) -> None:
        """Write batches again after :meth:`pause`."""
        self._resumed.set()

    @property
    def idle(self) -> bool:
        """Whether the task sleeps until something is queued (nothing waits to be written)."""
        return not self._work.is_set()

    def wake(self) -> None:
        """Something was added to write: the task writes it within ``interval``."""
        self._work.set()

    def keep_salt(self, day: str, salt: bytes) -> None:
        """Store ``salt`` for ``day`` with the next batch (unless the day has one already)."""
        self._salts[day] = salt
        self._work.set()

    def purge_salts_before(self, day: str) -> None:
        """Delete the salts of days before ``day`` with the next batch."""
        self._purge_before = day
        self._work.set()

    async def flush(self) -> None:
        """Write everything pending so far, now (also while paused)."""
        while True:
            writing = self._writing
            if writing is not None:
                with suppress(Exception):
                    await asyncio.shield(writing)
                if self._writing is writing:
                    self._writing = None
                continue
            if not self.pending and not self._salts_pending:
                return
            await self._write_pending()

    async def stop(self) -> None:
        """Stop the task and write everything still pending; the graceful-shutdown path."""
        self.resume()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await self.flush()

    @property
    def _salts_pending(self) -> bool:
        return bool(self._salts) or self._purge_before is not None

    async def _run(self) -> None:
        while True:
            await self._work.wait()
            await asyncio.sleep(self._interval)  # clicks gather into one batch meanwhile
            await self._resumed.wait()
            if self._writing is None and (self.pending or self._salts_pending):
                await self._write_pending()
            if not self.pending and not self._salts_pending:
                self._work.clear()

    async def _write_pending(self) -> None:
        # Shielded: a stop() during the write lets the transactions finish; stop() waits.
        rows, self.pending = self.pending, []
        writing = self._writing = asyncio.ensure_future(self._write_batches(rows))
        try:
            await asyncio.shield(writing)
        finally:
            if writing.done() and self._writing is writing:
                self._writing = None

    async def _write_batches(self, clicks: list[PendingClick]) -> None:
        size = self._batch_size
        for at in range(0, max(len(clicks), 1), size):
            await self._write(await self._finish(clicks[at : at + size]))

    async def _write(self, rows: list[ClickRow]) -> None:
        salts, self._salts = self._salts, {}
        purge_before, self._purge_before = self._purge_before, None
        try:
            async with self._db.transaction() as tx:
                for day, salt in salts.items():
                    await self._repo.add_salt(tx, day, salt)
                if purge_before is not None:
                    await self._repo.delete_salts_before(tx, purge_before)
                if rows:
                    await self._repo.insert_clicks(tx, rows)
        except Exception:
            log.exception("could not write a batch of %d clicks; they are lost", len(rows))
            self._dropped.inc(len(rows))
            for day, salt in salts.items():
                self._salts.setdefault(day, salt)
            if self._purge_before is None:
                self._purge_before = purge_before
            return
        self.written += len(rows)


class LinkCache:
    """slug → :class:`ResolvedLink` for the hot path, so a redirect never queries SQLite.

    :meth:`refresh` loads the newest ``size`` links; the tracking service runs it at start and
    then, through :meth:`refresh_if_changed`, whenever the ``link_generation`` counter moved
    (checked every ``refresh_seconds``), so a change (a paused creator, an edited campaign)
    reaches the redirect within that time — or at once through :meth:`forget`. Reloading
    20 000 links costs the event loop about half a second of CPU, so it only happens on a
    change. A
    slug that is not cached is read from the database once (concurrent misses share the read);
    an unknown slug is remembered as unknown for ``missing_ttl`` seconds in a separate, bounded
    map, so probes for random slugs can neither hammer the database nor push real links out.
    """

    PAGE = 1000

    def __init__(
        self,
        db: Database,
        repo: ClickRepository,
        *,
        size: int = 50_000,
        missing_size: int = 10_000,
        missing_ttl: int = 5,
    ) -> None:
        self._db = db
        self._repo = repo
        self.size = size
        self._missing_size = missing_size
        self._missing_ttl = missing_ttl
        # slug → link for the redirect (read directly through ``resolved.get``) and slug →
        # the stored row it was made from, to tell on a reload whether it changed.
        self.resolved: dict[str, ResolvedLink] = {}
        self._targets: dict[str, LinkTarget] = {}
        self._generation: int | None = None  # link_generation as of the last full load
        self._unknown: dict[str, int] = {}  # slug → epoch second the entry expires
        self._loading: dict[str, asyncio.Future[ResolvedLink | None]] = {}

    def __len__(self) -> int:
        return len(self.resolved)

    def get(self, slug: str, now: int) -> ResolvedLink | Missing | None:
        """The cached link (``None``: known to be unknown), or ``Missing.MISSING``."""
        link = self.resolved.get(slug)
        if link is not None:
            return link
        expires = self._unknown.get(slug)
        if expires is not None and expires > now:
            return None
        return Missing.MISSING

    async def load(self, slug: str, now: int) -> ResolvedLink | None:
        """Read ``slug`` from the database into the cache."""
        loading = self._loading.get(slug)
        if loading is None:
            loading = asyncio.ensure_future(self._read(slug, now))
            self._loading[slug] = loading
            loading.add_done_callback(partial(self._loaded, slug))
        return await asyncio.shield(loading)

    async def refresh_if_changed(self) -> bool:
        """:meth:`refresh` if anything a redirect reads changed since the last one (one row
        read when nothing did); return whether it reloaded."""
        if await self._repo.link_generation(self._db) == self._generation:
            return False
        await self.refresh()
        return True

    async def refresh(self) -> int:
        """Reload the newest ``size`` links; drop entries for links no longer among them."""
        # Read first: a change made during the reload raises it again for the next check.
        self._generation = await self._repo.link_generation(self._db)
        seen: set[str] = set()
        before: int | None = None
        refused = 0
        while len(seen) < self.size:
            limit = min(self.PAGE, self.size - len(seen))
            page = await self._repo.link_targets(self._db, before, limit)
            targets = self._targets
            for slug, target in page:
                seen.add(slug)
                if targets.get(slug) != target:
                    refused += self._store(slug, target).destination is None
            if len(page) < limit:
                break
            before = page[-1][1].link_id
        for slug in [s for s in self._targets if s not in seen]:
            del self._targets[slug], self.resolved[slug]
        if refused:
            log.warning("%d links now answer 404: %s", refused, _REFUSED)
        return len(seen)

    def forget(self, slug: str) -> None:
        """Drop one slug so the next request reads it again."""
        self.resolved.pop(slug, None)
        self._targets.pop(slug, None)
        self._unknown.pop(slug, None)

    def forget_creator(self, creator_id: int) -> int:
        """Drop a creator's links (a status change or an erasure); how many were cached."""
        slugs = [slug for slug, target in self._targets.items() if target.creator_id == creator_id]
        for slug in slugs:
            self.forget(slug)
        return len(slugs)

    async def _read(self, slug: str, now: int) -> ResolvedLink | None:
        target = await self._repo.link_target(self._db, slug)
        if target is None:
            unknown = self._unknown
            if len(unknown) >= self._missing_size:
                # Entries expire in insertion order (one TTL for all): the expired ones, and
                # at least the oldest 1/64, leave from the front. Scanning the whole map, or
                # evicting one per miss, cost O(size) per probe once a flood of random slugs
                # had filled it.
                leaving = []
                least = max(1, self._missing_size // 64)
                for key, expires in unknown.items():
                    if expires > now and len(leaving) >= least:
                        break
                    leaving.append(key)
                for key in leaving:
                    del unknown[key]
            unknown[slug] = now + self._missing_ttl
            return None
        self._unknown.pop(slug, None)
        link = self._store(slug, target)
        if link.destination is None:
            log.warning("link %d answers 404: %s", link.link_id, _REFUSED)
        return link

    def _store(self, slug: str, target: LinkTarget) -> ResolvedLink:
        link = resolve_link(target)
        targets = self._targets
        if slug not in targets and len(targets) >= self.size:
            # The oldest 1/64 leave at once: one per miss would rescan the deleted slots at
            # the front of the dict every time (as in UniqueWindows).
            for oldest in list(islice(targets, max(1, self.size // 64))):
                del targets[oldest], self.resolved[oldest]
        targets[slug] = target
        self.resolved[slug] = link
        return link

    def _loaded(self, slug: str, _future: asyncio.Future[ResolvedLink | None]) -> None:
        self._loading.pop(slug, None)


class TrackingService:
    """Tracking links: the cached slug lookup, click recording, the click writer."""

    def __init__(
        self,
        db: Database,
        repo: ClickRepository,
        clock: Clock,
        metrics: Metrics,
        *,
        queue_size: int = 50_000,
        batch_size: int = 10_000,
        flush_interval: float = 0.1,
        cache_refresh_seconds: float = 5,
        metrics_interval: float = 0.5,
        cache_size: int = 50_000,
        unique_entries: int = 100_000,
        repeat_limit: int = REPEAT_LIMIT,
        randbytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._db = db
        self._repo = repo
        self._clock = clock
        # Read on every redirect: the system clock's float directly, any other clock (tests,
        # the demo) through its aware datetime.
        self.seconds: Callable[[], float] = (
            time.time if type(clock) is SystemClock else lambda: clock.now().timestamp()
        )
        self.writer = ClickWriter(
            db,
            repo,
            metrics,
            self._finish,
            limit=queue_size,
            batch_size=batch_size,
            interval=flush_interval,
        )
        self.links = LinkCache(db, repo, size=cache_size)
        self._refresh_seconds = cache_refresh_seconds
        self._metrics_interval = metrics_interval
        self._background: list[asyncio.Task[None]] = []
        self._windows = UniqueWindows(UNIQUE_WINDOW_SECONDS, unique_entries)
        self._repeat_limit = repeat_limit
        self._click_ids = ClickIds(randbytes)
        self._salts: dict[str, bytes] = {}
        self._salt_day = -1  # days since the epoch of the hasher's salt
        self._hasher = VisitorHasher(b"")
        self._metrics = metrics
        self._redirects = {o: metrics.redirects.labels(result=o.value) for o in Outcome}
        # Redirect outcomes are tallied in plain ints (the redirect adds to this dict) and
        # added to the Prometheus counters every metrics_interval: a locked Counter.inc per
        # redirect measurably cost ~10% of the tracker's throughput.
        # Counted (and capped) clicks are tallied by the writer when it makes their rows, so
        # a counted redirect adds nothing here.
        self.tally: dict[Outcome, int] = dict.fromkeys(Outcome, 0)
        metrics.click_queue_depth.set_function(lambda: len(self.writer.pending))

    # -- lifetime ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load (or create) today's and tomorrow's salts, restore the de-dup windows of the
        last hour, load the link cache, and start the writer and the cache refresher."""
        now = self.now()
        days = [salt_day(now), salt_day(now + DAY)]
        async with self._db.transaction() as tx:
            for day in days:
                await self._repo.add_salt(tx, day, new_salt())
            await self._repo.delete_salts_before(tx, days[0])
            stored = await self._repo.salts(tx, days)
        self._salts = stored
        self._salt_day = -1
        recent = await self._repo.recent_unique(
            self._db, now - UNIQUE_WINDOW_SECONDS + 1, self._windows.max_entries
        )
        for visitor, link_id, clicked_at in recent:
            self._windows.remember(visitor, link_id, clicked_at)
        cached = await self.links.refresh()
        self.writer.start()
        if not self._background:
            self._background = [
                asyncio.create_task(self._refresh_links(), name="link-cache"),
                asyncio.create_task(self._publish_metrics(), name="click-metrics"),
            ]
        log.info(
            "click tracker started: %d links cached, %d de-dup windows restored",
            cached,
            len(recent),
        )

    async def flush(self) -> None:
        """Write every queued click now."""
        await self.writer.flush()

    async def stop(self) -> None:
        """Stop the background tasks and the writer, after writing every queued click."""
        background, self._background = self._background, []
        for task in background:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await self.writer.stop()
        self.publish_metrics()

    async def _publish_metrics(self) -> None:
        while True:
            await asyncio.sleep(self._metrics_interval)
            self.publish_metrics()

    async def _refresh_links(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_seconds)
            try:
                await self.links.refresh_if_changed()
            except Exception:
                log.exception("could not refresh the link cache; serving the cached links")

    # -- links ------------------------------------------------------------------------------

    def now(self) -> int:
        """The current time in epoch seconds, from the injected clock."""
        return int(self.seconds())

    async def resolve(self, slug: str, now: int | None = None) -> ResolvedLink | None:
        """The link behind ``slug``, or ``None`` for an unknown or malformed slug."""
        now = self.now() if now is None else now
        link = self.links.get(slug, now)
        if link is not Missing.MISSING:
            return link
        if not is_valid_slug(slug):
            return None
        return await self.links.load(slug, now)

    def forget(self, slug: str) -> None:
        """Make a change to a link take effect at once."""
        self.links.forget(slug)

    def forget_creator(self, creator_id: int) -> None:
        """Make a change to a creator (paused, removed, back, erased) take effect at once on
        their links, and only theirs."""
        self.links.forget_creator(creator_id)

    # -- clicks -----------------------------------------------------------------------------

    def record(
        self, link: ResolvedLink, peer: str | None, headers: Mapping[str, str], now: int
    ) -> str | None:
        """Queue a counted click; return its click id, or ``None`` when the queue is full.

        ``peer`` is the TCP peer address and ``headers`` the request's headers (a
        case-insensitive mapping, as aiohttp's): the writer reads the client IP, user agent,
        referrer and country from them later, and counts it in the metrics then (as counted,
        or as capped); on ``None`` the caller adds :data:`Outcome.DROPPED` to :attr:`tally`.
        """
        pending = self.writer.pending
        if len(pending) >= self.writer.limit:
            return None
        if not pending:
            self.writer.wake()
        click_id = self._click_ids.new(now)
        get = headers.get
        pending.append(
            (
                link.guild_id,
                link.link_id,
                link.creator_id,
                link.campaign_id,
                now,
                click_id,
                peer,
                get(_USER_AGENT),
                get(_FORWARDED_FOR),
                get(_REFERER),
                get(_CF_COUNTRY),
                get(_COUNTRY),
            )
        )
        return click_id

    async def _finish(self, clicks: list[PendingClick]) -> list[ClickRow]:
        """The rows of queued clicks, in click order: client IP, visitor hash under the day's
        salt, whether the click is unique, referrer host and country. A visitor's clicks on a
        link beyond ``repeat_limit`` in the window get no row."""
        rows: list[ClickRow] = []
        number_of = self._windows.click
        limit = self._repeat_limit
        capped = 0
        for start in range(0, len(clicks), _FINISH_SLICE):
            if start:
                await asyncio.sleep(0)  # let redirects in between the slices of a long batch
            for (
                guild_id,
                link_id,
                creator_id,
                campaign_id,
                now,
                click_id,
                peer,
                user_agent,
                forwarded_for,
                referer,
                cf_country,
                country,
            ) in clicks[start : start + _FINISH_SLICE]:
                day = now // DAY
                if day != self._salt_day:
                    self._switch_salt(day)
                visitor = self._hasher(client_ip(peer, forwarded_for), user_agent)
                number = number_of(visitor, link_id, now)
                if number > limit:
                    capped += 1
                    continue
                rows.append(
                    (
                        guild_id,
                        link_id,
                        creator_id,
                        campaign_id,
                        click_id,
                        visitor,
                        1 if number == 1 else 0,
                        referrer_host(referer) if referer else None,
                        country_code(cf_country, country) if cf_country or country else None,
                        now,
                    )
                )
        tally = self.tally
        tally[Outcome.COUNTED] += len(rows)
        tally[Outcome.CAPPED] += capped
        return rows

    def publish_metrics(self) -> None:
        """Add the tallied redirects to the Prometheus counters (done every
        ``metrics_interval`` in the background)."""
        tally = self.tally
        counts = dict(tally)
        for outcome in counts:
            tally[outcome] = 0
        for outcome, n in counts.items():
            if n:
                self._redirects[outcome].inc(n)
        metrics = self._metrics
        metrics.clicks_counted.inc(counts[Outcome.COUNTED])
        metrics.clicks_dropped.inc(counts[Outcome.DROPPED])
        metrics.clicks_bot.inc(counts[Outcome.BOT])

    async def counts(self, creator_id: int, since: datetime, until: datetime) -> tuple[int, int]:
        """A creator's (clicks, unique clicks) in ``[since, until)``; clicks still queued
        (at most ``flush_interval`` old) are not included."""
        return await self._repo.counts(self._db, creator_id, to_epoch(since), to_epoch(until))

    async def traffic(self, creator_id: int, since: datetime, until: datetime) -> Traffic:
        """Where a creator's clicks in ``[since, until)`` came from: referring platforms,
        countries and the creator's links (by campaign), the largest first."""
        rows = await self._repo.breakdown(self._db, creator_id, to_epoch(since), to_epoch(until))
        return Traffic(
            sources=sources((host, clicks) for host, _, _, clicks in rows),
            countries=shares((country, clicks) for _, country, _, clicks in rows),
            campaigns=shares((campaign, clicks) for _, _, campaign, clicks in rows),
        )

    def _switch_salt(self, day: int) -> None:
        # Tomorrow's salt exists before midnight (made here or loaded at start), so the first
        # click of a new day never waits for the database.
        today = salt_day(day * DAY)
        for name in (today, salt_day((day + 1) * DAY)):
            if name not in self._salts:
                self._salts[name] = new_salt()
                self.writer.keep_salt(name, self._salts[name])
        for name in [d for d in self._salts if d < today]:
            del self._salts[name]
        self.writer.purge_salts_before(today)
        self._hasher = VisitorHasher(self._salts[today])
        self._salt_day = day
