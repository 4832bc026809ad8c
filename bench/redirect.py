"""Benchmark: the tracking redirect against a bare aiohttp 302.

    python bench/redirect.py [--seconds 5] [--connections 50] [--rounds 2]
                             [--generator auto|wrk|aiohttp]

Seeds a temporary database with 10 000 creators and 20 000 links, then starts two servers,
each in its own subprocess pinned to CPU core 0:

* ``tracked``: the real tracker, ``create_app`` around the real services (SQLite, click
  writer, metrics), without an access log as in production;
* ``bare``: an aiohttp app whose handler only returns a fixed 302.

The load generator runs pinned to core 1: ``wrk`` when installed (with a Lua script), else a
pool of aiohttp client connections. Rounds alternate bare, tracked, bare, tracked (after a
short unmeasured warm-up of each). Requests spread over all slugs with browser user agents and
varied ``X-Forwarded-For`` addresses (the servers see a loopback peer, so the tracker trusts
the header), so they count as clicks.

At the end the tracked server is stopped gracefully (SIGTERM → app cleanup → the click writer
flushes) and the number of click rows is compared with the number of 302 answers carrying a
``cb_click`` that the generator received.

Reading the numbers: the aiohttp-client generator saturates its own core at ~3 000 req/s,
below what either server can do, so its ratio says little; install wrk for real figures. Every
round runs the servers at saturation, so latency follows Little's law (50 connections at
6 000 req/s is ~8 ms in the queue); p99 reflects queueing plus scheduling hiccups of a shared
core, not the handler alone. On Linux each round also reports the server's CPU time per
request (from /proc, all threads, the click writer's included): on a shared virtual machine
req/s of one round can swing by a third, while CPU per request moves much less, so the
median CPU ratio is the steadier figure for comparing changes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CREATORS = 10_000
LINKS_PER_CREATOR = 2
SERVER_CORE = 0
GENERATOR_CORE = 1
DESTINATION = "https://shop.example/products/item?ref=bench#reviews"
SLUG_ALPHABET = "34679acdefghjkmnpqrtuvwxy"
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 Instagram 330.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
]


def _pin(core: int) -> bool:
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) <= core:
        return False
    os.sched_setaffinity(0, {core})
    return True


# -- seeding --------------------------------------------------------------------------------


def seed(db_path: Path) -> list[str]:
    """Migrate a fresh database and insert the server's settings (the shop's domain allowed),
    the creators, two campaigns and the links."""
    from bot.app import open_services
    from bot.config import load_settings

    async def migrate() -> None:
        services = await open_services(
            load_settings(CREATORBOT_DATABASE_URL=f"sqlite:///{db_path}")
        )
        await services.db.close()

    asyncio.run(migrate())
    rng = random.Random(4)
    slugs: set[str] = set()
    while len(slugs) < CREATORS * LINKS_PER_CREATOR:
        slugs.add("".join(rng.choices(SLUG_ALPHABET, k=7)))
    ordered = sorted(slugs)
    rng.shuffle(ordered)
    now = int(time.time())
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO guild_settings (guild_id, allowed_domains, created_at, updated_at)"
            " VALUES (1, 'shop.example', ?, ?)",
            (now, now),
        )
        conn.executemany(
            "INSERT INTO campaigns (id, guild_id, name, slug, destination_url, is_default,"
            " created_at) VALUES (?, 1, ?, ?, ?, ?, ?)",
            [
                (1, "Shop", "shop", DESTINATION, 1, now),
                (2, "Summer", "summer", DESTINATION, 0, now),
            ],
        )
        conn.executemany(
            "INSERT INTO creators (id, guild_id, user_id, handle, source_slug, platform,"
            " followers, tier, status, approved_at, status_at, created_at)"
            " VALUES (?, 1, ?, ?, ?, 'instagram', 5000, 'nano', 'active', ?, ?, ?)",
            [
                (i, 10_000_000 + i, f"creator{i}", f"creator-{i}", now, now, now)
                for i in range(1, CREATORS + 1)
            ],
        )
        conn.executemany(
            "INSERT INTO links (guild_id, creator_id, campaign_id, slug, created_at)"
            " VALUES (1, ?, ?, ?, ?)",
            [
                (i // LINKS_PER_CREATOR + 1, i % LINKS_PER_CREATOR + 1, slug, now)
                for i, slug in enumerate(ordered)
            ],
        )
    conn.close()
    return ordered


# -- servers (subprocesses) -----------------------------------------------------------------


async def _serve(kind: str, db_path: str) -> None:
    from aiohttp import web

    services = None
    if kind == "tracked":
        from bot.app import open_services
        from bot.config import load_settings
        from bot.web.app import create_app

        services = await open_services(
            load_settings(CREATORBOT_DATABASE_URL=f"sqlite:///{db_path}")
        )
        app = create_app(services)
    else:
        location = {"Location": DESTINATION}

        async def bare(_request: web.Request) -> web.Response:
            return web.Response(status=302, headers=location)

        app = web.Application()
        app.router.add_get("/r/{slug}", bare)

    runner = web.AppRunner(app, access_log=None)
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
    await runner.cleanup()  # the tracker's cleanup_ctx flushes the click queue
    if services is not None:
        rows = await services.db.fetch_val("SELECT count(*) FROM clicks")
        print(f"STOPPED rows={rows} written={services.tracking.writer.written}", flush=True)
        await services.db.close()


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[str]
    port: int

    @classmethod
    def start(cls, kind: str, db_path: Path) -> Server:
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, "--db", str(db_path)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("READY "):
            process.kill()
            raise SystemExit(f"{kind} server did not start: {line!r}")
        return cls(kind, process, int(line.split()[1]))

    def cpu_seconds(self) -> float | None:
        """The server process's CPU time so far (all threads), from /proc; None elsewhere."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=60)
        return out.strip()


