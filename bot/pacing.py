"""One bot's pace towards Discord: a shared budget that bulk work draws from before each step.

Discord counts a bot's requests globally (50 per second per bot token, interaction answers
excepted), so every bulk job of a bot draws from *one* :class:`Pacer`: two jobs running at
once share the pace instead of doubling it. The pacer is a GCRA token bucket on a
"seconds of budget" scale: a step costing ``c`` moves the bucket's theoretical arrival time
on by ``c`` seconds, and a step may start once that time is at most ``burst`` seconds ahead
of now. It never sleeps itself in :meth:`reserve`, so tests drive it with a fake clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]


class Pacer:
    """A token bucket shared by everything a bot does in bulk.

    ``burst`` is how many seconds of budget may be spent at once after a quiet spell (a
    small job of a few items runs without waiting; a large one settles at the pace). The
    default, 0.4 s, lets three approvals (~12 requests) start at once: a quarter of a second
    of Discord's global budget.
    """

    def __init__(
        self, *, burst: float = 0.4, now: Now = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        if burst < 0:
            raise ValueError("burst must not be negative")
        self._burst = burst
        self._now = now
        self._sleep = sleep
        self._tat: float | None = None  # theoretical arrival time of the next free slot

    def reserve(self, cost: float) -> float:
        """Book ``cost`` seconds of budget; return how long to wait before starting."""
        if cost < 0:
            raise ValueError("cost must not be negative")
        now = self._now()
        tat = now if self._tat is None else max(self._tat, now)
        wait = max(0.0, tat - self._burst - now)
        self._tat = tat + cost
        return wait

    async def wait(self, cost: float) -> float:
        """Book ``cost`` seconds of budget and wait for the slot; return the time waited."""
        delay = self.reserve(cost)
        if delay > 0:
            await self._sleep(delay)
        return delay

    async def step(self, per_second: float) -> float:
        """Wait for the slot of one step of something that may run ``per_second`` times a
        second on its own (its share shrinks while other bulk work runs)."""
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        return await self.wait(1.0 / per_second)
