"""The real bot wired to the local Discord emulator, for ``creatorbot demo`` and e2e tests.

Nothing here is a stand-in: the discord.py client, the services, the tracker and the SQLite
file are the ones ``creatorbot run`` uses; only Discord itself is the emulator.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import Runtime, Services, open_services
from bot.clock import Clock
from bot.config import load_settings
from emulators.discord import DiscordEmulator, EmulatorClock, point_discord_py_at

MANAGE_GUILD = 1 << 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cast:
    """The people and places of a test server."""

    guild: Any
    owner: Any
    manager: Any
    review: Any
    announcements: Any
    creator_role: Any
    manager_role: Any
    members: dict[str, Any] = field(default_factory=dict)


class LocalDiscord:
    """An emulator, a server with a cast, and the bot connected to it."""

    def __init__(
        self,
        database: Path,
        *,
        clock: Clock | None = None,
        emulator_clock: EmulatorClock | None = None,
        **settings: Any,
    ) -> None:
        self.database = database
        self.clock = clock
        self.emu = DiscordEmulator(clock=emulator_clock)
        self.settings = settings
        self.runtime: Runtime | None = None
        self._restore: Any = None
        self.cast: Cast | None = None
        self.port: int | None = None

    @property
    def services(self) -> Services:
        assert self.runtime is not None
        return self.runtime.services

    @property
    def tracker_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, populate: Callable[[Cast], object] | None = None) -> LocalDiscord:
        """Start the emulator, build the cast (and ``populate`` the server further, e.g. with
        thousands of members, before the bot connects), then connect the bot."""
        await self.emu.start()
        self._restore = point_discord_py_at(self.emu.api_base, self.emu.gateway_url)
        self.cast = self._build_cast()
        if populate is not None:
            populate(self.cast)
        await self.start_bot()
        return self

    def _build_cast(self) -> Cast:
        emu = self.emu
        owner = emu.create_user("brand-owner")
        guild = emu.create_guild("Brand HQ", owner)
        manager_role = guild.create_role("Program managers")
        creator_role = guild.create_role("Creators")
        manager = emu.create_user("mia-manager")
        guild.add_member(manager, roles=[], permissions=MANAGE_GUILD)
        review = guild.create_text_channel("creator-review")
        announcements = guild.create_text_channel("announcements")
        return Cast(guild, owner, manager, review, announcements, creator_role, manager_role)

    def add_member(self, name: str, locale: str = "en-US", roles: list[int] | None = None) -> Any:
        """A new server member (not a manager)."""
        assert self.cast is not None
        user = self.emu.create_user(name, locale=locale)
        self.cast.guild.add_member(user, roles=roles or [])
        self.cast.members[name] = user
        return user

    async def start_bot(self) -> None:
        """Open the services on the database and connect a fresh client.

        The tracker keeps one port across restarts, so links handed out stay valid.
        """
        if self.port is None:
            self.port = _free_port()
        config = load_settings(
            CREATORBOT_DATABASE_URL=f"sqlite:///{self.database}",
            CREATORBOT_HTTP_PORT=self.port,
            CREATORBOT_PUBLIC_URL=f"http://127.0.0.1:{self.port}",
            **self.settings,
        )
        services = await open_services(config, self.clock)
        # The emulator sends every guild at once; no need to wait for stragglers.
        self.runtime = Runtime(services, guild_ready_timeout=0.1)
        await self.runtime.start(self.emu.token)
        await asyncio.wait_for(self.runtime.bot.wait_until_ready(), 15)
        await self.emu.wait_until_connected()

    async def stop_bot(self) -> None:
        """Shut the bot down as SIGTERM would; the database and the emulator stay."""
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    async def restart_bot(self) -> None:
        await self.stop_bot()
        await self.start_bot()

    async def stop(self) -> None:
        await self.stop_bot()
        if self._restore is not None:
            self._restore()
        await self.emu.stop()

    async def __aenter__(self) -> LocalDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