# -- load generators ------------------------------------------------------------------------


@dataclass
class Result:
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    counted: int = 0  # 302 with cb_click
    redirects: int = 0
    errors: int = 0
    cpu_us: float | None = None  # server CPU time per request
    latencies: list[float] = field(default_factory=list, repr=False)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _visitor_ip(rng: random.Random) -> str:
    # ~9 000 distinct visitors: repeats exercise the de-dup windows.
    return f"81.{rng.randint(0, 20)}.{rng.randint(0, 20)}.{rng.randint(1, 20)}"


async def _aiohttp_load(port: int, slugs: list[str], seconds: float, connections: int) -> Result:
    import aiohttp

    result = Result()
    rng = random.Random(7)
    base = f"http://127.0.0.1:{port}/r/"
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        perf = time.perf_counter
        while perf() < deadline:
            headers = {
                "User-Agent": rng.choice(USER_AGENTS),
                "X-Forwarded-For": _visitor_ip(rng),
            }
            started = perf()
            try:
                async with session.get(
                    base + rng.choice(slugs), headers=headers, allow_redirects=False
                ) as response:
                    await response.read()
                    status = response.status
                    location = response.headers.get("Location", "")
            except aiohttp.ClientError:
                result.errors += 1
                continue
            result.latencies.append(perf() - started)
            if status == 302:
                result.redirects += 1
                result.counted += "cb_click=" in location
            else:
                result.errors += 1

    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    async with aiohttp.ClientSession(connector=connector, skip_auto_headers=["User-Agent"]) as s:
        started = time.perf_counter()
        # Every worker finishes its last request: nothing is in flight when we count.
        await asyncio.gather(*(worker(s) for _ in range(connections)))
        result.seconds = time.perf_counter() - started
    result.requests = len(result.latencies)
    if result.latencies:
        cut = statistics.quantiles(result.latencies, n=100, method="inclusive")
        result.p50_ms, result.p99_ms = cut[49] * 1000, cut[98] * 1000
    return result


