"""The program's notion of "now": always an aware UTC datetime, injectable in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to; for tests and the demo."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


def to_epoch(when: datetime) -> int:
    """Seconds since the epoch, as stored in every ``*_at`` column."""
    if when.tzinfo is None:
        raise ValueError("naive datetimes are not allowed")
    return int(when.timestamp())


def from_epoch(seconds: int | None) -> datetime | None:
    """The inverse of :func:`to_epoch`; ``None`` stays ``None``."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC)
