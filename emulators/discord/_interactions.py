"""The interaction record tests inspect: what the bot answered, and ways to wait for it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._constants import INTERACTION_ACK_DEADLINE, INTERACTION_TOKEN_LIFETIME, MessageFlag
from ._errors import EmulatorTimeout
from ._records import Attachment, Message

if TYPE_CHECKING:
    from ._emulator import DiscordEmulator

__all__ = ["Interaction"]

_GRACE_AFTER_DEADLINE = 0.5


class Interaction:
    """Everything that happened to one interaction the emulator dispatched.

    Attributes set by the bot's answers: ``response_type`` (4, 5, 6, 7, 8 or 9;
    ``None`` if unanswered), ``response`` (the callback ``data``), ``message``
    (the original response message; for 6/7 the component's message),
    ``followups``, ``modal`` (for type 9), ``choices`` (for type 8) and
    ``error`` (``"deadline"`` when the bot answered after 3 s,
    ``"no_response"`` when nothing arrived before the deadline passed).
    """

    def __init__(
        self,
        emu: DiscordEmulator,
        *,
        interaction_id: int,
        token: str,
        kind: int,
        user_id: int,
        guild_id: int | None,
        channel_id: int,
        payload: dict[str, Any],
        source_message: Message | None = None,
        name: str | None = None,
    ) -> None:
        self._emu = emu
        self.id = interaction_id
        self.token = token
        self.type = kind
        self.user_id = user_id
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.payload = payload
        self.name = name
        self.source_message = source_message
        self.created_at = emu.clock.monotonic()
        self.response_type: int | None = None
        self.response: dict[str, Any] | None = None
        self.error: str | None = None
        self.message: Message | None = None
        self.followups: list[Message] = []
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self._settled = asyncio.Event()
        self._changed = asyncio.Event()

    def __repr__(self) -> str:
        return (
            f"<Interaction id={self.id} type={self.type} name={self.name!r} "
            f"response_type={self.response_type} error={self.error!r}>"
        )

    # ------------------------------------------------------------- convenience
    @property
    def answered(self) -> bool:
        return self.response_type is not None

    @property
    def ephemeral(self) -> bool:
        """Whether the original response is ephemeral (flags & 64)."""
        if self.message is not None and self.response_type in (4, 5):
            return self.message.ephemeral
        return bool(((self.response or {}).get("flags") or 0) & MessageFlag.EPHEMERAL)

    @property
    def content(self) -> str | None:
        return self.message.content if self.message is not None else None

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds if self.message is not None else []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components if self.message is not None else []

    @property
    def attachments(self) -> list[Attachment]:
        return self.message.attachments if self.message is not None else []

    def ack_deadline_passed(self) -> bool:
        return self._emu.clock.monotonic() - self.created_at > INTERACTION_ACK_DEADLINE

    def token_expired(self) -> bool:
        return self._emu.clock.monotonic() - self.created_at > INTERACTION_TOKEN_LIFETIME

    # ------------------------------------------------------------------ waiting
    def _notify(self, *, settled: bool = False) -> None:
        if settled:
            self._settled.set()
        self._changed.set()

    async def wait_response(self, timeout: float = 5.0) -> Interaction:  # noqa: ASYNC109 - public API takes a timeout
        """Wait until the bot answered the callback (or the 3 s deadline passed); return self.

        Never raises: inspect ``response_type`` / ``error`` afterwards.
        """
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        overdue_since: float | None = None
        while not self._settled.is_set():
            now = loop.time()
            if now >= end:
                break
            if self.ack_deadline_passed():
                overdue_since = overdue_since if overdue_since is not None else now
                if now - overdue_since >= _GRACE_AFTER_DEADLINE:
                    break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settled.wait(), min(0.05, end - now))
        if self.response_type is None and self.error is None and self.ack_deadline_passed():
            self.error = "no_response"
        return self

    async def wait_until(
        self,
        predicate: Callable[[Interaction], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - public API takes a timeout
    ) -> Interaction:
        """Wait until ``predicate(self)`` is true (re-checked on each callback, followup, edit)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not predicate(self):
            remaining = end - loop.time()
            if remaining <= 0:
                raise EmulatorTimeout(f"condition not met within {timeout}s for {self!r}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return self

    async def wait_followups(self, n: int = 1, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109 - public API takes a timeout
        """Wait until the bot sent at least ``n`` followups; return them (raises on timeout)."""
        try:
            await self.wait_until(lambda it: len(it.followups) >= n, timeout)
        except EmulatorTimeout:
            raise EmulatorTimeout(
                f"expected {n} followup(s) for {self!r}, "
                f"got {len(self.followups)} within {timeout}s"
            ) from None
        return list(self.followups)
