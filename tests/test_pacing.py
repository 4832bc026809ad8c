"""The bot's pacer: a token bucket on a fake clock (nothing sleeps for real)."""

from __future__ import annotations

import pytest

from bot.pacing import Pacer


class FakeTime:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_burst_starts_at_once_then_the_pace_holds() -> None:
    """Up to the burst, steps start at once; after it each waits its cost."""
    time = FakeTime()
    pacer = Pacer(burst=0.4, now=time)
    waits = [pacer.reserve(0.2) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.2, 0.4])


def test_a_quiet_spell_refills_the_burst_but_not_more() -> None:
    """After a long pause the burst is available again, never more than the burst."""
    time = FakeTime()
    pacer = Pacer(burst=0.2, now=time)
    assert [pacer.reserve(0.2) for _ in range(3)] == pytest.approx([0.0, 0.0, 0.2])
    time.now += 60
    assert [pacer.reserve(0.2) for _ in range(3)] == pytest.approx([0.0, 0.0, 0.2])


async def test_steps_keep_the_rate_over_time() -> None:
    """Fifty steps at 5 per second take ten seconds less the burst."""
    time = FakeTime()
    pacer = Pacer(burst=0.0, now=time, sleep=time.sleep)
    start = time.now
    for _ in range(50):
        await pacer.step(5)
    assert time.now - start == pytest.approx(49 * 0.2)


def test_bad_arguments_are_refused() -> None:
    """A negative burst or cost, or a rate of zero, is a programming error."""
    with pytest.raises(ValueError):
        Pacer(burst=-1)
    with pytest.raises(ValueError):
        Pacer().reserve(-0.1)
