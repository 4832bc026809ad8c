"""Injectable time source used for the emulator's interaction deadlines."""

from __future__ import annotations

import time

__all__ = ["EmulatorClock", "FakeClock"]


class EmulatorClock:
    """Monotonic time source for Discord's interaction deadlines.

    The emulator measures the 3-second initial-response deadline and the
    15-minute interaction-token lifetime with :meth:`monotonic`. The default
    implementation uses :func:`time.monotonic`; tests substitute
    :class:`FakeClock` to move time forward deterministically.
    """

    def monotonic(self) -> float:
        """Return the current monotonic time in seconds."""
        return time.monotonic()


class FakeClock(EmulatorClock):
    """A clock that only moves when :meth:`advance` is called."""

    def __init__(self, start: float = 1_000.0) -> None:
        self._now = float(start)

    def monotonic(self) -> float:
        """Return the frozen current time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (must not be negative)."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds
