"""What the shop-client tests share: a code to create, and waiting without waiting."""

from __future__ import annotations

from bot.clock import FrozenClock
from bot.shops.codes import CodeSpec


def code_spec(
    shop: str, code: str = "ANNABAKES15", percent: int = 15, once: bool = True
) -> CodeSpec:
    """Anna's code for ``shop``, with a title as creatorbot writes it."""
    return CodeSpec(
        code=code,
        percent=percent,
        title=f"{code} — Anna (Spring program)",
        once_per_customer=once,
        idempotency_key=f"creatorbot:{shop}:{code.lower()}",
    )


class Sleeper:
    """Records the waits a client asks for instead of waiting; with a frozen clock, each
    wait also moves the clock on."""

    def __init__(self, clock: FrozenClock | None = None) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds=seconds)
