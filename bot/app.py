"""Wiring: build the services once, then run the Discord client, the tracker and the
schedule together on one event loop."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database
from bot.db.migrate import migrate
from bot.db.settings_repo import SettingsRepository
from bot.metrics import Metrics
from bot.schedule import Schedule
from bot.services.settings import SettingsService
from bot.web.app import create_app

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The one set of service objects shared by the cogs, the tracker and the schedule."""

    config: Settings
    clock: Clock
    db: Database
    metrics: Metrics
    schedule: Schedule
    audit: AuditRepository
    settings: SettingsService


async def open_services(config: Settings, clock: Clock | None = None) -> Services:
    """Connect the database, apply migrations and build every service."""
    clock = clock or SystemClock()
    db = await Database(config.database_path).connect()
    try:
        await migrate(db, clock)
    except BaseException:
        await db.close()
        raise
    audit = AuditRepository()
    return Services(
        config=config,
        clock=clock,
        db=db,
        metrics=Metrics(),
        schedule=Schedule(config.sweep_seconds),
        audit=audit,
        settings=SettingsService(db, SettingsRepository(), audit, clock),
    )


class Runtime:
    """One process: the discord.py client, the aiohttp tracker and the scheduler."""

    def __init__(self, services: Services, *, sync_commands: bool = True) -> None:
        from bot.client import CreatorBot  # discord is only imported where it is used

        self.services = services
        self.bot = CreatorBot(services, sync_commands=sync_commands)
        self._runner: web.AppRunner | None = None
        self._bot_task: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start_http(self) -> None:
        config = self.services.config
        self._runner = web.AppRunner(create_app(self.services), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, config.http_host, config.http_port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else config.http_port
        log.info("tracker listening on http://%s:%s", config.http_host, self.port)

    async def start(self, token: str) -> asyncio.Task[None]:
        """Start all three parts; return the client task (it ends when the client stops)."""
        await self.start_http()
        self.services.schedule.start()
        self._bot_task = asyncio.create_task(self.bot.start(token), name="discord-client")
        return self._bot_task

    async def stop(self) -> None:
        """Stop the client, the schedule and the tracker, then close the database."""
        if not self.bot.is_closed():
            await self.bot.close()
        if self._bot_task is not None:
            try:
                await self._bot_task
            except Exception:
                log.debug("client task ended with an error during shutdown", exc_info=True)
        self.services.schedule.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.services.db.close()
