"""Use case: deliver a message at most once, and remember the ones that could not go out.

The sender (Discord glue) is passed in, so this service never imports discord. Delivery is
claim → send → record: a crash between the claim and the send loses that one message rather
than sending it twice (reminders and summaries prefer a miss to a duplicate).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum

from bot.clock import Clock, to_epoch
from bot.db.connection import Database
from bot.db.notifications_repo import NotificationRepository, UndeliverableNotice
from bot.domain.notices import Notice, NoticeKind

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"  # the recipient's DMs are closed (Discord code 50007)
    FAILED = "failed"  # any other error; logged
    DUPLICATE = "duplicate"  # claimed before: nothing was sent
    # Claimed, but the process stopped before the outcome was recorded: it may or may not
    # have gone out (see :meth:`NotificationService.settle`).
    UNFINISHED = "unfinished"


class RecipientUnreachable(Exception):
    """Raised by a sender when the recipient does not accept messages from the bot."""


Sender = Callable[[], Awaitable[object]]
# Whether the recipient already has the message (asked of Discord, e.g. the DM channel).
Probe = Callable[[], Awaitable[bool]]


class NotificationService:
    def __init__(self, db: Database, repo: NotificationRepository, clock: Clock) -> None:
        self._db = db
        self._repo = repo
        self._clock = clock

    async def deliver(
        self,
        *,
        guild_id: int,
        user_id: int | None,
        kind: str,
        dedupe_key: str,
        send: Sender,
    ) -> Delivery:
        """Send once per ``dedupe_key``; return what happened."""
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            claimed = await self._repo.claim(
                tx,
                guild_id=guild_id,
                user_id=user_id,
                kind=kind,
                dedupe_key=dedupe_key,
                now=now,
            )
        if not claimed:
            return Delivery.DUPLICATE
        outcome, error = Delivery.SENT, None
        try:
            await send()
        except RecipientUnreachable:
            outcome, error = Delivery.UNDELIVERABLE, "recipient does not accept messages"
        except Exception as exc:
            log.exception("delivering %s (%s) failed", kind, dedupe_key)
            outcome, error = Delivery.FAILED, type(exc).__name__
        async with self._db.transaction() as tx:
            await self._repo.finish(
                tx, dedupe_key, outcome.value, to_epoch(self._clock.now()), error
            )
        return outcome

    async def post_once(
        self, guild_id: int, kind: NoticeKind, dedupe_key: str, send: Sender
    ) -> Delivery:
        """A message in a channel (to no one in particular), at most once per key."""
        return await self.deliver(
            guild_id=guild_id, user_id=None, kind=kind.value, dedupe_key=dedupe_key, send=send
        )

    async def send_once(self, notice: Notice, send: Sender) -> Delivery:
        """:meth:`send`, where a duplicate (a resumed job's item) reports what became of the
        first sending instead."""
        delivery = await self.send(notice, send)
        if delivery is Delivery.DUPLICATE:
            delivery = await self.status(notice) or Delivery.FAILED
        return delivery

    async def send(self, notice: Notice, send: Sender) -> Delivery:
        """Deliver a notice once per its dedupe key."""
        return await self.deliver(
            guild_id=notice.guild_id,
            user_id=notice.user_id,
            kind=notice.kind.value,
            dedupe_key=notice.dedupe_key,
            send=send,
        )

    async def status(self, notice: Notice) -> Delivery | None:
        """What became of a notice: ``None`` if it was never claimed; ``FAILED`` also when
        it was claimed but the send never finished (a crash in between)."""
        status = await self._repo.status(self._db, notice.dedupe_key)
        if status is None:
            return None
        if status == "pending":
            return Delivery.UNFINISHED
        return Delivery(status) if status in Delivery.__members__.values() else Delivery.FAILED

    async def settle(self, notice: Notice, send: Sender, sent_already: Probe) -> Delivery:
        """Finish a notice a stopped run claimed but never recorded, exactly once: if the
        recipient has it already (``sent_already``), record it sent; otherwise send it now.
        A notice never claimed is sent as usual; one already recorded is left as it is."""
        status = await self.status(notice)
        if status is None:
            return await self.send(notice, send)
        if status is not Delivery.UNFINISHED:
            return status
        outcome, error = Delivery.SENT, None
        try:
            if await sent_already():
                log.info("%s (%s) had gone out before the restart", notice.kind, notice.dedupe_key)
            else:
                await send()
        except RecipientUnreachable:
            outcome, error = Delivery.UNDELIVERABLE, "recipient does not accept messages"
        except Exception as exc:
            log.exception("settling %s (%s) failed", notice.kind, notice.dedupe_key)
            outcome, error = Delivery.FAILED, type(exc).__name__
        async with self._db.transaction() as tx:
            await self._repo.finish(
                tx, notice.dedupe_key, outcome.value, to_epoch(self._clock.now()), error
            )
        return outcome

    async def undeliverable(self, guild_id: int) -> list[UndeliverableNotice]:
        """Recent messages that could not be delivered, for managers."""
        return await self._repo.undeliverable(self._db, guild_id)
