"""The public :class:`DiscordEmulator`: server lifecycle, gateway, world building, records and
fault injection (message bookkeeping lives in ``_messages``, the user actions in ``_actions``)."""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import secrets
from collections import Counter
from typing import Any

from aiohttp import web

from emulators._base import LoopbackServer

from ._actions import UserActions
from ._clock import EmulatorClock
from ._commands import CommandRegistry
from ._constants import DEFAULT_ATTACHMENT_SIZE_LIMIT, ChannelType, Intent, Perm
from ._driver import InteractionDriver
from ._errors import EmulatorError, EmulatorTimeout
from ._gateway import Gateway
from ._http import Fault, Router
from ._interactions import Interaction
from ._messages import MessageStore
from ._records import Attachment, Message, RecordedRequest, RoleChange, Violation
from ._rest import register_core_routes
from ._state import Channel, Guild, Member, Role, SnowflakeGenerator, User
from ._webhooks import register_webhook_routes

log = logging.getLogger(__name__)

__all__ = ["DiscordEmulator"]

# Discord's documented global rate limit: 50 requests per second per bot (topics/rate-limits).
GLOBAL_RATE_LIMIT = 50
# Create DM has no documented limit; see _http._ROUTE_LIMITS for the modelled bucket.
DM_CHANNEL_RATE_LIMIT = 10

_APPLICATION_FLAGS = (1 << 13) | (1 << 15) | (1 << 19) | (1 << 23)


