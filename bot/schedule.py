"""The in-process schedule: APScheduler 3's AsyncIOScheduler on the bot's event loop.

Jobs that must happen once (reminders, summaries) are not kept as scheduler state: the sweep
reads what is due from the database and the database's unique keys make each send happen at
most once. The scheduler only decides *when* to look.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

SweepTask = Callable[[], Awaitable[object]]


class Schedule:
    """Owns the scheduler and the periodic sweep."""

    def __init__(self, sweep_seconds: int) -> None:
        self.scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        )
        self.sweep_seconds = sweep_seconds
        self._sweep_tasks: list[tuple[str, SweepTask]] = []

    def add_sweep_task(self, name: str, task: SweepTask) -> None:
        """Run ``task`` on every sweep (every ``CREATORBOT_SWEEP_SECONDS``)."""
        self._sweep_tasks.append((name, task))

    async def sweep(self) -> None:
        """Run every sweep task once; one failing task never stops the others."""
        for name, task in self._sweep_tasks:
            try:
                await task()
            except Exception:
                log.exception("sweep task %s failed", name)

    def start(self) -> None:
        self.scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=self.sweep_seconds),
            id="sweep",
            replace_existing=True,
        )
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
