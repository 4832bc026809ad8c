"""What every emulator shares: a loopback server, a record of the requests it served, and
faults injected into the next requests to a path.

    tap = Tap()
    app = tap.install(create_app(...))
    async with LoopbackServer(app) as server:      # 127.0.0.1, a port the OS picks
        tap.fail(r"/orders/\\d+/refunds", 503)         # the next request answers 503
        tap.delay("/orders/1/refunds", 2.0, count=3)  # the next 3 wait 2 s, then answer
        tap.drop("/orders/1/refunds")                 # the next one loses its connection
        ... server.base_url ...
        tap.requests[-1].method, .path, .query, .headers, .body, .status
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

log = logging.getLogger(__name__)

__all__ = ["DROPPED", "Fault", "LoopbackServer", "ServedRequest", "Tap"]

DROPPED = 0  # the status recorded for a request whose connection was dropped

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LoopbackServer:
    """An aiohttp app served on 127.0.0.1 at an ephemeral port, for tests and local runs."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port the OS picks and start answering."""
        if self._runner is not None:
            raise RuntimeError("server already started")
        runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop answering and release the port (a no-op when not started)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def port(self) -> int:
        """The port bound by :meth:`start` (it stays known after :meth:`stop`)."""
        if self._port is None:
            raise RuntimeError("server not started; await server.start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class ServedRequest:
    """One request as the server received it, and the status it answered."""

    method: str
    path: str
    query: Mapping[str, str]  # the last value of a repeated parameter
    headers: Mapping[str, str]  # case-insensitive
    body: bytes
    status: int  # DROPPED when the connection was dropped


def fault_applies(
    pattern: re.Pattern[str], only: str | None, remaining: int, method: str, path: str
) -> bool:
    """Whether a fault with ``remaining`` uses left, for requests of method ``only`` (any if
    ``None`` or ``*``) whose path matches ``pattern``, applies to this request."""
    if remaining <= 0:
        return False
    if only not in (None, "*") and only.upper() != method:
        return False
    return pattern.fullmatch(path) is not None


@dataclass
class Fault:
    """What the next ``remaining`` requests matching ``method``/``pattern`` get instead of
    (or before) their answer: a ``status``, a ``delay`` in seconds, or a dropped connection."""

    pattern: re.Pattern[str]
    method: str | None
    remaining: int
    status: int | None = None
    delay: float = 0.0
    drop: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return fault_applies(self.pattern, self.method, self.remaining, method, path)


def _injected(status: int) -> web.StreamResponse:
    return web.json_response({"message": f"{status}: Injected fault", "code": 0}, status=status)


class Tap:
    """Request recording and fault injection for one aiohttp app, as a middleware.

    The body is read with ``request.read()`` before the handler runs, so handlers should read
    it the same way (``read``, ``text``, ``json``, ``post`` of a urlencoded form), not stream it.
    ``answer`` builds the response of an injected status in the emulated service's own shape.
    """

    def __init__(self, answer: Callable[[int], web.StreamResponse] = _injected) -> None:
        self.requests: list[ServedRequest] = []
        self.faults: list[Fault] = []
        self._answer = answer

    def install(self, app: web.Application) -> web.Application:
        """Put the tap in front of every handler of ``app`` (before the app starts)."""
        app.middlewares.append(self._middleware)
        return app

    # ------------------------------------------------------------ fault injection
    def fail(self, path: str, status: int, *, count: int = 1, method: str | None = None) -> Fault:
        """Answer the next ``count`` requests to ``path`` (a regex matched against the whole
        path) with ``status``; ``method`` None or ``"*"`` matches any method."""
        return self._add(Fault(re.compile(path), method, count, status=status))

    def delay(
        self, path: str, seconds: float, *, count: int = 1, method: str | None = None
    ) -> Fault:
        """Hold the next ``count`` requests to ``path`` for ``seconds``, then answer them."""
        return self._add(Fault(re.compile(path), method, count, delay=seconds))

    def drop(self, path: str, *, count: int = 1, method: str | None = None) -> Fault:
        """Close the connection of the next ``count`` requests to ``path`` without an answer.

        aiohttp's client retries an idempotent request (GET, PUT, DELETE) once when its
        connection drops: drop such requests with ``count=2`` for the caller to see it."""
        return self._add(Fault(re.compile(path), method, count, drop=True))

    def _add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def _take(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                fault.hits += 1
                return fault
        return None

    # -------------------------------------------------------------------- serving
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read() if request.can_read_body else b""
        status = DROPPED
        try:
            fault = self._take(request.method, request.path)
            if fault is not None and fault.delay:
                await asyncio.sleep(fault.delay)
            if fault is not None and fault.drop:
                log.info("emulator: dropping %s %s", request.method, request.path)
                if request.transport is not None:
                    # The answer below is never written: the client sees the server disconnect.
                    request.transport.abort()
                return web.Response(status=503)
            if fault is not None and fault.status is not None:
                response = self._answer(fault.status)
            else:
                try:
                    response = await handler(request)
                except web.HTTPException as exc:
                    status = exc.status
                    raise
                except Exception:
                    status = 500
                    raise
            status = response.status
            return response
        finally:
            self.requests.append(
                ServedRequest(
                    request.method,
                    request.path,
                    dict(request.query),
                    CIMultiDictProxy(CIMultiDict(request.headers)),
                    body,
                    status,
                )
            )
