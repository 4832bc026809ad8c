"""Benchmark: bulk work on a large program through the real discord.py client.

    python bench/bulk.py            # 5 000 creators, 2 000 waiting applications, approve 500
    python bench/bulk.py --short    # 500 creators, 200 applications, approve 50

The bot (real client, real services, a temporary SQLite file) runs against the Discord
emulator with Discord's global rate limit on (50 requests/s per bot, interaction endpoints
exempt) and the modelled Create DM bucket. The server is seeded fast: members straight into
the emulator, creators with one SQL insert, applications through the onboarding service.

(a) The manager approves the applications matching a niche from /applications → "Approve all
    matching": time until all are approved, DMs per second, 429s, duplicate and missing DMs.
    Bar: done within 1.2 × the time Discord's limits allow for what was done — the longer of
    the requests the emulator counted against the global limit at 50/s and the DM channels
    opened at the modelled Create DM rate (10/s). The bot's own pace is not an excuse.
(b) The level sweep: a tenth of the creators reach a level with a role; the sync gives the
    role and DMs each once, at the bot's shared pace. Figures, and the ratio to the time
    Discord's limits allow.
(c) While (a) runs, /applications is invoked every 0.5 s: bar, every acknowledgement ≤ 3 s.
(d) A broadcast to a segment of 5 000 creators (100 with --short) through /broadcast segment:
    time until every DM is out, duplicate and missing DMs, 429s; the ratio to the time
    Discord's limits allow (creators who already had a DM channel need none opened, so the
    bot's pace per item shows as a ratio above 1 there).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.clock import to_epoch
from bot.domain.notices import NoticeKind, key_prefix
from bot.harness import Cast, LocalDiscord
from bot.services.jobs import DEFAULT_PER_SECOND

ACK_BAR_SECONDS = 3.0
SLACK = 1.2
NICHE = "vegan baking"


@dataclass(frozen=True)
class Size:
    creators: int
    applications: int
    approve: int
    promoted: int
    broadcast: int


FULL = Size(creators=5_000, applications=2_000, approve=500, promoted=500, broadcast=5_000)
SHORT = Size(creators=500, applications=200, approve=50, promoted=20, broadcast=100)


def verdict(ok: bool, text: str) -> str:
    line = f"{'PASS' if ok else 'FAIL'}  {text}"
    print(line, flush=True)
    return line


def bar(total: int, desc: str) -> tqdm:  # type: ignore[type-arg]
    return tqdm(total=total, desc=desc, unit="", file=sys.stderr, leave=False, mininterval=0.5)


def allowed_by_limits(emu: Any, made: list[Any], counted: int) -> tuple[float, str]:
    """The least time Discord's limits allow for ``made`` (the requests of one measurement):
    the requests counted against the global limit at its rate, and the DM channels opened at
    the modelled Create DM rate, whichever is longer; with the figures as text."""
    dm_channels = sum(1 for r in made if r.method == "POST" and r.path == "/users/@me/channels")
    by_global = counted / emu.global_rate_limit
    by_dm = dm_channels / emu.dm_channel_rate_limit * emu.dm_channel_rate_window
    text = (
        f"    allowed by Discord's limits: {counted} requests at {emu.global_rate_limit}/s "
        f"{by_global:.1f} s, {dm_channels} DM channels at {emu.dm_channel_rate_limit}/s "
        f"{by_dm:.1f} s → {max(by_global, by_dm):.1f} s "
        f"(the bot paces bulk items at {DEFAULT_PER_SECOND:g}/s)"
    )
    return max(by_global, by_dm), text


class Bench:
    def __init__(self, size: Size, folder: Path) -> None:
        self.size = size
        # The bench drives the level sweep itself: no scheduled sweep runs alongside.
        self.world = LocalDiscord(folder / "bulk.db", CREATORBOT_SWEEP_SECONDS=86_400)
        self.creator_users: list[Any] = []
        self.applicant_users: list[Any] = []
        self.failed = False

    def populate(self, cast: Cast) -> None:
        """Every creator and applicant a member of the server before the bot connects."""
        emu = self.world.emu
        for n in range(self.size.creators):
            user = emu.create_user(f"creator{n}")
            cast.guild.add_member(user)
            self.creator_users.append(user)
        for n in range(self.size.applications):
            user = emu.create_user(f"applicant{n}", locale="nl" if n % 4 == 0 else "en-US")
            cast.guild.add_member(user)
            self.applicant_users.append(user)

    async def seed(self) -> None:
        svc = self.world.services
        cast = self.world.cast
        assert cast is not None
        self.level_role = cast.guild.create_role("Gold creators")
        await svc.settings.update(
            cast.guild.id,
            cast.manager.id,
            {
                "review_channel": cast.review.id,
                "shop_url": "https://shop.example.com",
                "creator_role": cast.creator_role.id,
            },
        )
        now = to_epoch(svc.clock.now())
        rows = [
            (
                cast.guild.id,
                u.id,
                f"c{n}",
                "tiktok",
                5_000,
                "nano",
                "pottery" if n < self.size.broadcast else "travel",
                "active",
                now,
                now,
                now,
            )
            for n, u in enumerate(self.creator_users)
        ]
        async with svc.db.transaction() as tx:
            await tx.execute_many(
                """INSERT INTO creators (guild_id, user_id, source_slug, platform, followers,
                                         tier, niche, status, approved_at, status_at,
                                         created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            ids = [r["id"] for r in await tx.fetch_all("SELECT id FROM creators ORDER BY id")]
            await tx.execute_many(
                """INSERT INTO conversions (guild_id, source, order_id, kind, status, net_minor,
                       creator_id, attribution, attribution_reason, occurred_at, created_at)
                   VALUES (?, 'csv', ?, 'sale', 'active', 50000, ?, 'code', 'bench', ?, ?)""",
                [(cast.guild.id, f"o{cid}", cid, now - 86_400, now) for cid in ids],
            )
            # Their first sales were celebrated long ago (no first-sale DMs during the bench).
            prefix = key_prefix(NoticeKind.FIRST_SALE)
            await tx.execute_many(
                """INSERT INTO notifications (guild_id, user_id, kind, dedupe_key, status,
                                              created_at, sent_at)
                   VALUES (?, ?, ?, ?, 'sent', ?, ?)""",
                [
                    (cast.guild.id, u.id, NoticeKind.FIRST_SALE.value, f"{prefix}{cid}", now, now)
                    for cid, u in zip(ids, self.creator_users, strict=True)
                ],
            )
            # Only a tenth sold enough: the others' orders are refunded to nothing.
            await tx.execute(
                "UPDATE conversions SET net_minor = 0 WHERE creator_id NOT IN "
                f"(SELECT id FROM creators ORDER BY id LIMIT {int(self.size.promoted)})"
            )
        with bar(self.size.applications, "applications") as progress:
            for n, user in enumerate(self.applicant_users):
                await svc.onboarding.apply(
                    cast.guild.id,
                    user.id,
                    platform="instagram",
                    handle=f"applicant{n}",
                    followers=8_200,
                    niche=NICHE if n < self.size.approve else "street food",
                    engagement_rate="3",
                )
                progress.update()

    # --- (a) and (c) ----------------------------------------------------------------------

    async def bench_approval(self) -> None:
        emu, svc, cast = self.world.emu, self.world.services, self.world.cast
        assert cast is not None
        manager = cast.manager.id
        it = await emu.invoke(manager, "applications", {"niche": "vegan"}, guild_id=cast.guild.id)
        await it.wait_response()
        n = self.size.approve
        ask = await emu.click(it.message, label=f"Approve all matching ({n})", user_id=manager)
        await ask.wait_response()
        requests_before, counted_before = len(emu.requests), emu.global_requests
        limited_before = Counter(emu.rate_limited)
        started = time.perf_counter()
        go = await emu.click(it.message, label=f"Yes, approve {n}", user_id=manager)
        await go.wait_response()
        job_id = int(await svc.db.fetch_val("SELECT max(id) FROM jobs"))

        acks: list[float] = []
        stop = asyncio.Event()

        async def cheap_commands() -> None:
            while not stop.is_set():
                asked = time.perf_counter()
                probe = await emu.invoke(manager, "applications", guild_id=cast.guild.id)
                await probe.wait_response()
                acks.append(time.perf_counter() - asked)
                try:
                    await asyncio.wait_for(stop.wait(), 0.5)
                except TimeoutError:
                    pass

        prober = asyncio.create_task(cheap_commands())
        with bar(n, "approving") as progress:
            while not (job := await svc.jobs.get(job_id)).finished:
                progress.n = job.processed
                progress.refresh()
                await asyncio.sleep(0.25)
            progress.n = job.processed
        elapsed = time.perf_counter() - started
        stop.set()
        await prober

        made = emu.requests[requests_before:]
        counted = emu.global_requests - counted_before
        limited = Counter(emu.rate_limited)
        limited.subtract(limited_before)
        approved_users = self.applicant_users[:n]
        dms = [len(emu.dms(u.id)) for u in approved_users]
        duplicates = sum(max(0, d - 1) for d in dms)
        missing = sum(1 for d in dms if d == 0)
        approved = await svc.db.fetch_val(
            "SELECT count(*) FROM applications WHERE status = 'approved'"
        )
        allowed, limits = allowed_by_limits(emu, made, counted)
        print(
            f"(a) approve {n} of {self.size.applications} waiting: {elapsed:.1f} s, "
            f"{sum(dms)} welcome DMs ({sum(dms) / elapsed:.1f}/s), "
            f"{counted / elapsed:.1f} requests/s, 429s: {dict(+limited) or 'none'}"
        )
        print(limits)
        print(
            f"(c) /applications every 0.5 s during (a): {len(acks)} acknowledged, "
            f"median {statistics.median(acks) * 1000:.0f} ms, max {max(acks) * 1000:.0f} ms"
        )
        self.check(approved == n, f"all {n} approved ({approved})")
        self.check(
            elapsed <= allowed * SLACK,
            f"approval within {SLACK:g} × the time the limits allow "
            f"({elapsed:.1f} s ≤ {allowed * SLACK:.1f} s)",
        )
        self.check(duplicates == 0, f"no duplicate welcome DMs ({duplicates})")
        self.check(missing == 0, f"no missing welcome DMs ({missing})")
        self.check(limited["global"] == 0, f"no global 429s ({limited['global']})")
        self.check(
            max(acks) <= ACK_BAR_SECONDS,
            f"every acknowledgement within {ACK_BAR_SECONDS:g} s ({max(acks):.2f} s)",
        )

    # --- (b) ------------------------------------------------------------------------------

    async def bench_levels(self) -> None:
        emu, svc, cast = self.world.emu, self.world.services, self.world.cast
        assert cast is not None and self.world.runtime is not None
        await svc.levels.create(
            cast.guild.id,
            cast.manager.id,
            name="Gold",
            basis="revenue30",
            threshold="100",
            rate="15",
            role_id=self.level_role.id,
        )
        requests_before, counted_before = len(emu.requests), emu.global_requests
        limited_before = Counter(emu.rate_limited)
        started = time.perf_counter()
        changes = await svc.levels.sweep()
        swept = time.perf_counter() - started
        cog: Any = self.world.runtime.bot.get_cog("LevelsCog")
        synced = 0
        with bar(len(changes), "level roles and DMs") as progress:
            while done := await cog.sync_levels():
                synced += done
                progress.update(done)
        elapsed = time.perf_counter() - started
        counted = emu.global_requests - counted_before
        limited = Counter(emu.rate_limited)
        limited.subtract(limited_before)
        promoted = self.creator_users[: self.size.promoted]
        with_role = sum(
            1 for u in promoted if self.level_role.id in emu.member_roles(cast.guild.id, u.id)
        )
        dms = [len(emu.dms(u.id)) for u in promoted]
        allowed, limits = allowed_by_limits(emu, emu.requests[requests_before:], counted)
        print(
            f"(b) level sweep over {self.size.creators} creators: {len(changes)} promotions "
            f"found in {swept:.2f} s, roles and DMs synced in {elapsed:.1f} s "
            f"({synced / elapsed:.1f}/s), {counted} requests, "
            f"429s: {dict(+limited) or 'none'}"
        )
        print(limits)
        self.check(len(changes) == self.size.promoted, f"{self.size.promoted} promoted")
        self.check(with_role == len(promoted), f"each promoted creator has the role ({with_role})")
        self.check(dms == [1] * len(promoted), f"one level DM each ({sum(dms)} DMs)")
        print(f"    sweep: {elapsed / allowed:.2f} × the time Discord's limits allow")
        self.check(limited["global"] == 0, f"no global 429s ({limited['global']})")

    # --- (d) ------------------------------------------------------------------------------

    async def bench_broadcast(self) -> None:
        emu, svc, cast = self.world.emu, self.world.services, self.world.cast
        assert cast is not None
        manager, n = cast.manager.id, self.size.broadcast
        await svc.segments.create(cast.guild.id, manager, "potters", niche="pottery")
        users = self.creator_users[:n]
        before = {u.id: len(emu.dms(u.id)) for u in users}
        opened = await emu.invoke(
            manager, "broadcast segment", {"segment": "potters"}, guild_id=cast.guild.id
        )
        await opened.wait_response()
        brief = {"title": "Spring drop", "text": "Post it this week!", "link": ""}
        submitted = await emu.submit_modal(opened, brief, user_id=manager)
        await submitted.wait_followups(1)
        asked = submitted.followups[0]
        requests_before, counted_before = len(emu.requests), emu.global_requests
        limited_before = Counter(emu.rate_limited)
        started = time.perf_counter()
        go = await emu.click(asked, label=f"Send to {n}", user_id=manager)
        await go.wait_response()
        job_id = int(await svc.db.fetch_val("SELECT max(id) FROM jobs"))
        with bar(n, "broadcast") as progress:
            while not (job := await svc.jobs.get(job_id)).finished:
                progress.n = job.processed
                progress.refresh()
                await asyncio.sleep(0.25)
            progress.n = job.processed
        elapsed = time.perf_counter() - started
        made = emu.requests[requests_before:]
        counted = emu.global_requests - counted_before
        limited = Counter(emu.rate_limited)
        limited.subtract(limited_before)
        got = [len(emu.dms(u.id)) - before[u.id] for u in users]
        duplicates = sum(max(0, d - 1) for d in got)
        missing = sum(1 for d in got if d == 0)
        allowed, limits = allowed_by_limits(emu, made, counted)
        print(
            f"(d) broadcast to {n} creators: {elapsed:.1f} s, {sum(got)} DMs "
            f"({sum(got) / elapsed:.1f}/s), {counted / elapsed:.1f} requests/s, "
            f"429s: {dict(+limited) or 'none'}"
        )
        print(limits)
        self.check(job.count("dm_sent") == n, f"all {n} sent ({job.count('dm_sent')})")
        self.check(duplicates == 0, f"no duplicate broadcast DMs ({duplicates})")
        self.check(missing == 0, f"no missing broadcast DMs ({missing})")
        self.check(limited["global"] == 0, f"no global 429s ({limited['global']})")
        print(f"    broadcast: {elapsed / allowed:.2f} × the time Discord's limits allow")

    def check(self, ok: bool, text: str) -> None:
        verdict(ok, text)
        self.failed |= not ok

    async def run(self) -> bool:
        started = time.perf_counter()
        await self.world.start(self.populate)
        try:
            await self.seed()
            print(
                f"seeded {self.size.creators} creators and {self.size.applications} "
                f"applications in {time.perf_counter() - started:.1f} s "
                f"(global limit {self.world.emu.global_rate_limit}/s, "
                f"DM channels {self.world.emu.dm_channel_rate_limit}/s)",
                flush=True,
            )
            await self.bench_approval()
            await self.bench_levels()
            await self.bench_broadcast()
        finally:
            await self.world.stop()
        return not self.failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="500 creators, approve 50")
    args = parser.parse_args()
    size = SHORT if args.short else FULL
    ok = asyncio.run(Bench(size, Path(tempfile.mkdtemp())).run())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
