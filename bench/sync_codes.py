"""Benchmark: `creatorbot sync-codes` catching up a program's creator codes in the shops.

    python bench/sync_codes.py            # 500 creators
    python bench/sync_codes.py --short    # 50 creators, the bucket left at 300 points
    python bench/sync_codes.py --shopify-only

N creators with codes are seeded straight into a temporary SQLite database (SQL inserts).
The local Shopify stand-in (emulators/shopify) is served on a loopback port with its
calculated-cost throttle on at Shopify's numbers (the stand-in's defaults: a bucket of 1000
points restored at 50 points/s, a mutation costs 10), on the wall clock. The real
CodeSyncService.catch_up (what `sync-codes` runs) creates the codes through the real
ShopifyAdmin client, in-process, as the services of `open_services` build them. With
--short, 50 creates would fit in a full bucket: the bucket starts drained to 300 points
(another client of the app spent the rest), so the short run is throttled too. Half-way
through either run another client of the app spends what is left in the bucket: the
client's last reading of the bucket is then stale, so Shopify answers THROTTLED (not run)
and the create is sent again; those answers are counted apart from the creates.

Shopify: the time, creates per second, the GraphQL operations run (store.calls) and the
answers refused by the throttle (store.throttled: they did not run, so they are not
creates). Bars (PASS/FAIL):
  * every creator's code exists exactly once in the store, and no other discount;
  * create calls == N (500 creators means 500 creates, not 500 × retries);
  * every shop_codes row is synced with the store's id;
  * a second catch_up makes 0 create calls (and calls nothing at all);
  * the time ≤ 1.2 × the least time the cost bucket allows for N mutations,
    max(0, (N × cost − available at the start + spent by the other client) / restoreRate),
    + a small constant: a ratio to what Shopify allows, not a fixed number (the full
    bucket, maximumAvailable, is available at the start of the full run).
The same run against the WooCommerce and Stripe stand-ins (no cost throttle there): the
time, the calls made, one create per creator, nothing created by a second run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.app import open_services
from bot.clock import SystemClock, to_epoch
from bot.config import load_settings
from bot.registry import Services
from bot.shops.codes import ShopKind
from emulators._base import LoopbackServer, ServedRequest
from emulators.shopify import ShopifyStore
from emulators.shopify import create_app as shopify_app
from emulators.stripe import StripeStore
from emulators.stripe import create_app as stripe_app
from emulators.woocommerce import WooStore
from emulators.woocommerce import create_app as woo_app

FULL, SHORT = 500, 50
SHORT_START = 300.0  # points left in the bucket at the start of the short run
GUILD = 4242
PERCENT = 15
SLACK = 1.2
CONSTANT = 3.0  # seconds: start-up, the database work of the first burst, the loopback
CREATE = "discountCodeBasicCreate"
SHOPIFY_TOKEN = "shpat_bench0123456789abcdef0123456789ab"
WOO_KEY = "ck_bench0123456789abcdef0123456789abcdef0123"
WOO_SECRET = "cs_bench0123456789abcdef0123456789abcdef01"
STRIPE_KEY = "rk_test_51Bench000000000000000000000000000"
COUPONS = "/wp-json/wc/v3/coupons"
PROMOS = "/v1/promotion_codes"


def verdict(ok: bool, text: str) -> str:
    line = f"{'PASS' if ok else 'FAIL'}  {text}"
    print(line, flush=True)
    return line


def code_of(n: int) -> str:
    return f"MAKER{n:04d}{PERCENT}"


def allowed_by_bucket(n: int, store: ShopifyStore, available: float) -> float:
    """The least time Shopify's cost bucket allows for ``n`` mutations: the ``available``
    points are there at once, the rest come at ``restoreRate``."""
    return max(0.0, (n * store.mutation_cost - available) / store.restore_rate)


class Bench:
    def __init__(self, n: int, folder: Path, *, others: bool, start: float | None) -> None:
        self.n = n
        self.start = start
        self.folder = folder
        self.others = others
        self.failed = False
        clock = SystemClock()  # a bench: the stand-ins' throttle runs on the wall clock
        self.shopify = ShopifyStore(clock, token=SHOPIFY_TOKEN)
        self.woo = WooStore(clock)
        self.woo.add_key(WOO_KEY, WOO_SECRET, permissions="read_write")
        self.stripe = StripeStore(clock)
        self.stripe.add_key(STRIPE_KEY)

    def check(self, ok: bool, text: str) -> None:
        verdict(ok, text)
        self.failed |= not ok

    async def seed(self, services: Services) -> None:
        """N active creators, each with one code, in one transaction."""
        now = to_epoch(services.clock.now())
        rows = [
            (GUILD, 10_000 + n, f"maker{n}", f"maker{n}", "instagram", 8_200, "nano", now)
            for n in range(self.n)
        ]
        async with services.db.transaction() as tx:
            await tx.execute_many(
                """INSERT INTO creators (guild_id, user_id, handle, source_slug, platform,
                                         followers, tier, status, approved_at, status_at,
                                         created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?8, ?8, ?8)""",
                rows,
            )
            ids = [r["id"] for r in await tx.fetch_all("SELECT id FROM creators ORDER BY id")]
            await tx.execute_many(
                """INSERT INTO discount_codes (guild_id, creator_id, code, discount_percent,
                                               created_at)
                   VALUES (?, ?, ?, ?, ?)""",
                [(GUILD, cid, code_of(n), PERCENT, now) for n, cid in enumerate(ids)],
            )

    async def catch_up(
        self,
        services: Services,
        kind: ShopKind,
        desc: str,
        half_way: Callable[[], None] | None = None,
    ) -> tuple[Any, float]:
        started = time.perf_counter()
        with tqdm(
            total=self.n, desc=desc, unit="creator", file=sys.stderr, leave=False, mininterval=0.5
        ) as bar:

            def progress() -> None:
                bar.update()
                if half_way is not None and bar.n == self.n // 2:
                    half_way()

            totals = await services.code_sync.catch_up(GUILD, kind, progress=progress)
        return totals, time.perf_counter() - started

    async def synced_rows(self, services: Services, kind: ShopKind) -> int:
        return int(
            await services.db.fetch_val(
                "SELECT count(*) FROM shop_codes WHERE shop = ? AND state = 'synced'"
                " AND shop_id IS NOT NULL",
                kind.value,
            )
        )

    def once_each(self, held: list[str]) -> tuple[int, int, int]:
        """(codes held exactly once, codes held more than once, codes missing) of the N."""
        count = Counter(code.casefold() for code in held)
        wanted = [code_of(n).casefold() for n in range(self.n)]
        return (
            sum(1 for c in wanted if count[c] == 1),
            sum(1 for c in wanted if count[c] > 1),
            sum(1 for c in wanted if count[c] == 0),
        )

    # --- Shopify --------------------------------------------------------------------------

    async def bench_shopify(self, services: Services) -> None:
        store, n = self.shopify, self.n
        if self.start is not None:
            store.bucket.drain(self.start)
        available = store.bucket.available()
        spent: list[float] = []

        def another_client() -> None:
            # Another client of the app spends what is left: the client's idea of the
            # bucket is stale, its next create is THROTTLED (not run) and is sent again.
            spent.append(store.bucket.available())
            store.bucket.drain(0)

        totals, elapsed = await self.catch_up(
            services, ShopKind.SHOPIFY, "shopify", half_way=another_client
        )
        creates, calls = store.calls[CREATE], sum(store.calls.values())
        throttled = sum(store.throttled.values())
        allowed = allowed_by_bucket(n, store, available - sum(spent))
        bar = allowed * SLACK + CONSTANT
        print(
            f"shopify: {n} creators in {elapsed:.1f} s ({creates / elapsed:.1f} creates/s); "
            f"GraphQL operations run: {dict(store.calls)} ({calls}), "
            f"throttled answers (not run): {throttled}; "
            f"outcomes: {dict(totals)}"
        )
        print(
            f"    allowed by the cost bucket: max(0, ({n} × {store.mutation_cost} − "
            f"{available:.0f} available at the start + {sum(spent):.0f} spent by another "
            f"client half-way) / {store.restore_rate:g}/s) = "
            f"{allowed:.1f} s; bar {SLACK:g} × {allowed:.1f} + {CONSTANT:g} = {bar:.1f} s"
            + (f"; {elapsed / allowed:.2f} × what Shopify allows" if allowed else "")
        )
        once, doubled, missing = self.once_each([d.code for d in store.discounts.values()])
        self.check(
            once == n and len(store.discounts) == n,
            f"shopify: every code exists exactly once ({once} once, {doubled} doubled, "
            f"{missing} missing, {len(store.discounts)} discounts)",
        )
        self.check(creates == n, f"shopify: create calls == {n} ({creates})")
        self.check(totals["created"] == n, f"shopify: {n} reported created ({totals['created']})")
        synced = await self.synced_rows(services, ShopKind.SHOPIFY)
        self.check(synced == n, f"shopify: {n} shop_codes rows synced ({synced})")
        before = Counter(store.calls)
        again, _ = await self.catch_up(services, ShopKind.SHOPIFY, "shopify again")
        made = Counter(store.calls)
        made.subtract(before)
        self.check(
            made[CREATE] == 0 and again["already_there"] == n,
            f"shopify: a second catch_up makes 0 create calls ({made[CREATE]}; "
            f"{sum(made.values())} calls in all, {again['already_there']} already there)",
        )
        self.check(
            elapsed <= bar,
            f"shopify: within {SLACK:g} × the bucket's least time + {CONSTANT:g} s "
            f"({elapsed:.1f} s ≤ {bar:.1f} s)",
        )

    # --- WooCommerce and Stripe -----------------------------------------------------------

    async def bench_plain(
        self,
        services: Services,
        kind: ShopKind,
        served: Callable[[], list[ServedRequest]],
        create_path: str,
        held: Callable[[], list[str]],
    ) -> None:
        n, name = self.n, kind.value

        def creates() -> int:
            return sum(1 for r in served() if r.method == "POST" and r.path == create_path)

        def calls() -> int:
            return len(served())

        totals, elapsed = await self.catch_up(services, kind, name)
        made, all_calls = creates(), calls()
        others = Counter(
            f"{r.method} {r.path} {r.status}"
            for r in served()
            if not (r.method == "POST" and r.path == create_path)
        )
        print(
            f"{name}: {n} creators in {elapsed:.1f} s ({made / elapsed:.1f} creates/s); "
            f"{all_calls} requests: {made} creates (POST {create_path}), others "
            f"{dict(others) or 0}; outcomes: {dict(totals)}"
        )
        once, doubled, missing = self.once_each(held())
        self.check(
            once == n,
            f"{name}: every code exists exactly once ({once} once, {doubled} doubled, "
            f"{missing} missing)",
        )
        self.check(made == n, f"{name}: create calls == {n} ({made})")
        synced = await self.synced_rows(services, kind)
        self.check(synced == n, f"{name}: {n} shop_codes rows synced ({synced})")
        before = creates(), calls()
        again, _ = await self.catch_up(services, kind, f"{name} again")
        self.check(
            creates() == before[0] and again["already_there"] == n,
            f"{name}: a second catch_up makes 0 create calls ({creates() - before[0]}; "
            f"{calls() - before[1]} requests in all)",
        )

    async def run(self) -> bool:
        async with (
            LoopbackServer(shopify_app(self.shopify)) as shopify,
            LoopbackServer(woo_app(self.woo)) as woo,
            LoopbackServer(stripe_app(self.stripe)) as stripe,
        ):
            config = load_settings(
                CREATORBOT_DATABASE_URL=f"sqlite:///{self.folder / 'sync.db'}",
                CREATORBOT_SHOPIFY_STORE=shopify.base_url,
                CREATORBOT_SHOPIFY_ADMIN_TOKEN=SHOPIFY_TOKEN,
                CREATORBOT_WOOCOMMERCE_URL=woo.base_url,
                CREATORBOT_WOOCOMMERCE_CONSUMER_KEY=WOO_KEY,
                CREATORBOT_WOOCOMMERCE_CONSUMER_SECRET=WOO_SECRET,
                CREATORBOT_STRIPE_API_KEY=STRIPE_KEY,
                CREATORBOT_STRIPE_API_BASE=stripe.base_url,
            )
            services = await open_services(config)
            try:
                started = time.perf_counter()
                await self.seed(services)
                print(
                    f"seeded {self.n} creators with codes in {time.perf_counter() - started:.2f} s"
                    f"; Shopify's cost bucket: {self.shopify.maximum_available:g} points, "
                    f"restored {self.shopify.restore_rate:g}/s, a mutation costs "
                    f"{self.shopify.mutation_cost}",
                    flush=True,
                )
                await self.bench_shopify(services)
                if self.others:
                    await self.bench_plain(
                        services,
                        ShopKind.WOOCOMMERCE,
                        lambda: self.woo.requests,
                        COUPONS,
                        lambda: [c["code"] for c in self.woo.coupons.values()],
                    )
                    await self.bench_plain(
                        services,
                        ShopKind.STRIPE,
                        lambda: self.stripe.requests,
                        PROMOS,
                        lambda: [p["code"] for p in self.stripe.promotion_codes.values()],
                    )
            finally:
                await services.code_sync.close()
                await services.db.close()
        return not self.failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help=f"{SHORT} creators, not {FULL}")
    parser.add_argument("--shopify-only", action="store_true", help="skip WooCommerce and Stripe")
    args = parser.parse_args()
    n = SHORT if args.short else FULL
    start = SHORT_START if args.short else None
    bench = Bench(n, Path(tempfile.mkdtemp()), others=not args.shopify_only, start=start)
    return 0 if asyncio.run(bench.run()) else 1


if __name__ == "__main__":
    sys.exit(main())
