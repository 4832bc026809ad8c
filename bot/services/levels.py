"""Use case: levels (``/level create|list|delete``) and the sweep that promotes creators.

The sweep reads every active creator's standing in one query, decides the changes in
:func:`bot.domain.levels.decide_changes` and records each one under the creator's next
epoch (``UNIQUE (creator_id, epoch)``) together with its audit entry, in one transaction: a
promotion happens once, however many sweeps or processes run. From then on
:class:`~bot.services.conversions.ConversionService` prices the creator's sales at the
level's rate. The Discord side (role, DM) reads the changes not yet synced and marks them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database
from bot.db.levels_repo import ChangeToSync, LevelRepository
from bot.domain.commission import InvalidPlan, parse_rate
from bot.domain.levels import (
    MAX_LEVELS,
    WINDOW_DAYS,
    Direction,
    InvalidLevel,
    Level,
    LevelChange,
    decide_changes,
    parse_basis,
    parse_threshold,
)
from bot.domain.notices import Notice, level_reached
from bot.errors import CreatorbotError
from bot.services.settings import SettingsService

log = logging.getLogger(__name__)

SYNC_BATCH = 200


@dataclass(frozen=True)
class LevelOverview:
    """What ``/level list`` shows."""

    levels: list[Level]
    demote: bool
    currency: str


@dataclass(frozen=True)
class LevelSync:
    """One recorded change for the Discord side: the roles to take and give, and the DM."""

    change_id: int
    guild_id: int
    user_id: int | None
    locale: str
    direction: Direction
    level: Level | None  # the level reached (None: demoted below every level)
    remove_role_id: int | None
    add_role_id: int | None
    notice: Notice | None  # a promotion is told; a demotion is not


class LevelService:
    def __init__(
        self,
        db: Database,
        repo: LevelRepository,
        audit: AuditRepository,
        settings: SettingsService,
        clock: Clock,
    ) -> None:
        self._db = db
        self._repo = repo
        self._audit = audit
        self._settings = settings
        self._clock = clock

    async def create(
        self,
        guild_id: int,
        actor_id: int,
        *,
        name: str,
        basis: str,
        threshold: str,
        rate: str,
        role_id: int | None = None,
        demote: bool | None = None,
    ) -> Level:
        """Validate and store a level; ``demote`` (when given) sets the server's choice."""
        settings = await self._settings.get(guild_id)
        name = " ".join(name.split())[:40]
        if not name:
            raise InvalidLevel(problem="name", value="")
        level_basis = parse_basis(basis)
        threshold_value = parse_threshold(threshold, level_basis, settings.currency)
        try:
            rate_bp = parse_rate(rate)
        except InvalidPlan:
            raise InvalidLevel(problem="rate", value=str(rate)[:40]) from None
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if len(await self._repo.levels(tx, guild_id)) >= MAX_LEVELS:
                raise InvalidLevel(problem="too_many", value=str(MAX_LEVELS))
            level_id = await self._repo.insert_level(
                tx,
                guild_id=guild_id,
                name=name,
                basis=level_basis,
                threshold=threshold_value,
                rate_bp=rate_bp,
                role_id=role_id,
                actor_id=actor_id,
                now=now,
            )
            if level_id is None:
                raise CreatorbotError("levels.exists", name=name)
            if demote is not None:
                await self._repo.set_demote(tx, guild_id, demote)
            detail = {
                "name": name,
                "basis": level_basis.value,
                "threshold": threshold_value,
                "rate_bp": rate_bp,
                "role_id": role_id,
                "demote": demote,
            }
            await self._audit.record(
                tx,
                guild_id=guild_id,
                actor_id=actor_id,
                action="level.create",
                subject=f"level:{level_id}",
                detail=detail,
                now=now,
            )
            level = await self._repo.level(tx, level_id)
        assert level is not None
        return level

    async def overview(self, guild_id: int) -> LevelOverview:
        """The server's levels, lowest first, and whether creators are demoted."""
        settings = await self._settings.get(guild_id)
        return LevelOverview(
            levels=await self._repo.levels(self._db, guild_id),
            demote=await self._repo.demote(self._db, guild_id),
            currency=settings.currency,
        )

    async def delete(self, guild_id: int, actor_id: int, name: str) -> Level:
        """Delete a level; the next sweep moves its creators to the level they reach now."""
        level = await self._repo.level_by_name(self._db, guild_id, name)
        if level is None:
            raise CreatorbotError("levels.unknown", name=name[:40])
        now = to_epoch(self._clock.now())
        async with self._db.transaction() as tx:
            if await self._repo.delete_level(tx, level.id, now):
                await self._audit.record(
                    tx,
                    guild_id=guild_id,
                    actor_id=actor_id,
                    action="level.delete",
                    subject=f"level:{level.id}",
                    detail={"name": level.name},
                    now=now,
                )
        return level

    async def level_of(self, creator_id: int) -> Level | None:
        return await self._repo.level_of(self._db, creator_id)

    async def sweep(self) -> list[LevelChange]:
        """Promote (and where chosen, demote) every active creator; return the changes made.

        One query for all creators; each change is claimed under the creator's next epoch,
        so a change another process made first is skipped.
        """
        now = self._clock.now()
        since = to_epoch(now - timedelta(days=WINDOW_DAYS))
        levels = await self._repo.levels_for_sweep(self._db)
        if not levels:
            return []
        standings = await self._repo.standings(self._db, since)
        demote = await self._repo.demote_by_guild(self._db)
        changes = decide_changes(levels, standings, demote)
        if not changes:
            return []
        made = []
        stamp = to_epoch(now)
        async with self._db.transaction() as tx:
            for change in changes:
                change_id = await self._repo.record_change(tx, change, stamp)
                if change_id is None:
                    continue
                made.append(change)
                await self._audit.record(
                    tx,
                    guild_id=change.guild_id,
                    actor_id=None,
                    action=f"level.{'promote' if change.direction is Direction.UP else 'demote'}",
                    subject=f"creator:{change.creator_id}",
                    detail={
                        "from": change.from_level.name if change.from_level else None,
                        "to": change.to_level.name if change.to_level else None,
                        "epoch": change.epoch,
                    },
                    now=stamp,
                )
        log.info("level sweep: %d changes", len(made))
        return made

    async def to_sync(self, limit: int = SYNC_BATCH) -> list[LevelSync]:
        """Recorded changes whose roles and DM are not done yet, oldest first."""
        return [_sync(row) for row in await self._repo.changes_to_sync(self._db, limit)]

    async def mark_synced(self, change_id: int) -> None:
        async with self._db.transaction() as tx:
            await self._repo.mark_synced(tx, change_id, to_epoch(self._clock.now()))


def _sync(row: ChangeToSync) -> LevelSync:
    old_role = row.from_level.role_id if row.from_level else None
    new_role = row.to_level.role_id if row.to_level else None
    direction = Direction(row.direction)
    notice = None
    if direction is Direction.UP and row.to_level is not None and row.user_id is not None:
        notice = level_reached(
            row.guild_id, row.user_id, row.creator_id, row.to_level.id, row.epoch
        )
    return LevelSync(
        change_id=row.id,
        guild_id=row.guild_id,
        user_id=row.user_id,
        locale=row.locale,
        direction=direction,
        level=row.to_level,
        remove_role_id=old_role if old_role != new_role else None,
        add_role_id=new_role,
        notice=notice,
    )