_WRK_SCRIPT = """
local slugs = {%(slugs)s}
local agents = {%(agents)s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  counted = 0; redirects = 0; other = 0
  math.randomseed(%(seed)d)
end
function request()
  local ip = "81." .. math.random(0, 20) .. "." .. math.random(0, 20) .. "." .. math.random(1, 20)
  return wrk.format("GET", "/r/" .. slugs[math.random(#slugs)],
    {["User-Agent"] = agents[math.random(#agents)], ["X-Forwarded-For"] = ip})
end
function response(status, headers, body)
  if status == 302 then
    redirects = redirects + 1
    local location = headers["Location"]
    if location and string.find(location, "cb_click=", 1, true) then counted = counted + 1 end
  else
    other = other + 1
  end
end
function done(summary, latency, requests)
  local c, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("counted"); r = r + t:get("redirects"); o = o + t:get("other")
  end
  io.write(string.format("COUNTS %%d %%d %%d\\n", c, r, o))
end
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _wrk_load(wrk: str, port: int, script: Path, seconds: float, connections: int) -> Result:
    out = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = Result(seconds=seconds)
    if match := re.search(r"(\d+) requests in ([\d.]+)(\w+)", out):
        result.requests = int(match.group(1))
        result.seconds = float(match.group(2)) * _UNITS[match.group(3)] / 1000
    for pct, attr in (("50", "p50_ms"), ("99", "p99_ms")):
        if match := re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE):
            setattr(result, attr, float(match.group(1)) * _UNITS[match.group(2)])
    if match := re.search(r"Socket errors: (.*)", out):
        result.errors += sum(int(n) for n in re.findall(r"\d+", match.group(1)))
    if match := re.search(r"COUNTS (\d+) (\d+) (\d+)", out):
        result.counted, result.redirects = int(match.group(1)), int(match.group(2))
        result.errors += int(match.group(3))
    return result


def _server_counted(port: int) -> tuple[int, int]:
    """The tracker's own (counted, dropped) click counters, from GET /metrics."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    values = {}
    for name in ("creatorbot_clicks_counted_total", "creatorbot_clicks_dropped_total"):
        match = re.search(rf"^{name} ([\d.e+]+)$", text, re.MULTILINE)
        values[name] = int(float(match.group(1))) if match else -1
    return values["creatorbot_clicks_counted_total"], values["creatorbot_clicks_dropped_total"]


