"""Benchmark: a gift offer to a large program through the real discord.py client.

    python bench/seeding.py            # an offer to 2 000 creators, 510 racing for 500 units
    python bench/seeding.py --short    # 100 creators, 35 racing for 25 units

The bot (real client, real services, a temporary SQLite file) runs against the Discord
emulator with Discord's global rate limit on (50 requests/s) and the modelled Create DM bucket.

(a) /gift create to every creator: time until every offer DM is out, duplicate and missing
    DMs, 429s. Bar: within 1.2 × the time Discord's limits allow for the requests made.
(b) Acceptance throughput: more creators than there are units answer at once (20 at a time),
    each through Accept → the variant menu → the address form. Bars: exactly the stock is
    given out, everyone else is told it is gone, nobody twice; acceptances per second shown.
(c) Memory: the process's peak resident size before the offer and after (a) and (b). Bar: the
    offer and its answers add less than 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulk import SLACK, allowed_by_limits, bar, verdict

from bot.clock import to_epoch
from bot.harness import Cast, LocalDiscord

MEMORY_BAR_MB = 150
AT_ONCE = 20
ADDRESS = {
    "name": "Anna Jansen",
    "street": "Oudegracht 12",
    "postcode": "3511 AB",
    "city": "Utrecht",
    "country": "NL",
}


@dataclass(frozen=True)
class Size:
    creators: int
    units: int
    racers: int


FULL = Size(creators=2_000, units=500, racers=510)
SHORT = Size(creators=100, units=25, racers=35)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Bench:
    def __init__(self, size: Size, folder: Path) -> None:
        self.size = size
        self.world = LocalDiscord(folder / "seeding.db", CREATORBOT_SWEEP_SECONDS=86_400)
        self.users: list[Any] = []
        self.failed = False

    def populate(self, cast: Cast) -> None:
        for n in range(self.size.creators):
            user = self.world.emu.create_user(f"creator{n}")
            cast.guild.add_member(user)
            self.users.append(user)

    async def seed(self) -> None:
        svc, cast = self.world.services, self.world.cast
        assert cast is not None
        await svc.settings.update(
            cast.guild.id,
            cast.manager.id,
            {"review_channel": cast.review.id, "shop_url": "https://shop.example.com"},
        )
        now = to_epoch(svc.clock.now())
        async with svc.db.transaction() as tx:
            await tx.execute_many(
                """INSERT INTO creators (guild_id, user_id, source_slug, platform, followers,
                                         tier, niche, status, approved_at, status_at,
                                         created_at)
                   VALUES (?, ?, ?, 'instagram', 5000, 'nano', 'baking', 'active', ?, ?, ?)""",
                [(cast.guild.id, u.id, f"c{n}", now, now, now) for n, u in enumerate(self.users)],
            )

    def check(self, ok: bool, text: str) -> None:
        verdict(ok, text)
        self.failed |= not ok

    async def bench_offer(self) -> None:
        emu, svc, cast = self.world.emu, self.world.services, self.world.cast
        assert cast is not None
        n = self.size.creators
        requests_before, counted_before = len(emu.requests), emu.global_requests
        started = time.perf_counter()
        deadline = (svc.clock.now().replace(microsecond=0)).strftime("%Y-%m-%d %H:%M")
        deadline = f"{int(deadline[:4]) + 1}{deadline[4:]}"
        it = await emu.invoke(
            cast.manager.id,
            "gift create",
            {
                "product": "Winter hoodie",
                "variants": "S, M, L",
                "cost": "24.95",
                "quantity": self.size.units,
                "deadline": deadline,
                "segment": "all",
            },
            guild_id=cast.guild.id,
        )
        await it.wait_response()
        job_id = int(await svc.db.fetch_val("SELECT max(id) FROM jobs"))
        with bar(n, "offer DMs") as progress:
            while not (job := await svc.jobs.get(job_id)).finished:
                progress.n = job.processed
                progress.refresh()
                await asyncio.sleep(0.25)
        elapsed = time.perf_counter() - started
        made = emu.requests[requests_before:]
        counted = emu.global_requests - counted_before
        got = [sum(1 for m in emu.dms(u.id) if m.components) for u in self.users]
        allowed, limits = allowed_by_limits(emu, made, counted)
        print(
            f"(a) offer to {n} creators: {elapsed:.1f} s, {sum(got)} DMs "
            f"({sum(got) / elapsed:.1f}/s), 429s: {dict(+Counter(emu.rate_limited)) or 'none'}"
        )
        print(limits)
        self.check(sum(1 for g in got if g > 1) == 0, "no duplicate offer DMs")
        self.check(sum(1 for g in got if g == 0) == 0, "no missing offer DMs")
        self.check(
            emu.rate_limited["global"] == 0, f"no global 429s ({emu.rate_limited['global']})"
        )
        ratio = elapsed / allowed
        self.check(ratio <= SLACK, f"offer: {ratio:.2f} × the time Discord's limits allow")

    async def accept(self, user: Any) -> str:
        """Accept → menu → form; the answer's text."""
        emu = self.world.emu
        dm = next(m for m in emu.dms(user.id) if m.components)
        pressed = await emu.click(dm, label="Accept", user_id=user.id)
        await pressed.wait_response()
        if pressed.message is None or not pressed.message.components:
            return pressed.content or ""
        menu = pressed.message.components[0]["components"][0]
        chosen = await emu.select(
            pressed.message,
            custom_id=menu["custom_id"],
            values=[menu["options"][1]["value"]],
            user_id=user.id,
        )
        await chosen.wait_response()
        if chosen.modal is None:
            return chosen.content or ""
        submitted = await emu.submit_modal(chosen, ADDRESS, user_id=user.id)
        await submitted.wait_followups(1, timeout=30)
        return submitted.followups[0].content or ""

    async def bench_accepting(self) -> None:
        svc = self.world.services
        racers = self.users[: self.size.racers]
        answers: list[str] = []
        started = time.perf_counter()
        with bar(len(racers), "acceptances") as progress:
            for start in range(0, len(racers), AT_ONCE):
                batch = racers[start : start + AT_ONCE]
                answers += await asyncio.gather(*(self.accept(u) for u in batch))
                progress.update(len(batch))
        elapsed = time.perf_counter() - started
        yours = sum(1 for a in answers if a.startswith("🎉"))
        gone = len(answers) - yours
        claimed = await svc.db.fetch_val("SELECT claimed FROM gift_offers")
        accepted = await svc.db.fetch_val(
            "SELECT COUNT(*) FROM gift_claims WHERE state = 'accepted'"
        )
        print(
            f"(b) {len(racers)} creators answering for {self.size.units} units: {elapsed:.1f} s "
            f"({len(racers) / elapsed:.1f} acceptances/s, {AT_ONCE} at a time)"
        )
        self.check(yours == self.size.units, f"{self.size.units} got a unit ({yours})")
        self.check(gone == len(racers) - self.size.units, f"the rest told it is gone ({gone})")
        self.check(claimed == accepted == self.size.units, f"stock never over ({claimed})")

    async def run(self) -> bool:
        await self.world.start(self.populate)
        try:
            await self.seed()
            before = peak_mb()
            await self.bench_offer()
            await self.bench_accepting()
            grown = peak_mb() - before
            print(f"(c) peak resident size {before:.0f} MB before, {peak_mb():.0f} MB after")
            self.check(grown < MEMORY_BAR_MB, f"the offer added {grown:.0f} MB (< {MEMORY_BAR_MB})")
        finally:
            await self.world.stop()
        return not self.failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="100 creators, 35 for 25 units")
    args = parser.parse_args()
    size = SHORT if args.short else FULL
    ok = asyncio.run(Bench(size, Path(tempfile.mkdtemp())).run())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
