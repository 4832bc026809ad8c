"""Waiting as a shop asks when it throttles: ``429`` with ``Retry-After``, a bounded number of
times, then :class:`~bot.shops._errors.ShopUnavailable` so the caller's own job retries later.

Every request to a shop goes through :func:`with_backoff`, so a batch of 500 codes makes 500
creates plus one repeat per 429 answered, never a blind burst of retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.shops._errors import ShopUnavailable

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Answer:
    """One HTTP answer of a shop: status, decoded JSON body (``None`` if not JSON), headers."""

    status: int
    body: Any
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Backoff:
    """How long to keep trying a throttled request: at most ``attempts`` requests in all,
    each wait ``Retry-After`` seconds when the shop says so (else ``base`` doubling), never
    longer than ``max_wait`` (a longer ask is given up at once). ``sleep`` is injectable so
    tests do not wait."""

    attempts: int = 5
    base: float = 1.0
    max_wait: float = 60.0
    sleep: Sleep = asyncio.sleep

    def wait(self, headers: Mapping[str, str], retry: int) -> float:
        """Seconds to wait before repeat number ``retry`` (1 for the first repeat)."""
        value = headers.get("Retry-After")
        if value is not None:
            try:
                seconds = float(value.strip())
            except ValueError:
                seconds = -1.0  # an HTTP date: fall back on doubling
            if seconds >= 0:
                return seconds
        return self.base * 2 ** (retry - 1)


async def with_backoff(
    shop: str,
    send: Callable[[], Awaitable[Answer]],
    backoff: Backoff,
    *,
    retry_when: Callable[[Answer], bool] = lambda answer: answer.status == 429,
) -> Answer:
    """Send, and while the answer is a throttle (``retry_when``) wait as the shop asks and
    send again; :class:`ShopUnavailable` (status 429) once ``backoff`` is used up."""
    for attempt in range(1, backoff.attempts + 1):
        answer = await send()
        if not retry_when(answer):
            return answer
        if attempt == backoff.attempts:
            break
        seconds = backoff.wait(answer.headers, attempt)
        if seconds > backoff.max_wait:
            log.warning("%s asks to wait %.0f s; giving up for now", shop, seconds)
            raise ShopUnavailable(shop, answer.status, "throttled")
        log.info("%s throttled (%d); waiting %.1f s", shop, answer.status, seconds)
        await backoff.sleep(seconds)
    raise ShopUnavailable(shop, answer.status, "throttled")
