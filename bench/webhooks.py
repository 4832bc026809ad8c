"""Benchmark: signed Shopify order webhooks into conversions and commissions.

    python bench/webhooks.py [--orders 4000] [--senders 20] [--repeat 0.1] [--creators 200]

Seeds a temporary SQLite database through the real services (a configured server, approved
creators each with a link and a discount code, one counted click per click-attributed order),
then starts the real tracker — ``create_app`` around the real services, no access log — in a
subprocess on loopback (pinned to CPU core 0 when there are two or more cores; the senders
run on core 1).

``--senders`` concurrent senders post signed ``orders/create`` webhooks: realistic order
bodies (the Shopify fixture of the tests, with a fresh 64-bit id, subtotal, landing URL and
discount code each), half attributed by discount code and half by the click id in the landing
URL, plus ``--repeat`` (10 %) repeated deliveries of an order id already sent. It prints the
accepted conversions per second (answers ``recorded`` over the sending time) and p50/p99
latency over all deliveries.

Afterwards it reads the database and prints PASS/FAIL lines: every answer was 200; exactly one
conversion per distinct order id (zero duplicates, zero lost); each conversion attributed to
the creator whose code or click it carried; every commission equal to the default plan's
arithmetic — ``commission_rate`` of net, rounded half-up to the minor unit — computed here
independently with ``Decimal``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "shpss_bench_6b1f0e2d9c8a7b6c"
GUILD, MANAGER = 1, 900
SERVER_CORE, SENDER_CORE = 0, 1
TEMPLATE = ROOT / "tests" / "web" / "payloads" / "shopify_order.json"
TARGET_RATE = 300.0


def _pin(core: int) -> bool:
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) <= core:
        return False
    os.sched_setaffinity(0, {core})
    return True


def _settings(db_path: Path):  # type: ignore[no-untyped-def]
    from bot.config import load_settings

    return load_settings(
        CREATORBOT_DATABASE_URL=f"sqlite:///{db_path}", CREATORBOT_SHOPIFY_SECRET=SECRET
    )


# -- seeding --------------------------------------------------------------------------------


@dataclass
class Program:
    rate_bp: int
    codes: dict[str, int]  # code → creator id
    clicks: list[tuple[str, int]] = field(default_factory=list)  # (click id, creator id)


async def _seed(db_path: Path, creators: int, clicks: int) -> Program:
    from bot.app import open_services

    services = await open_services(_settings(db_path))
    try:
        await services.settings.update(
            GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
        )
        codes: dict[str, int] = {}
        links: list[tuple[int, int, int]] = []  # (creator, link, campaign)
        for n in range(creators):
            applied = await services.onboarding.apply(
                GUILD,
                10_000 + n,
                platform="instagram",
                handle=f"creator{n}",
                followers=4000 + n,
                niche="fashion",
            )
            approval = await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
            codes[approval.code.code] = approval.creator.id
            link = approval.links[0]
            links.append((approval.creator.id, link.id, link.campaign_id))
        settings = await services.settings.get(GUILD)
        rate_bp = settings.commission_rate_bp
    finally:
        await services.db.close()

    # One counted click per click-attributed order, an hour ago, each from its own visitor
    # (so no order trips the per-visitor velocity hold).
    rng = random.Random(11)
    clicked_at = int(time.time()) - 3600
    rows = []
    program = Program(rate_bp, codes)
    for _ in range(clicks):
        creator_id, link_id, campaign_id = rng.choice(links)
        click_id = secrets.token_urlsafe(12)
        program.clicks.append((click_id, creator_id))
        rows.append((link_id, creator_id, campaign_id, click_id, secrets.token_hex(16), clicked_at))
    conn = sqlite3.connect(db_path)
    with conn:
        conn.executemany(
            "INSERT INTO clicks (guild_id, link_id, creator_id, campaign_id, click_id,"
            " visitor_hash, is_unique, clicked_at) VALUES (1, ?, ?, ?, ?, ?, 1, ?)",
            rows,
        )
    conn.close()
    return program


# -- orders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Order:
    order_id: str
    net_minor: int
    creator_id: int
    method: str  # "code" or "click"
    body: bytes
    signature: str


def _orders(program: Program, count: int, seed: int = 5) -> list[Order]:
    """``count`` distinct orders: alternately code- and click-attributed."""
    from bot.web.signatures import sign_base64

    rng = random.Random(seed)
    template = json.loads(TEMPLATE.read_text())
    codes = sorted(program.codes)
    created_at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 60))
    ids: set[int] = set()
    orders = []
    for n in range(count):
        order_id = rng.randrange(5_000_000_000_000_000_000, 9_000_000_000_000_000_000)
        while order_id in ids:
            order_id = rng.randrange(5_000_000_000_000_000_000, 9_000_000_000_000_000_000)
        ids.add(order_id)
        net = rng.randrange(1000, 30_000)  # 10.00 … 299.99, odd cents exercise rounding
        amount = f"{net // 100}.{net % 100:02d}"
        money = {"amount": amount, "currency_code": "EUR"}
        body = dict(template)
        body.update(
            id=order_id,
            name=f"#{10_000 + n}",
            order_number=10_000 + n,
            created_at=created_at,
            processed_at=created_at,
            presentment_currency="EUR",
            subtotal_price=amount,
            subtotal_price_set={"shop_money": money, "presentment_money": money},
            current_subtotal_price=amount,
            current_subtotal_price_set={"shop_money": money, "presentment_money": money},
            email=f"customer{n}@example.org",
            contact_email=f"customer{n}@example.org",
            customer={**template["customer"], "email": f"customer{n}@example.org"},
        )
        if n % 2 == 0:
            code = codes[rng.randrange(len(codes))]
            creator_id, method = program.codes[code], "code"
            body["discount_codes"] = [{"code": code, "amount": "0.00", "type": "percentage"}]
            body["landing_site"] = "/products/linen-shirt?utm_source=newsletter"
        else:
            click_id, creator_id = program.clicks[n // 2]
            method = "click"
            body["discount_codes"] = []
            body["landing_site"] = (
                f"/products/linen-shirt?utm_medium=affiliate&utm_campaign=shop&cb_click={click_id}"
            )
        raw = json.dumps(body).encode()
        orders.append(Order(str(order_id), net, creator_id, method, raw, sign_base64(raw, SECRET)))
    return orders


# -- server (subprocess) --------------------------------------------------------------------


async def _serve(db_path: str) -> None:
    from aiohttp import web

    from bot.app import open_services
    from bot.web.app import create_app

    services = await open_services(_settings(Path(db_path)))
    runner = web.AppRunner(create_app(services), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"READY {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    await services.db.close()
    print("STOPPED", flush=True)


def _start_server(db_path: Path, pin: bool) -> tuple[subprocess.Popen[str], int]:
    command = [sys.executable, __file__, "--serve", "--db", str(db_path)]
    process = subprocess.Popen(
        command if pin else [*command, "--no-pin"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return process, int(line.split()[1])


# -- senders --------------------------------------------------------------------------------


@dataclass
class Sent:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    results: Counter[str] = field(default_factory=Counter)
    errors: int = 0


async def _send(port: int, deliveries: list[Order], senders: int) -> Sent:
    import aiohttp

    sent = Sent()
    queue: asyncio.Queue[Order] = asyncio.Queue()
    for order in deliveries:
        queue.put_nowait(order)
    url = f"http://127.0.0.1:{port}/webhooks/shopify"

    async def sender(session: aiohttp.ClientSession, n: int) -> None:
        perf = time.perf_counter
        while True:
            try:
                order = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Hmac-Sha256": order.signature,
                "X-Shopify-Shop-Domain": "brand.myshopify.com",
                "X-Shopify-Webhook-Id": f"{order.order_id}-{n}",
            }
            started = perf()
            try:
                async with session.post(url, data=order.body, headers=headers) as response:
                    answer = await response.json(content_type=None)
                    status = response.status
            except (aiohttp.ClientError, ValueError):
                sent.errors += 1
                continue
            sent.latencies.append(perf() - started)
            sent.statuses[status] += 1
            sent.results[str(answer.get("result") or answer.get("error"))] += 1

    connector = aiohttp.TCPConnector(limit=senders)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(sender(session, n) for n in range(senders)))
        sent.seconds = time.perf_counter() - started
    return sent


# -- verification ---------------------------------------------------------------------------


def _expected_commission(net_minor: int, rate_bp: int) -> int:
    value = Decimal(net_minor) * Decimal(rate_bp) / Decimal(10_000)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _verify(db_path: Path, program: Program, orders: list[Order], sent: Sent, repeats: int) -> bool:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        """
        SELECT v.order_id, v.net_minor, v.creator_id, v.attribution, v.status,
               c.amount_minor, c.state, c.hold_reason
        FROM conversions v LEFT JOIN commissions c ON c.conversion_id = v.id
        WHERE v.source = 'shopify'
        """
    ).fetchall()
    per_order = Counter(row["order_id"] for row in rows)
    conn.close()
    by_id = {order.order_id: order for order in orders}
    stored = {row["order_id"]: row for row in rows}

    checks: list[tuple[bool, str]] = []
    total = len(orders) + repeats
    checks.append(
        (
            sent.statuses.get(200, 0) == total and not sent.errors,
            f"every delivery answered 200 ({dict(sent.statuses)}, {sent.errors} errors)",
        )
    )
    checks.append(
        (
            sent.results["recorded"] == len(orders) and sent.results["duplicate"] == repeats,
            f"answers: {sent.results['recorded']} recorded for {len(orders)} orders, "
            f"{sent.results['duplicate']} duplicate for {repeats} repeats",
        )
    )
    duplicates = sum(n - 1 for n in per_order.values() if n > 1)
    checks.append((duplicates == 0, f"zero duplicate conversions ({duplicates})"))
    lost = [order_id for order_id in by_id if order_id not in stored]
    checks.append((not lost, f"zero lost orders ({len(lost)} of {len(orders)} missing)"))
    unknown = [order_id for order_id in stored if order_id not in by_id]
    checks.append((not unknown, f"no conversions for orders never sent ({len(unknown)})"))

    wrong_creator = wrong_method = wrong_net = wrong_commission = missing_commission = 0
    for order_id, order in by_id.items():
        row = stored.get(order_id)
        if row is None:
            continue
        wrong_creator += row["creator_id"] != order.creator_id
        wrong_method += row["attribution"] != order.method
        wrong_net += row["net_minor"] != order.net_minor
        if row["amount_minor"] is None:
            missing_commission += 1
        elif row["amount_minor"] != _expected_commission(order.net_minor, program.rate_bp):
            wrong_commission += 1
    checks.append((wrong_net == 0, f"net revenue as sent on every conversion ({wrong_net} off)"))
    checks.append(
        (
            wrong_creator == 0 and wrong_method == 0,
            f"attributed to the code's or click's creator ({wrong_creator} wrong creator, "
            f"{wrong_method} wrong method)",
        )
    )
    checks.append(
        (missing_commission == 0, f"one commission per conversion ({missing_commission} missing)")
    )
    checks.append(
        (
            wrong_commission == 0,
            f"every commission = {program.rate_bp / 100:g} % of net, half-up "
            f"({wrong_commission} off)",
        )
    )
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return all(ok for ok, _ in checks)


# -- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=4000, help="distinct orders to send")
    parser.add_argument("--senders", type=int, default=20, help="concurrent senders")
    parser.add_argument("--repeat", type=float, default=0.1, help="share of repeated deliveries")
    parser.add_argument("--creators", type=int, default=200, help="creators to seed")
    parser.add_argument(
        "--no-pin", action="store_true", help="let the OS place the server and the senders"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        if not args.no_pin:
            _pin(SERVER_CORE)
        asyncio.run(_serve(args.db))
        return 0

    with tempfile.TemporaryDirectory(prefix="creatorbot-bench-") as tmp:
        db_path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        program = asyncio.run(_seed(db_path, args.creators, (args.orders + 1) // 2))
        orders = _orders(program, args.orders)
        rng = random.Random(9)
        repeats = round(args.orders * args.repeat)
        deliveries = list(orders) + [rng.choice(orders) for _ in range(repeats)]
        rng.shuffle(deliveries)
        print(
            f"seeded {args.creators} creators, {len(program.clicks)} clicks in "
            f"{time.perf_counter() - started:.1f}s; sending {len(deliveries)} deliveries "
            f"({args.orders} orders + {repeats} repeats) with {args.senders} senders"
        )
        process, port = _start_server(db_path, not args.no_pin)
        pinned = not args.no_pin and _pin(SENDER_CORE)
        try:
            sent = asyncio.run(_send(port, deliveries, args.senders))
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=60)
        rate = sent.results["recorded"] / sent.seconds if sent.seconds else 0.0
        cut = statistics.quantiles(sent.latencies, n=100, method="inclusive")
        print(
            f"{sent.results['recorded']} conversions accepted in {sent.seconds:.2f}s: "
            f"{rate:.0f} conversions/s; {len(sent.latencies) / sent.seconds:.0f} deliveries/s; "
            f"latency p50 {cut[49] * 1000:.1f} ms, p99 {cut[98] * 1000:.1f} ms "
            f"(server and senders {'on separate cores' if pinned else 'sharing cores'})"
        )
        ok = _verify(db_path, program, orders, sent, repeats)
        bar = rate >= TARGET_RATE
        print(f"{'PASS' if bar else 'FAIL'}  ≥ {TARGET_RATE:.0f} conversions/s ({rate:.0f})")
        return 0 if ok and bar else 1


if __name__ == "__main__":
    raise SystemExit(main())