# -- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="bare/tracked pairs (A B A B)")
    parser.add_argument("--generator", choices=("auto", "wrk", "aiohttp"), default="auto")
    parser.add_argument("--serve", choices=("tracked", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        _pin(SERVER_CORE)
        asyncio.run(_serve(args.serve, args.db))
        return

    pinned = _pin(GENERATOR_CORE)  # the servers re-pin themselves to SERVER_CORE
    wrk = shutil.which("wrk") if args.generator in ("auto", "wrk") else None
    if args.generator == "wrk" and wrk is None:
        raise SystemExit("wrk is not installed")
    generator = "wrk" if wrk else f"aiohttp client pool ({args.connections} connections)"
    print(
        f"cores: servers on {SERVER_CORE}, generator on {GENERATOR_CORE}"
        if pinned
        else "cores: not pinned (fewer than 2 CPUs or no sched_setaffinity)"
    )
    print(f"generator: {generator}; {args.seconds:g} s per round, {args.connections} connections")

    with tempfile.TemporaryDirectory(prefix="creatorbot-bench-") as tmp:
        db_path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        slugs = seed(db_path)
        print(
            f"seeded {CREATORS} creators and {len(slugs)} links "
            f"in {time.perf_counter() - started:.1f} s"
        )
        script = Path(tmp) / "load.lua"
        script.write_text(
            _WRK_SCRIPT
            % {
                "slugs": ",".join(f'"{s}"' for s in slugs),
                "agents": ",".join(f'"{a}"' for a in USER_AGENTS),
                "seed": 7,
            }
        )

        def load(port: int, seconds: float) -> Result:
            if wrk:
                return _wrk_load(wrk, port, script, seconds, args.connections)
            return asyncio.run(_aiohttp_load(port, slugs, seconds, args.connections))

        servers = {
            kind: Server.start(kind, db_path if kind == "tracked" else Path(tmp) / "x")
            for kind in ("bare", "tracked")
        }
        counted = 0
        results: dict[str, list[Result]] = {"bare": [], "tracked": []}
        try:
            for kind, server in servers.items():
                warm = load(server.port, args.warmup)
                if kind == "tracked":
                    counted += warm.counted
            for kind in ("bare", "tracked") * args.rounds:
                cpu_before = servers[kind].cpu_seconds()
                result = load(servers[kind].port, args.seconds)
                cpu_after = servers[kind].cpu_seconds()
                if cpu_before is not None and cpu_after is not None and result.requests:
                    result.cpu_us = (cpu_after - cpu_before) / result.requests * 1e6
                results[kind].append(result)
                if kind == "tracked":
                    counted += result.counted
                print(
                    f"  {kind:8s} {result.rps:9.0f} req/s   p50 {result.p50_ms:6.2f} ms   "
                    f"p99 {result.p99_ms:6.2f} ms   302s {result.redirects}   "
                    f"errors {result.errors}"
                    + (f"   cpu {result.cpu_us:5.1f} µs/req" if result.cpu_us else "")
                )
            time.sleep(1.0)  # the tracker publishes its redirect tallies every 0.5 s
            server_counted = _server_counted(servers["tracked"].port)
        finally:
            servers["bare"].stop()
            stopped = servers["tracked"].stop()

        rows = sqlite3.connect(db_path).execute("SELECT count(*) FROM clicks").fetchone()[0]

    def summary(kind: str) -> tuple[float, float, float]:
        rs = results[kind]
        return (
            sum(r.requests for r in rs) / sum(r.seconds for r in rs),
            statistics.median(r.p50_ms for r in rs),
            max(r.p99_ms for r in rs),
        )

    bare, tracked = summary("bare"), summary("tracked")
    ratio = tracked[0] / bare[0]
    print()
    print(f"bare     {bare[0]:9.0f} req/s   p50 {bare[1]:6.2f} ms   p99 {bare[2]:6.2f} ms")
    print(f"tracked  {tracked[0]:9.0f} req/s   p50 {tracked[1]:6.2f} ms   p99 {tracked[2]:6.2f} ms")
    pairs = [t.rps / b.rps for b, t in zip(results["bare"], results["tracked"], strict=True)]
    print(f"ratio tracked/bare: {ratio:.2f}  (bar: >= 0.80; tracker p99 bar: <= 10 ms)")
    print(f"ratio per pair: {', '.join(f'{r:.2f}' for r in pairs)}")
    cpu = {kind: [r.cpu_us for r in results[kind] if r.cpu_us] for kind in results}
    if all(cpu.values()):
        # Less noisy than req/s on a shared machine: what one request costs the server core.
        bare_cpu, tracked_cpu = (statistics.median(cpu[k]) for k in ("bare", "tracked"))
        print(
            f"server CPU per request (median): bare {bare_cpu:.1f} µs, tracked "
            f"{tracked_cpu:.1f} µs -> CPU ratio bare/tracked {bare_cpu / tracked_cpu:.2f}"
        )
    print(f"tracker shutdown: {stopped}")
    # wrk ends a round with requests in flight: the tracker may have counted (and stored)
    # clicks whose answers wrk never read, at most one per connection and tracker round.
    in_flight = args.connections * (args.rounds + 1) if wrk else 0
    if rows == counted:
        verdict = "OK (equal)"
    elif 0 < rows - counted <= in_flight and rows == server_counted[0]:
        verdict = f"OK (+{rows - counted} answered after wrk stopped reading; <= {in_flight})"
    else:
        verdict = "MISMATCH"
    print(f"click rows: {rows}; counted 302s received by the generator: {counted} -> {verdict}")
    print(
        f"tracker's own counters: {server_counted[0]} counted, {server_counted[1]} dropped"
        f" -> rows {'==' if rows == server_counted[0] else '!='} counted"
    )
    checks = {
        f"ratio {ratio:.2f} (bar >= 0.80)": ratio >= 0.80,
        f"tracker p99 {tracked[2]:.1f} ms (bar <= 10 ms)": tracked[2] <= 10.0,
        "every counted click stored": verdict.startswith("OK"),
    }
    print("; ".join(f"{name}: {'PASS' if ok else 'FAIL'}" for name, ok in checks.items()))


if __name__ == "__main__":
    main()