class DiscordEmulator(MessageStore, UserActions):
    """A local Discord API (REST v10 + gateway) for the real discord.py client.

    Typical use::

        emu = DiscordEmulator()
        await emu.start()
        restore = point_discord_py_at(emu.api_base, emu.gateway_url)
        guild = emu.create_guild("Brand HQ")
        ...  # start the bot with emu.token, then drive it with emu.invoke/click/...
        await emu.stop()

    Everything the bot does is recorded (``messages``, ``dms``, ``role_changes``,
    ``requests``) and every Discord limit it breaks is answered with Discord's
    real error and recorded in ``violations``.
    """

    def __init__(
        self,
        clock: EmulatorClock | None = None,
        bot_name: str = "creatorbot",
        *,
        attachment_size_limit: int = DEFAULT_ATTACHMENT_SIZE_LIMIT,
        heartbeat_interval_ms: int = 41_250,
        global_rate_limit: int | None = GLOBAL_RATE_LIMIT,
        dm_channel_rate_limit: int = DM_CHANNEL_RATE_LIMIT,
    ) -> None:
        self.clock = clock or EmulatorClock()
        self._snowflakes = SnowflakeGenerator()
        self.application_id: int = self._snowflakes.next()
        self.bot_user = User(id=self.application_id, name=bot_name, bot=True)
        encoded_id = base64.b64encode(str(self.application_id).encode()).decode().rstrip("=")
        self.token: str = f"{encoded_id}.{secrets.token_urlsafe(5)}.{secrets.token_urlsafe(27)}"
        self.application_flags = _APPLICATION_FLAGS
        self.allowed_privileged_intents = Intent.PRIVILEGED
        # Discord hides commands whose default_member_permissions the member lacks, unless a
        # server admin grants the command to a role or member under Server Settings >
        # Integrations: see allow_command(). Set False to skip the check entirely.
        self.enforce_command_permissions = True
        self.command_grants: dict[tuple[int, str], set[int]] = {}
        self.attachment_size_limit = attachment_size_limit
        # Discord's global limit: requests per window per bot token, interaction endpoints
        # excepted (None or 0 turns it off). Exceeding it answers the global 429.
        self.global_rate_limit = global_rate_limit
        self.global_rate_window = 1.0
        # Requests counted against the global limit (answered, not refused), for benchmarks.
        self.global_requests = 0
        # Create DM (POST /users/@me/channels): undocumented, modelled as a conservative
        # per-route bucket (see _http._ROUTE_LIMITS).
        self.dm_channel_rate_limit = dm_channel_rate_limit
        self.dm_channel_rate_window = 1.0
        # 429s answered, by kind: "global", "route", "dm_channel", "injected".
        self.rate_limited: Counter[str] = Counter()
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.app_owner_id = 0
        self.presence: Any = None

        self._users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self._guilds: dict[int, Guild] = {}
        self._channels: dict[int, Channel] = {}
        self._dm_channels: dict[int, Channel] = {}
        self._closed_dms: set[int] = set()
        self._messages: dict[int, Message] = {}
        self._channel_messages: dict[int, list[Message]] = {}
        self._attachments: dict[int, Attachment] = {}
        self._commands = CommandRegistry(self._snowflakes, self.application_id)

        self.role_changes: list[RoleChange] = []
        self.requests: list[RecordedRequest] = []
        self.unhandled_requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.identified_intents: list[int] = []

        self._gateway = Gateway(self)
        self._router = Router(self)
        register_core_routes(self._router, self)
        register_webhook_routes(self._router, self)
        self._driver = InteractionDriver(self)
        self._server: LoopbackServer | None = None
        self.port: int | None = None

    # ------------------------------------------------------------------ server
    async def start(self) -> None:
        """Bind the HTTP + websocket server on 127.0.0.1 (random free port)."""
        if self._server is not None:
            raise EmulatorError("emulator already started")
        app = web.Application(client_max_size=self.attachment_size_limit * 4 + 8 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway.handle)
        app.router.add_get("/gateway/", self._gateway.handle)
        app.router.add_get(
            "/attachments/{channel_id}/{attachment_id}/{filename}", self._serve_attachment
        )
        app.router.add_route("*", "/api/v10/{tail:.*}", self._router.handle)
        server = LoopbackServer(app)
        await server.start()
        self._server = server
        self.port = server.port
        log.info("Discord emulator listening on %s", self.api_base)

    async def stop(self) -> None:
        """Close all gateway connections and shut the server down.

        Close the bot first: a client still running when the emulator stops
        will try to reconnect and log connection errors.
        """
        await self._gateway.shutdown()
        if self._server is not None:
            await self._server.stop()
            self._server = None
        log.info("Discord emulator stopped")

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _require_port(self) -> int:
        if self.port is None:
            raise EmulatorError("emulator not started; await emu.start() first")
        return self.port

    @property
    def base_url(self) -> str:
        """Root URL of the server, e.g. ``http://127.0.0.1:PORT`` (attachments live here)."""
        return f"http://127.0.0.1:{self._require_port()}"

    @property
    def api_base(self) -> str:
        """REST base URL, e.g. ``http://127.0.0.1:PORT/api/v10``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Gateway URL without query, e.g. ``ws://127.0.0.1:PORT/gateway``."""
        return f"ws://127.0.0.1:{self._require_port()}/gateway"

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        attachment = self._attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None or attachment.filename != request.match_info["filename"]:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=attachment.content, content_type=attachment.content_type)

    # ------------------------------------------------------------------ gateway
    async def wait_until_connected(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - public API takes a timeout
        """Wait until a client is identified (READY and GUILD_CREATEs sent) or resumed."""
        try:
            await asyncio.wait_for(self._gateway.connected_event.wait(), timeout)
        except TimeoutError:
            raise EmulatorTimeout(f"no gateway client connected within {timeout}s") from None

    def disconnect_clients(self, code: int = 4000, *, resumable: bool = True) -> asyncio.Task[None]:
        """Close every gateway connection with ``code``.

        With the default 4000 discord.py reconnects and RESUMEs (missed events
        are replayed). ``resumable=False`` forgets the sessions so a reconnect
        gets INVALID_SESSION and identifies again. Returns a task you may await.
        """
        return asyncio.get_running_loop().create_task(
            self._gateway.disconnect(code, resumable=resumable)
        )

    @property
    def connected(self) -> bool:
        """Whether at least one client is connected to the gateway."""
        return bool(self._gateway.live_sessions())

    @property
    def connection_count(self) -> int:
        """How many times a client identified (new sessions, not resumes)."""
        return self._gateway.identify_count

    def _dispatch_world(
        self,
        event: str,
        payload: dict[str, Any],
        *,
        guild_id: int | None = None,
        intent: int | None = None,
    ) -> None:
        """Dispatch a world change (guild events need the GUILDS intent)."""
        if guild_id is not None and intent is None:
            intent = Intent.GUILDS
        self._gateway.dispatch(event, payload, intent=intent)

    def _dispatch_member_update(self, guild: Guild, member: Member) -> None:
        payload = member.to_payload()
        payload["guild_id"] = str(guild.id)
        self._gateway.dispatch("GUILD_MEMBER_UPDATE", payload, intent=Intent.GUILD_MEMBERS)

    def _dispatch_guild_create(self, guild: Guild) -> None:
        for session in list(self._gateway.sessions.values()):
            if session.resumable and session.wants(Intent.GUILDS):
                members = session.wants(Intent.GUILD_MEMBERS)
                session.dispatch("GUILD_CREATE", guild.to_payload(include_all_members=members))

    # ----------------------------------------------------------- world building
    def create_user(
        self, name: str, locale: str = "en-US", *, bot: bool = False, global_name: str | None = None
    ) -> User:
        """Create a user (not yet in any guild)."""
        user = User(
            id=self._snowflakes.next(), name=name, locale=locale, bot=bot, global_name=global_name
        )
        self._users[user.id] = user
        return user

    def create_guild(
        self,
        name: str,
        owner: User | None = None,
        *,
        preferred_locale: str = "en-US",
        bot_permissions: int = Perm.DEFAULT_BOT,
        everyone_permissions: int = Perm.DEFAULT_EVERYONE,
        default_channel: str | None = "general",
    ) -> Guild:
        """Create a guild the bot is a member of; dispatches ``GUILD_CREATE``.

        The guild gets an @everyone role (id == guild id), the bot's managed
        role (``guild.bot_role``, with ``bot_permissions``), an owner (created
        when ``owner`` is None) and a ``#general`` text channel.
        """
        if owner is None:
            owner = self.create_user(f"{name} owner")
        guild = Guild(
            self, self._snowflakes.next(), name, owner.id, preferred_locale=preferred_locale
        )
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", everyone_permissions, 0)
        bot_role = guild._insert_role(
            self.bot_user.name, bot_permissions, 1, managed=True, bot_id=self.bot_user.id
        )
        guild.bot_role_id = bot_role.id
        guild.members[owner.id] = Member(guild.id, owner)
        guild.members[self.bot_user.id] = Member(guild.id, self.bot_user, [bot_role.id])
        if default_channel:
            guild._new_channel(default_channel, ChannelType.GUILD_TEXT)
        self._guilds[guild.id] = guild
        self._dispatch_guild_create(guild)
        return guild

    def user(self, user_id: int | User) -> User:
        """Look up a user by id (raises :class:`EmulatorError` if unknown)."""
        key = int(getattr(user_id, "id", user_id))
        try:
            return self._users[key]
        except KeyError:
            raise EmulatorError(f"unknown user {key}") from None

    def guild(self, guild_id: int | Guild) -> Guild:
        """Look up a guild by id."""
        key = int(getattr(guild_id, "id", guild_id))
        try:
            return self._guilds[key]
        except KeyError:
            raise EmulatorError(f"unknown guild {key}") from None

    def guilds(self) -> list[Guild]:
        return list(self._guilds.values())

    def channel(self, channel_id: int | Channel) -> Channel:
        """Look up a guild or DM channel by id."""
        key = int(getattr(channel_id, "id", channel_id))
        try:
            return self._channels[key]
        except KeyError:
            raise EmulatorError(f"unknown channel {key}") from None

    def close_dms(self, user_id: int | User) -> None:
        """Make the user refuse DMs: sending to their DM answers 403 code 50007."""
        self._closed_dms.add(self.user(user_id).id)

    def open_dms(self, user_id: int | User) -> None:
        """Undo :meth:`close_dms`."""
        self._closed_dms.discard(self.user(user_id).id)

    def dm_channel(self, user_id: int | User) -> Channel:
        """The DM channel between the bot and the user (created on demand)."""
        return self._dm_channel(self.user(user_id).id)

    def _dm_channel(self, user_id: int) -> Channel:
        channel = self._dm_channels.get(user_id)
        if channel is None:
            channel = Channel(
                id=self._snowflakes.next(),
                type=ChannelType.DM,
                name=None,
                recipient_id=user_id,
                _emu=self,
            )
            self._dm_channels[user_id] = channel
            self._channels[channel.id] = channel
        return channel

    def _can_dm(self, user_id: int) -> bool:
        if user_id in self._closed_dms or user_id == self.bot_user.id:
            return False
        return any(user_id in g.members for g in self._guilds.values())

    def send_user_message(
        self, user_id: int | User, channel_id: int | Channel, content: str, **fields: Any
    ) -> Message:
        """Post a message as a user (not the bot); dispatches ``MESSAGE_CREATE``."""
        user = self.user(user_id)
        channel = self.channel(channel_id)
        payload = {"content": content, **fields}
        return self._create_message(channel.id, payload, [], author_id=user.id, flags=0)

    # ----------------------------------------------------------------- records
    def messages(
        self, channel_id: int | Channel, *, include_ephemeral: bool = False
    ) -> list[Message]:
        """Messages currently in a channel (oldest first, deleted ones excluded).

        Ephemeral interaction responses are only included with
        ``include_ephemeral=True``; they are always reachable via the
        interaction record (``it.message`` / ``it.followups``).
        """
        key = int(getattr(channel_id, "id", channel_id))
        return [
            m
            for m in self._channel_messages.get(key, [])
            if not m.deleted and (include_ephemeral or not m.ephemeral)
        ]

    def dms(self, user_id: int | User) -> list[Message]:
        """Messages the bot sent to the user's DM channel."""
        key = int(getattr(user_id, "id", user_id))
        channel = self._dm_channels.get(key)
        if channel is None:
            return []
        return [m for m in self.messages(channel.id) if m.author_id == self.bot_user.id]

    def get_message(self, message_id: int | Message) -> Message:
        """Look up any stored message by id (including deleted/ephemeral ones)."""
        key = int(getattr(message_id, "id", message_id))
        try:
            return self._messages[key]
        except KeyError:
            raise EmulatorError(f"unknown message {key}") from None

    def allow_command(
        self,
        guild_id: int | Guild,
        command: str,
        *,
        role_id: int | None = None,
        user_id: int | User | None = None,
    ) -> None:
        """Grant a command to a role or member, as a server admin does under Integrations.

        Such a grant lets members without the command's ``default_member_permissions`` see
        and run it; the bot's own run-time checks are then all that stands in the way.
        Granting to the @everyone role (its id is the guild id) opens it to every member.
        """
        key = (int(getattr(guild_id, "id", guild_id)), command.split()[0])
        target = role_id if role_id is not None else int(getattr(user_id, "id", user_id))
        self.command_grants.setdefault(key, set()).add(int(target))

    def member_roles(self, guild_id: int | Guild, user_id: int | User) -> set[int]:
        """Role ids of a member (without @everyone)."""
        guild = self.guild(guild_id)
        member = guild.members.get(int(getattr(user_id, "id", user_id)))
        if member is None:
            raise EmulatorError(f"user {user_id} is not a member of {guild.name}")
        return set(member.roles)

    def commands(self, guild_id: int | Guild | None = None) -> list[dict[str, Any]]:
        """Registered application commands (global when ``guild_id`` is None)."""
        key = None if guild_id is None else int(getattr(guild_id, "id", guild_id))
        return self._commands.list(key)

    @property
    def interactions(self) -> list[Interaction]:
        """Every interaction the emulator dispatched, oldest first."""
        return list(self._driver.by_id.values())

    def assert_no_violations(self) -> None:
        """Raise AssertionError listing every limit violation the bot committed."""
        if self.violations:
            lines = "\n".join(f"  - {v}" for v in self.violations)
            raise AssertionError(f"{len(self.violations)} Discord limit violation(s):\n{lines}")

    # ------------------------------------------------------------ fault injection
    def inject_rate_limit(
        self,
        method: str | None = "POST",
        path_pattern: str = r".*",
        count: int = 1,
        retry_after: float = 0.2,
        global_: bool = False,
    ) -> Fault:
        """Answer the next ``count`` matching requests with a 429 (with ``Via`` header).

        ``path_pattern`` is a regex matched (fullmatch) against the path after
        ``/api/v10``, e.g. ``r"/channels/\\d+/messages"``. ``method`` None/"*" matches any.
        """
        fault = Fault(
            "rate_limit", method, re.compile(path_pattern), count, 429, retry_after, global_
        )
        self._router.faults.append(fault)
        return fault

    def reset_rate_limits(self) -> None:
        """Start every rate-limit window afresh (after changing a limit in a test)."""
        self._router.reset_windows()

    def inject_error(
        self, method: str | None, path_pattern: str, status: int = 500, count: int = 1
    ) -> Fault:
        """Answer the next ``count`` matching requests with HTTP ``status`` (e.g. 500, 502)."""
        fault = Fault("error", method, re.compile(path_pattern), count, status)
        self._router.faults.append(fault)
        return fault
