"""REST plumbing: routing, auth, rate-limit headers, fault injection and request recording."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from emulators._base import fault_applies

from ._errors import ApiError, form_error
from ._records import Attachment, RecordedRequest, Violation

if TYPE_CHECKING:
    from ._emulator import DiscordEmulator

log = logging.getLogger(__name__)

__all__ = ["Fault", "Reply", "RequestContext", "Router", "json_response"]

Handler = Callable[["RequestContext"], Awaitable["Reply"]]


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json`` (discord.py checks it)."""
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return web.Response(status=status, body=json.dumps(data).encode(), headers=all_headers)


@dataclass
class Reply:
    """What a route handler returns: a status and an optional JSON body."""

    status: int = 200
    data: Any = None

    @classmethod
    def empty(cls) -> Reply:
        return cls(204, None)


@dataclass
class Fault:
    """An injected failure for the next ``remaining`` requests matching ``method``/``pattern``."""

    kind: str
    method: str | None
    pattern: re.Pattern[str]
    remaining: int
    status: int = 500
    retry_after: float = 0.0
    global_: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return fault_applies(self.pattern, self.method, self.remaining, method, path)


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    auth: bool
    bucket: str


@dataclass
class _Window:
    started: float
    used: int = 0


class RequestContext:
    """One REST request as seen by a route handler."""

    def __init__(
        self, emu: DiscordEmulator, request: web.Request, path: str, params: dict[str, str]
    ):
        self.emu = emu
        self.request = request
        self.path = path
        self.params = params
        self.method = request.method
        self.query = request.rel_url.query
        self._parsed: tuple[Any, list[tuple[int, Attachment]]] | None = None
        self.recorded_body: Any = None

    def snowflake(self, name: str) -> int:
        """A path parameter as a snowflake; invalid values answer 404 like Discord."""
        raw = self.params[name]
        if not raw.isdigit():
            raise ApiError(404, 0, "404: Not Found")
        return int(raw)

    @property
    def reason(self) -> str | None:
        """The decoded ``X-Audit-Log-Reason`` header."""
        raw = self.request.headers.get("X-Audit-Log-Reason")
        return unquote(raw) if raw else None

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")

    async def body(self) -> tuple[Any, list[tuple[int, Attachment]]]:
        """Parse the body: JSON, or multipart with ``payload_json`` and ``files[n]`` parts.

        Returns ``(payload, files)`` where ``files`` is a list of ``(index, Attachment)``.
        Uploads over the emulator's attachment size limit answer 413.
        """
        if self._parsed is not None:
            return self._parsed
        payload: Any = None
        files: list[tuple[int, Attachment]] = []
        content_type = self.request.content_type
        if content_type == "multipart/form-data":
            try:
                form = await self.request.post()
            except web.HTTPRequestEntityTooLarge:
                raise ApiError(
                    413, 40005, "Request entity too large", violation="attachment_too_large"
                ) from None
            for name, value in form.items():
                if name == "payload_json":
                    payload = json.loads(value if isinstance(value, str) else value.file.read())
                    continue
                match = re.fullmatch(r"files\[(\d+)\]", name)
                if match is None or isinstance(value, str):
                    raise form_error((name,), "BASE_TYPE_INVALID", "Unexpected form field")
                data = value.file.read()
                files.append(
                    (
                        int(match.group(1)),
                        Attachment(value.filename or "file", data, value.content_type),
                    )
                )
            total = sum(a.size for _, a in files)
            if total > self.emu.attachment_size_limit:
                raise ApiError(
                    413, 40005, "Request entity too large", violation="attachment_too_large"
                )
        elif self.request.can_read_body:
            raw = await self.request.read()
            if raw:
                try:
                    payload = json.loads(raw)
                except ValueError:
                    raise ApiError(400, 50109, "The request body contains invalid JSON.") from None
        self._parsed = (payload, files)
        self.recorded_body = payload
        return self._parsed

    async def json(self) -> Any:
        payload, _ = await self.body()
        return payload


# Routes with a per-route limit of their own (the emulator's default is RATE_LIMIT per
# RATE_WINDOW per bucket and top-level resource): (method, template) -> emulator attribute
# names of (limit, window).
#
# POST /users/@me/channels (Create DM): Discord documents no number, only that "if you open a
# significant amount of DMs too quickly, your bot may be rate limited or blocked from opening
# new ones" (docs: resources/user "Create DM"). The emulator models a conservative bucket of
# DiscordEmulator.dm_channel_rate_limit (10) per dm_channel_rate_window (1 s) per bot, a fifth
# of the global limit; like every bucket it is announced in the X-RateLimit headers, so a
# client that reads them waits instead of being answered 429.
_ROUTE_LIMITS = {
    ("POST", "/users/@me/channels"): ("dm_channel_rate_limit", "dm_channel_rate_window"),
}


def _exempt_from_global(route: _Route, params: dict[str, str], application_id: int) -> bool:
    """Interaction endpoints are not bound to the global rate limit (docs: topics/rate-limits
    "Global Rate Limit", interactions/receiving-and-responding "Endpoints"): the callback and
    the application's webhook routes with an interaction token (followups, @original)."""
    if route.template.startswith("/interactions/"):
        return True
    return route.template.startswith("/webhooks/") and params.get("webhook_id") == str(
        application_id
    )


