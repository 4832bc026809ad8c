"""The emulated gateway websocket (v10, JSON encoding, optional zlib-stream transport)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from ._constants import API_VERSION, Intent, Op

if TYPE_CHECKING:
    from ._emulator import DiscordEmulator

log = logging.getLogger(__name__)

__all__ = ["Gateway", "GatewaySession"]

_REPLAY_BUFFER = 2000


class _Connection:
    """One websocket connection; frames are written in order by a single writer task."""

    def __init__(self, ws: web.WebSocketResponse, compression: str | None) -> None:
        self.ws = ws
        self.compression = compression if compression == "zlib-stream" else None
        self._compressor = zlib.compressobj() if self.compression else None
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name="emulator-gateway-writer")
        self.closed = False
        self.closed_by_server = False

    def send(self, payload: dict[str, Any] | str) -> None:
        if self.closed:
            return
        frame = payload if isinstance(payload, str) else json.dumps(payload)
        self._queue.put_nowait(frame)

    async def flush(self) -> None:
        """Wait until every queued frame was handed to the socket."""
        if not self.closed:
            await self._queue.join()

    async def _write_loop(self) -> None:
        while True:
            frame = await self._queue.get()
            try:
                if frame is None:
                    return
                if self.closed or self.ws.closed:
                    continue
                if self._compressor is not None:
                    data = self._compressor.compress(frame.encode()) + self._compressor.flush(
                        zlib.Z_SYNC_FLUSH
                    )
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError) as exc:
                log.debug("emulator gateway: write failed: %s", exc)
                self.closed = True
            finally:
                self._queue.task_done()

    async def close(self, code: int = 1000, message: str = "") -> None:
        """Flush pending frames, then close the socket with ``code``."""
        self.closed_by_server = True
        if not self.closed:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.flush(), 2.0)
        self.closed = True
        if not self.ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(code=code, message=message.encode()), 2.0)

    async def stop(self) -> None:
        self.closed = True
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(self._writer, 2.0)


class GatewaySession:
    """An identified gateway session. It survives its connection and can be RESUMEd."""

    def __init__(self, session_id: str, intents: int, shard: list[int] | None) -> None:
        self.session_id = session_id
        self.intents = intents
        self.shard = shard
        self.seq = 0
        self.connection: _Connection | None = None
        self.resumable = True
        self._buffer: deque[tuple[int, str]] = deque(maxlen=_REPLAY_BUFFER)

    @property
    def connected(self) -> bool:
        return self.connection is not None and not self.connection.closed

    def wants(self, intent: int | None) -> bool:
        return intent is None or bool(self.intents & intent)

    def dispatch(self, event: str, data: Any) -> None:
        """Queue a DISPATCH (op 0) with the next sequence number."""
        self.seq += 1
        frame = json.dumps({"op": Op.DISPATCH, "t": event, "s": self.seq, "d": data})
        self._buffer.append((self.seq, frame))
        if self.connection is not None:
            self.connection.send(frame)

    def replay_after(self, seq: int) -> None:
        assert self.connection is not None
        for number, frame in self._buffer:
            if number > seq:
                self.connection.send(frame)

    async def flush(self) -> None:
        if self.connection is not None:
            await self.connection.flush()


class Gateway:
    """Serves ``/gateway`` and keeps the sessions of connected clients."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.sessions: dict[str, GatewaySession] = {}
        self._connections: set[_Connection] = set()
        self.connected_event = asyncio.Event()
        self.identify_count = 0
        self.connection_log: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ helpers
    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.connected]

    def dispatch(self, event: str, data: Any, *, intent: int | None = None) -> None:
        """Send an event to every session (buffered for disconnected resumable ones)."""
        for session in list(self.sessions.values()):
            if session.resumable and session.wants(intent):
                session.dispatch(event, data)

    async def flush(self) -> None:
        for session in self.live_sessions():
            await session.flush()

    async def disconnect(self, code: int = 4000, *, resumable: bool = True) -> None:
        """Close every client connection with ``code`` (4000 lets discord.py RESUME)."""
        for session in self.sessions.values():
            if not resumable:
                session.resumable = False
        for conn in list(self._connections):
            await conn.close(code, "Disconnected by the emulator")
        if not resumable:
            self.sessions.clear()
        self._update_connected()

    async def shutdown(self) -> None:
        for conn in list(self._connections):
            await conn.close(1001, "Emulator shutting down")
            await conn.stop()
        self._connections.clear()
        self.sessions.clear()
        self._update_connected()

    def _update_connected(self) -> None:
        if not self.live_sessions():
            self.connected_event.clear()

    # ----------------------------------------------------------------- handler
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for the websocket endpoint."""
        ws = web.WebSocketResponse(max_msg_size=0, autoclose=True)
        await ws.prepare(request)
        query = request.rel_url.query
        conn = _Connection(ws, query.get("compress"))
        self._connections.add(conn)
        self.connection_log.append({"query": dict(query), "compression": conn.compression})
        log.debug("emulator gateway: connection opened (%s)", dict(query))
        session: GatewaySession | None = None
        try:
            if query.get("v", str(API_VERSION)) != str(API_VERSION):
                await conn.close(4012, "Invalid API version")
                return ws
            if query.get("encoding", "json") != "json":
                await conn.close(4002, "Decode error")
                return ws
            conn.send(
                {
                    "op": Op.HELLO,
                    "s": None,
                    "t": None,
                    "d": {"heartbeat_interval": self.emu.heartbeat_interval_ms},
                }
            )
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    packet = json.loads(msg.data)
                    op = packet["op"]
                except (ValueError, KeyError, TypeError):
                    await conn.close(4002, "Decode error")
                    break
                session = await self._on_packet(conn, session, op, packet.get("d"))
                if conn.closed:
                    break
        finally:
            self._connections.discard(conn)
            if session is not None and session.connection is conn:
                session.connection = None
                if not conn.closed_by_server and ws.close_code in (1000, 1001):
                    # A clean client close ends the session; Discord won't let it RESUME.
                    session.resumable = False
                    self.sessions.pop(session.session_id, None)
            await conn.stop()
            self._update_connected()
            log.debug("emulator gateway: connection closed (code %s)", ws.close_code)
        return ws

    async def _on_packet(
        self, conn: _Connection, session: GatewaySession | None, op: int, data: Any
    ) -> GatewaySession | None:
        if op == Op.HEARTBEAT:
            conn.send({"op": Op.HEARTBEAT_ACK, "s": None, "t": None, "d": None})
            return session
        if op == Op.IDENTIFY:
            if session is not None:
                await conn.close(4005, "Already authenticated")
                return session
            return await self._identify(conn, data or {})
        if op == Op.RESUME:
            if session is not None:
                await conn.close(4005, "Already authenticated")
                return session
            return await self._resume(conn, data or {})
        if session is None:
            await conn.close(4003, "Not authenticated")
            return None
        if op == Op.PRESENCE_UPDATE:
            self.emu.presence = data
        elif op == Op.REQUEST_GUILD_MEMBERS:
            self._members_chunk(session, data or {})
        elif op == Op.VOICE_STATE_UPDATE:
            pass
        else:
            await conn.close(4001, "Unknown opcode")
        return session

    def _token_ok(self, token: Any) -> bool:
        return token in (self.emu.token, f"Bot {self.emu.token}")

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> GatewaySession | None:
        if not self._token_ok(data.get("token")):
            await conn.close(4004, "Authentication failed.")
            return None
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.close(4013, "Invalid intent(s).")
            return None
        if intents & Intent.PRIVILEGED & ~self.emu.allowed_privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return None
        shard = data.get("shard")
        if shard is not None and (len(shard) != 2 or not 0 <= shard[0] < shard[1]):
            await conn.close(4010, "Invalid shard.")
            return None
        session = GatewaySession(secrets.token_hex(16), intents, shard)
        session.connection = conn
        self.sessions[session.session_id] = session
        self.identify_count += 1
        self.emu.identified_intents.append(intents)
        log.info("emulator gateway: client identified (intents=%s)", intents)
        session.dispatch("READY", self._ready_payload(session))
        members = bool(intents & Intent.GUILD_MEMBERS)
        for guild in self.emu.guilds():
            payload = guild.to_payload(include_all_members=members)
            payload["unavailable"] = False
            session.dispatch("GUILD_CREATE", payload)
        await session.flush()
        self.connected_event.set()
        return session

    def _ready_payload(self, session: GatewaySession) -> dict[str, Any]:
        user = self.emu.bot_user.to_payload()
        user.update({"verified": True, "mfa_enabled": False, "flags": 0, "email": None})
        payload: dict[str, Any] = {
            "v": API_VERSION,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.emu.guilds()],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.emu.gateway_url,
            "application": {
                "id": str(self.emu.application_id),
                "flags": self.emu.application_flags,
            },
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "user_settings": {},
        }
        if session.shard is not None:
            payload["shard"] = session.shard
        return payload

    async def _resume(self, conn: _Connection, data: dict[str, Any]) -> GatewaySession | None:
        if not self._token_ok(data.get("token")):
            await conn.close(4004, "Authentication failed.")
            return None
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or not session.resumable:
            log.info("emulator gateway: RESUME of unknown session, invalidating")
            conn.send({"op": Op.INVALID_SESSION, "s": None, "t": None, "d": False})
            return None
        old = session.connection
        session.connection = conn
        if old is not None and old is not conn:
            await old.close(4000, "Session resumed elsewhere")
        session.replay_after(int(data.get("seq") or 0))
        session.dispatch("RESUMED", {})
        await session.flush()
        self.connected_event.set()
        log.info("emulator gateway: session %s resumed", session.session_id)
        return session

    def _members_chunk(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild = self.emu._guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if m.id in wanted]
        elif data.get("query"):
            prefix = str(data["query"]).lower()
            members = [m for m in members if m.name.lower().startswith(prefix)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        payload: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce"):
            payload["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", payload)
