"""The emulators' shared base: a loopback server, request recording and fault injection."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from emulators._base import DROPPED, LoopbackServer, Tap


async def _echo(request: web.Request) -> web.Response:
    return web.json_response({"path": request.path, "body": (await request.read()).decode()})


@pytest.fixture
def tap() -> Tap:
    return Tap()


@pytest.fixture
async def base_url(tap: Tap) -> AsyncIterator[str]:
    app = tap.install(web.Application())
    app.router.add_route("*", "/orders/{id}", _echo)
    async with LoopbackServer(app) as server:
        yield server.base_url


async def _status(method: str, url: str, **kw: object) -> int:
    async with aiohttp.ClientSession() as session, session.request(method, url, **kw) as response:
        await response.read()
        return response.status


async def test_server_listens_on_loopback_at_an_ephemeral_port() -> None:
    """The server binds 127.0.0.1 on a port the OS picks and answers there until stopped."""
    app = web.Application()
    app.router.add_get("/ping", _echo)
    server = LoopbackServer(app)
    await server.start()
    try:
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert server.port > 0
        assert await _status("GET", server.base_url + "/ping") == 200
        assert server.running
    finally:
        await server.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await _status("GET", server.base_url + "/ping")


async def test_base_url_before_start_is_an_error() -> None:
    """Asking for the URL of a server that never started says so."""
    with pytest.raises(RuntimeError, match="not started"):
        _ = LoopbackServer(web.Application()).base_url


async def test_requests_are_recorded(tap: Tap, base_url: str) -> None:
    """Each request served is recorded with its method, path, query, headers, body and status."""
    await _status("POST", base_url + "/orders/7?page=2", data=b'{"a": 1}', headers={"X-Key": "k1"})
    await _status("GET", base_url + "/nowhere")
    posted, missing = tap.requests
    assert (posted.method, posted.path, posted.status) == ("POST", "/orders/7", 200)
    assert posted.query == {"page": "2"}
    assert posted.headers["x-key"] == "k1"
    assert posted.body == b'{"a": 1}'
    assert (missing.method, missing.path, missing.status, missing.body) == (
        "GET",
        "/nowhere",
        404,
        b"",
    )


async def test_injected_status_answers_the_next_requests(tap: Tap, base_url: str) -> None:
    """fail(path, 503, count=2) answers 503 twice, then the real handler answers again."""
    fault = tap.fail(r"/orders/\d+", 503, count=2)
    statuses = [await _status("GET", base_url + "/orders/1") for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [r.status for r in tap.requests] == [503, 503, 200]
    assert fault.hits == 2


async def test_injected_status_only_hits_its_method_and_path(tap: Tap, base_url: str) -> None:
    """A fault for POST /orders/1 leaves GET /orders/1 and POST /orders/2 alone."""
    tap.fail("/orders/1", 500, method="POST")
    assert await _status("GET", base_url + "/orders/1") == 200
    assert await _status("POST", base_url + "/orders/2") == 200
    assert await _status("POST", base_url + "/orders/1") == 500


async def test_injected_delay_holds_the_answer(tap: Tap, base_url: str) -> None:
    """delay(path, 0.3) makes the next request wait that long, then answers normally."""
    tap.delay("/orders/1", 0.3)
    started = time.monotonic()
    assert await _status("GET", base_url + "/orders/1") == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert await _status("GET", base_url + "/orders/1") == 200
    assert time.monotonic() - started < 0.3


async def test_injected_drop_closes_the_connection(tap: Tap, base_url: str) -> None:
    """drop(path) disconnects the next request without an answer; the one after is served."""
    tap.drop("/orders/1")
    # POST: aiohttp's client retries an idempotent request once on a dropped connection.
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _status("POST", base_url + "/orders/1")
    assert await _status("POST", base_url + "/orders/1") == 200
    assert [r.status for r in tap.requests] == [DROPPED, 200]
