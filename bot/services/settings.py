"""Use case: read and change a server's program settings."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database
from bot.db.settings_repo import SettingsRepository
from bot.domain.settings import GuildSettings, apply_changes, changed_fields

log = logging.getLogger(__name__)

SettingsListener = Callable[[GuildSettings], Awaitable[None]]


class SettingsService:
    """Reads settings (cached per server) and applies ``/setup`` changes atomically."""

    def __init__(
        self, db: Database, repo: SettingsRepository, audit: AuditRepository, clock: Clock
    ) -> None:
        self._db = db
        self._repo = repo
        self._audit = audit
        self._clock = clock
        self._cache: dict[int, GuildSettings] = {}
        self._listeners: list[SettingsListener] = []

    def on_change(self, listener: SettingsListener) -> None:
        """Call ``listener(new_settings)`` after every committed change (e.g. to reschedule)."""
        self._listeners.append(listener)

    async def get(self, guild_id: int) -> GuildSettings:
        """The server's settings; the product defaults when it never ran ``/setup``."""
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        settings = await self._repo.get(self._db, guild_id) or GuildSettings(guild_id=guild_id)
        self._cache[guild_id] = settings
        return settings

    async def all_configured(self) -> list[GuildSettings]:
        """Every server that has stored settings."""
        return await self._repo.all(self._db)

    async def update(
        self, guild_id: int, actor_id: int, changes: dict[str, Any]
    ) -> tuple[GuildSettings, dict[str, Any]]:
        """Validate and store ``changes``; return the new settings and what changed.

        Raises :class:`~bot.errors.InvalidSetting` (and changes nothing) for a bad value.
        """
        async with self._db.transaction() as tx:
            current = await self._repo.get(tx, guild_id) or GuildSettings(guild_id=guild_id)
            updated = apply_changes(current, changes)
            changed = changed_fields(current, updated)
            if changed:
                now = to_epoch(self._clock.now())
                await self._repo.save(tx, updated, now)
                await self._audit.record(
                    tx,
                    guild_id=guild_id,
                    actor_id=actor_id,
                    action="settings.update",
                    subject=f"guild:{guild_id}",
                    detail=changed,
                    now=now,
                )
        self._cache[guild_id] = updated
        if changed:
            log.info("settings of guild %s changed: %s", guild_id, ", ".join(sorted(changed)))
            for listener in self._listeners:
                try:
                    await listener(updated)
                except Exception:
                    log.exception("settings listener failed for guild %s", guild_id)
        return updated, changed