class Router:
    """Matches API paths to handlers and applies Discord's cross-cutting behaviour."""

    RATE_LIMIT = 50
    RATE_WINDOW = 1.0

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self._routes: list[_Route] = []
        self._windows: dict[tuple[str, str], _Window] = {}
        self._global_windows: dict[str, _Window] = {}
        self.faults: list[Fault] = []

    def reset_windows(self) -> None:
        self._windows.clear()
        self._global_windows.clear()

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        """Register ``handler`` for ``METHOD /path/{param}`` (``{param}`` = one segment)."""
        regex = re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template))
        bucket = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:32]
        self._routes.append(_Route(method, template, regex, handler, auth, bucket))

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str], bool]:
        path_exists = False
        for route in self._routes:
            match = route.regex.fullmatch(path)
            if match is None:
                continue
            path_exists = True
            if route.method == method:
                return route, match.groupdict(), True
        return None, {}, path_exists

    # ------------------------------------------------------------- rate limits
    def _major(self, params: dict[str, str]) -> str:
        keys = ("channel_id", "guild_id", "webhook_id", "interaction_id", "token")
        return "+".join(params[k] for k in keys if k in params)

    def _global_retry_after(self, ctx: RequestContext, route: _Route) -> float:
        """Account the request against the bot's global limit; >0 when it is exceeded.

        Discord counts per bot token (per IP without one); interaction endpoints are exempt.
        """
        limit = self.emu.global_rate_limit
        if not limit or _exempt_from_global(route, ctx.params, self.emu.application_id):
            return 0.0
        now = time.monotonic()
        window_length = self.emu.global_rate_window
        who = ctx.request.headers.get("Authorization") or (ctx.request.remote or "")
        window = self._global_windows.get(who)
        if window is None or now - window.started >= window_length:
            window = self._global_windows[who] = _Window(now)
        if window.used >= limit:
            return max(0.001, window_length - (now - window.started))
        window.used += 1
        self.emu.global_requests += 1
        return 0.0

    def _ratelimit_headers(
        self, route: _Route, params: dict[str, str]
    ) -> tuple[dict[str, str], float]:
        """Account the request in its bucket; return headers and retry_after (>0 when exceeded)."""
        now = time.monotonic()
        limit, window_length = self.RATE_LIMIT, self.RATE_WINDOW
        own = _ROUTE_LIMITS.get((route.method, route.template))
        if own is not None:
            limit, window_length = getattr(self.emu, own[0]), getattr(self.emu, own[1])
        if len(self._windows) > 4096:
            self._windows = {
                k: w for k, w in self._windows.items() if now - w.started < self.RATE_WINDOW
            }
        key = (route.bucket, self._major(params))
        window = self._windows.get(key)
        if window is None or now - window.started >= window_length:
            window = self._windows[key] = _Window(now)
        window.used += 1
        reset_after = max(0.0, window_length - (now - window.started))
        remaining = max(0, limit - window.used)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": route.bucket,
        }
        exceeded = window.used > limit
        return headers, reset_after if exceeded else 0.0

    @staticmethod
    def _rate_limited(
        retry_after: float, bucket: str, *, global_: bool, scope: str
    ) -> web.Response:
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": scope,
        }
        if global_:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": global_,
            "code": 0,
        }
        return json_response(body, 429, headers)

    # ---------------------------------------------------------------- dispatch
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp entry point for everything under ``/api/v10``."""
        path = "/" + request.match_info["tail"]
        method = request.method
        route, params, path_exists = self._match(method, path)
        ctx = RequestContext(self.emu, request, path, params)
        response = await self._respond(ctx, route, path_exists)
        record = RecordedRequest(
            method, path, response.status, request.rel_url.query_string, ctx.recorded_body
        )
        self.emu.requests.append(record)
        if route is None:
            self.emu.unhandled_requests.append(record)
            log.warning("emulator: unhandled %s %s -> %s", method, path, response.status)
        else:
            log.debug("emulator: %s %s -> %s", method, path, response.status)
        return response

    async def _respond(
        self, ctx: RequestContext, route: _Route | None, path_exists: bool
    ) -> web.Response:
        if route is None:
            if path_exists:
                return json_response({"message": "405: Method Not Allowed", "code": 0}, 405)
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        if route.auth and ctx.request.headers.get("Authorization") != f"Bot {self.emu.token}":
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)

        for fault in self.faults:
            if fault.matches(ctx.method, ctx.path):
                fault.remaining -= 1
                fault.hits += 1
                if fault.kind == "rate_limit":
                    self.emu.rate_limited["injected"] += 1
                    scope = "global" if fault.global_ else "user"
                    return self._rate_limited(
                        fault.retry_after, route.bucket, global_=fault.global_, scope=scope
                    )
                return json_response(
                    {"message": f"{fault.status}: Injected Error", "code": 0}, fault.status
                )

        retry_after = self._global_retry_after(ctx, route)
        if retry_after > 0:
            self.emu.rate_limited["global"] += 1
            self.emu.violations.append(
                Violation("global_rate_limit", "global rate limit exceeded", ctx.method, ctx.path)
            )
            return self._rate_limited(retry_after, route.bucket, global_=True, scope="global")

        headers, retry_after = self._ratelimit_headers(route, ctx.params)
        if retry_after > 0:
            kind = "dm_channel" if route.template == "/users/@me/channels" else "route"
            self.emu.rate_limited[kind] += 1
            self.emu.violations.append(
                Violation("rate_limit", "bucket exhausted", ctx.method, ctx.path)
            )
            return self._rate_limited(retry_after, route.bucket, global_=False, scope="user")

        try:
            reply = await route.handler(ctx)
        except ApiError as exc:
            if exc.violation:
                self.emu.violations.append(
                    Violation(exc.violation, exc.describe(), ctx.method, ctx.path, exc.errors)
                )
                log.warning("emulator: %s %s refused: %s", ctx.method, ctx.path, exc.describe())
            return json_response(exc.body(), exc.status, headers)
        if reply.data is None:
            return web.Response(status=reply.status, headers=headers)
        return json_response(reply.data, reply.status, headers)
