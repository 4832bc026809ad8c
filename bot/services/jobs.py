"""Use case: bulk work as a job whose items are claimed, handled and recorded one by one.

A job and all its items are written in one transaction. A run claims an item, hands it to
the handler registered for the job's kind and records the result with the item's count, so a
restart resumes where the last run stopped: an item claimed but never recorded is handed to
the handler again, marked as interrupted, and the handler decides whether it was done.
Unfinished jobs are picked up again by the sweep (:meth:`JobService.resume`).

Every run waits for its slot on the bot's one :class:`~bot.pacing.Pacer` before each item, so
bulk work stays under Discord's global rate limit by itself instead of leaning on 429s, and
jobs running side by side share the pace. A job may carry the way back to the manager's reply
(``params["reply"]``, see :meth:`JobService.remember_reply`) so a run resumed after a restart
keeps reporting progress; it is a credential, removed when the job finishes and never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.clock import Clock, to_epoch
from bot.db.connection import Database
from bot.db.jobs_repo import JobRepository
from bot.domain.jobs import MAX_ATTEMPTS, ItemResult, ItemState, Job, JobItem, JobKind
from bot.errors import CreatorbotError
from bot.pacing import Pacer

log = logging.getLogger(__name__)

Handler = Callable[[Job, JobItem], Awaitable[ItemResult]]
Progress = Callable[[Job], Awaitable[object]]
# Builds the progress report of a job resumed after a restart (None: nobody to tell).
ResumedProgress = Callable[[Job], Progress | None]

# Items per second a job kind runs at on its own (several jobs at once share this pace).
# Nearly every bulk item opens one DM channel, and that is the tightest limit: Discord
# documents no number for opening DM channels, only that opening many quickly may be
# limited; the emulator models 10 a second, so 9 keeps a tenth in reserve. The heaviest item,
# a bulk approval's (the creator role, the DM channel, the welcome DM, the edit of the
# application's card), is about four requests: 9 items/s is ~36 requests/s, 72 % of Discord's
# global limit of 50/s, leaving the rest to the bot's other work; interaction answers are
# not counted against the global limit, so commands are answered at once meanwhile.
DEFAULT_PER_SECOND = 9.0
# Where a job keeps the way back to the manager's reply (see bot/progress.py).
REPLY_PARAM = "reply"

# The manager's progress message is edited at most this often (plus once at the end).
PROGRESS_EVERY_SECONDS = 1.0


class JobNotFound(CreatorbotError):
    key = "jobs.not_found"


class JobService:
    def __init__(
        self, db: Database, repo: JobRepository, clock: Clock, pacer: Pacer | None = None
    ) -> None:
        self._db = db
        self._repo = repo
        self._clock = clock
        # One pacer per bot: Discord's global limit counts every request of the bot token.
        self.pacer = pacer or Pacer()
        self._handlers: dict[JobKind, Handler] = {}
        self._pace: dict[JobKind, float] = {}
        self._resumed_progress: dict[JobKind, ResumedProgress] = {}
        # This process's runs, by job id, with the kind of each.
        self._tasks: dict[int, tuple[JobKind, asyncio.Task[Job]]] = {}

    # --- the items ------------------------------------------------------------------------

    async def create(
        self,
        guild_id: int,
        kind: JobKind,
        created_by: int,
        subject_ids: Sequence[int],
        params: dict[str, Any] | None = None,
    ) -> Job:
        """A running job with one item per subject, written in one transaction."""
        async with self._db.transaction() as tx:
            job_id = await self._repo.insert(
                tx,
                guild_id=guild_id,
                kind=kind,
                created_by=created_by,
                params=params or {},
                subject_ids=subject_ids,
                now=self._now(),
            )
            job = await self._repo.get(tx, job_id)
        assert job is not None
        log.info("job %s (%s) created with %s items in guild %s", job.id, kind, job.total, guild_id)
        return job

    async def get(self, job_id: int) -> Job:
        """The job with its current counts."""
        job = await self._repo.get(self._db, job_id)
        if job is None:
            raise JobNotFound()
        return job

    async def items(self, job_id: int) -> list[JobItem]:
        return await self._repo.items(self._db, job_id)

    async def claim(self, job_id: int) -> JobItem | None:
        """Claim the next unfinished item (an interrupted one first); None when none is left."""
        async with self._db.transaction() as tx:
            return await self._repo.claim_next(tx, job_id, self._now())

    async def record(self, job_id: int, subject_id: int, result: ItemResult) -> bool:
        """Record a claimed item's result; False if it was not claimed (nothing counted)."""
        async with self._db.transaction() as tx:
            return await self._repo.finish_item(
                tx, job_id, subject_id, result.state, result.outcome, self._now()
            )

    async def remember_reply(self, job_id: int, reply: dict[str, Any]) -> None:
        """Keep the way back to the manager's reply on the job, for a resumed run."""
        async with self._db.transaction() as tx:
            await self._repo.set_param(tx, job_id, REPLY_PARAM, reply)

    async def running_in(self, guild_id: int, kind: JobKind) -> list[Job]:
        """The server's unfinished jobs of one kind, oldest first."""
        return [
            job
            for job in await self._repo.running(self._db)
            if job.guild_id == guild_id and job.kind is kind
        ]

    async def finish(self, job_id: int) -> Job:
        """Mark the job finished if no item is left open; return it either way."""
        async with self._db.transaction() as tx:
            if await self._repo.finish(tx, job_id, self._now()):
                log.info("job %s finished", job_id)
        return await self.get(job_id)

    # --- running --------------------------------------------------------------------------

    def register(
        self,
        kind: JobKind,
        handler: Handler,
        *,
        per_second: float = DEFAULT_PER_SECOND,
        resumed_progress: ResumedProgress | None = None,
    ) -> None:
        """The handler for one kind of job (the Discord glue registers it when it loads).

        ``per_second`` is the pace of its items when it runs alone; ``resumed_progress``
        builds the progress report of a run resumed after a restart.
        """
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self._handlers[kind] = handler
        self._pace[kind] = per_second
        if resumed_progress is not None:
            self._resumed_progress[kind] = resumed_progress

    async def unregister(self, kind: JobKind, grace_seconds: float = 10.0) -> None:
        """Forget the handler and stop its runs after their current item (cancelled if that
        takes longer than ``grace_seconds``); their jobs resume with the next handler."""
        self._handlers.pop(kind, None)
        self._resumed_progress.pop(kind, None)
        for job_kind, task in list(self._tasks.values()):
            if job_kind is not kind:
                continue
            # Finishing the item in hand keeps a welcome DM from being claimed but not sent.
            done, _pending = await asyncio.wait({task}, timeout=grace_seconds)
            if not done:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def is_running(self, job_id: int) -> bool:
        entry = self._tasks.get(job_id)
        return entry is not None and not entry[1].done()

    def start(self, job: Job, progress: Progress | None = None) -> asyncio.Task[Job] | None:
        """Run the job in the background unless it already runs here; None without handler."""
        if self.is_running(job.id):
            return self._tasks[job.id][1]
        if job.kind not in self._handlers:
            return None
        task = asyncio.create_task(self.run(job.id, progress), name=f"job-{job.id}")
        self._tasks[job.id] = (job.kind, task)

        def forget(done: asyncio.Task[Job]) -> None:
            if self._tasks.get(job.id, (None, None))[1] is done:
                del self._tasks[job.id]

        task.add_done_callback(forget)
        return task

    async def run(self, job_id: int, progress: Progress | None = None) -> Job:
        """Handle every unfinished item of the job, then finish it; return the final job."""
        job = await self.get(job_id)
        last_report = 0.0
        while (handler := self._handlers.get(job.kind)) is not None:
            # Paced before the claim, so an item is never held claimed while waiting.
            await self.pacer.step(self._pace.get(job.kind, DEFAULT_PER_SECOND))
            if job.kind not in self._handlers:
                continue
            item = await self.claim(job_id)
            if item is None:
                break
            result = await self._handle(handler, job, item)
            await self.record(job_id, item.subject_id, result)
            if progress is not None and time.monotonic() - last_report >= PROGRESS_EVERY_SECONDS:
                last_report = time.monotonic()
                await self._report(progress, await self.get(job_id))
        else:
            log.info("job %s stopped half-way; it resumes with the next sweep", job_id)
            return await self.get(job_id)
        job = await self.finish(job_id)
        if progress is not None:
            await self._report(progress, job)
        return job

    async def resume(self) -> int:
        """Start every unfinished job that is not running in this process (a sweep task)."""
        started = 0
        for job in await self._repo.running(self._db):
            if self.is_running(job.id) or job.kind not in self._handlers:
                continue
            if self.start(job, self._progress_after_restart(job)) is not None:
                log.info("resuming job %s (%s/%s done)", job.id, job.processed, job.total)
                started += 1
        return started

    def _progress_after_restart(self, job: Job) -> Progress | None:
        build = self._resumed_progress.get(job.kind)
        if build is None or not job.params.get(REPLY_PARAM):
            return None
        try:
            return build(job)
        except Exception:
            log.warning("job %s: no progress report after the restart", job.id, exc_info=True)
            return None

    async def wait(self, job_id: int) -> None:
        """Wait for this process's run of the job, if there is one (tests, shutdown)."""
        entry = self._tasks.get(job_id)
        if entry is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(entry[1])

    async def _handle(self, handler: Handler, job: Job, item: JobItem) -> ItemResult:
        if item.attempts > MAX_ATTEMPTS:
            log.error("job %s: giving up on subject %s", job.id, item.subject_id)
            return ItemResult(ItemState.FAILED, "gave_up")
        try:
            return await handler(job, item)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s: subject %s failed", job.id, item.subject_id)
            return ItemResult(ItemState.FAILED, "error")

    async def _report(self, progress: Progress, job: Job) -> None:
        try:
            await progress(job)
        except Exception:
            # Progress is a courtesy (an expired interaction, a deleted message): never fatal.
            log.warning("could not report the progress of job %s", job.id, exc_info=True)

    def _now(self) -> int:
        return to_epoch(self._clock.now())
