"""Use case: every creator's code exists in every connected shop, in the state the creator's
status asks for.

A code is created in each shop through that shop's client (:mod:`bot.shops.codes`), and the
shop's id for it is kept, so pausing, resuming and removing act on exactly that code and a
code created earlier is never created again. The create call is counted *before* it is made:
if the process dies after the shop created the code but before its id was stored, the next
attempt's "taken" is recognised as possibly ours and the shop's code is adopted. Any other
"taken" is a code someone else made in the shop: it is never overwritten or adopted; the
creator moves to the next free variant (``ANNABAKES15`` → ``ANNABAKES15B``) everywhere, the
old code is deactivated where it was made, and the manager is told through the audit log and
the result. A shop that cannot answer is retried by the sweep with growing waits; when a
code that could not be made at approval is finally made, the caller is told so it can tell
the creator.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.clock import Clock, to_epoch
from bot.db.audit_repo import AuditRepository
from bot.db.connection import Database
from bot.db.creators_repo import CreatorRepository
from bot.db.shop_codes_repo import ShopCodeRepository
from bot.domain.creators import Creator, DiscountCode
from bot.domain.shop_codes import (
    ShopCodeRow,
    ShopCodeTally,
    SyncOutcome,
    SyncState,
    backoff,
    idempotency_key,
    variants,
)
from bot.services.settings import SettingsService
from bot.shops._errors import ShopUnavailable
from bot.shops.codes import CodeShop, CodeSpec, CodeTaken, ShopCode, ShopKind

log = logging.getLogger(__name__)

# A creator moves to at most this many variants in one sync (each move is one conflict).
MAX_MOVES = 5


@dataclass(frozen=True)
class CodeMove:
    """The creator's code was taken in ``shop`` by someone else: they now have ``to``."""

    shop: ShopKind
    taken: str
    to: str


@dataclass(frozen=True)
class CodeSync:
    """What one sync of a creator's code did in each connected shop."""

    code: str  # the creator's code after the sync (a variant after a conflict)
    outcomes: dict[ShopKind, SyncOutcome] = field(default_factory=dict)
    moves: tuple[CodeMove, ...] = ()

    @property
    def works(self) -> bool:
        """The code is in every connected shop (it works at every checkout)."""
        return all(o is not SyncOutcome.FAILED for o in self.outcomes.values())


@dataclass(frozen=True)
class CodeReady:
    """A code that could not be made at first and now works in ``shop``."""

    guild_id: int
    creator_id: int
    user_id: int | None
    locale: str
    code: str
    shop: ShopKind
    discount_code_id: int


Progress = Callable[[], Awaitable[object] | None]
Counted = Callable[[int, int], Awaitable[None]]  # (done, total)


class CodeSyncService:
    def __init__(
        self,
        db: Database,
        repo: ShopCodeRepository,
        creators: CreatorRepository,
        audit: AuditRepository,
        clock: Clock,
        shops: Sequence[CodeShop] = (),
        settings: SettingsService | None = None,
    ) -> None:
        self._settings = settings
        self._db = db
        self._repo = repo
        self._creators = creators
        self._audit = audit
        self._clock = clock
        self._shops = {shop.kind: shop for shop in shops}

    async def close(self) -> None:
        """Close the shop clients' HTTP sessions (at shutdown)."""
        for shop in self._shops.values():
            close = getattr(shop, "close", None)
            if close is not None:
                await close()

    @property
    def connected(self) -> tuple[ShopKind, ...]:
        """The shops whose settings are set, in a fixed order."""
        return tuple(k for k in ShopKind if k in self._shops)

    async def ensure(self, creator_id: int, only: ShopKind | None = None) -> CodeSync:
        """Make the creator's current code exist in every connected shop (or ``only`` one)
        as their status asks; move to a variant when a shop has the code already."""
        moves: list[CodeMove] = []
        while True:
            creator, code = await self._current(creator_id)
            outcomes: dict[ShopKind, SyncOutcome] = {}
            taken_in: ShopKind | None = None
            for kind in self.connected:
                if only is not None and kind is not only:
                    continue
                row = await self._row(creator, code, kind)
                outcomes[kind] = await self._sync(row, creator)
                if outcomes[kind] is SyncOutcome.CONFLICT:
                    taken_in = kind
                    break
            if taken_in is None or len(moves) >= MAX_MOVES:
                return CodeSync(code.code, outcomes, tuple(moves))
            moved = await self._move_to_variant(creator, code)
            moves.append(CodeMove(taken_in, code.code, moved.code))
            await self._retire(code)

    async def follow_status(self, creator_id: int) -> CodeSync:
        """After a pause, resume, removal or erasure: the shops' codes follow the status."""
        creator, code = await self._current(creator_id)
        async with self._db.transaction() as tx:
            await self._repo.want_active(tx, code.id, code.active and creator.is_active)
        return await self.ensure(creator_id)

    async def retry_due(self) -> list[CodeReady]:
        """The sweep: retry the shops that could not answer before; return the codes that
        now work for the first time (their creators are told once)."""
        ready: list[CodeReady] = []
        for row in await self._repo.due(self._db, to_epoch(self._clock.now())):
            creator = await self._creators.get(self._db, (await self._code_of(row)).creator_id)
            if creator is None or row.shop not in self._shops:
                continue
            created = row.shop_id is None
            outcome = await self._sync(row, creator)
            if created and outcome is SyncOutcome.CREATED:
                ready.append(
                    CodeReady(
                        creator.guild_id,
                        creator.id,
                        creator.user_id,
                        creator.locale,
                        row.code,
                        row.shop,
                        row.discount_code_id,
                    )
                )
            elif outcome is SyncOutcome.CONFLICT:
                await self.ensure(creator.id)
        return ready

    async def catch_up(
        self,
        guild_id: int | None = None,
        only: ShopKind | None = None,
        *,
        dry_run: bool = False,
        progress: Callable[[], object] | None = None,
    ) -> Counter[str]:
        """``creatorbot sync-codes``: every existing creator's code in the shops. With
        ``dry_run`` nothing is called or stored; the count says what would be created."""
        totals: Counter[str] = Counter()
        for creator_id in await self._creators.with_codes(self._db, guild_id):
            if dry_run:
                totals.update(await self._would(creator_id, only))
            else:
                done = await self.ensure(creator_id, only)
                totals.update(o.value for o in done.outcomes.values())
                if done.moves:
                    totals["moved to a variant"] += len(done.moves)
            if progress is not None:
                progress()
        return totals

    async def states(self, guild_id: int) -> dict[ShopKind, Counter[str]]:
        """Per connected shop, how many codes are in each state (``/campaign codes``)."""
        found = await self._repo.states(self._db, guild_id)
        return {kind: found.get(kind, Counter()) for kind in self.connected}

    async def tally(self, guild_id: int, percent: int) -> dict[ShopKind, ShopCodeTally]:
        """Per connected shop, how the server's codes stand there (``/campaign codes``);
        ``percent`` is the program's discount now, to count live codes made at another."""
        found = await self._repo.tally(self._db, guild_id, percent)
        return {kind: found.get(kind, ShopCodeTally()) for kind in self.connected}

    # --- a changed discount -----------------------------------------------------------------

    async def other_percent(self, guild_id: int, percent: int) -> int:
        """How many of the server's codes give another discount than ``percent``."""
        return await self._repo.count_other_percent(self._db, guild_id, percent)

    async def update_percent(
        self, guild_id: int, percent: int, progress: Counted | None = None
    ) -> Counter[str]:
        """Bring every code of the server that gives another discount to ``percent`` in
        every shop that holds it; a code whose shops all answered then counts as that
        percent (codes not made in a shop yet are made at it). Safe to repeat after a crash
        or a failure: the shops' updates are idempotent, and a code is only marked done once
        all its shops are. Returns updated / failed counts (per code)."""
        outcome: Counter[str] = Counter()
        total = await self._repo.count_other_percent(self._db, guild_id, percent)
        done, after = 0, 0
        while ids := await self._repo.at_other_percent(self._db, guild_id, percent, after):
            for code_id in ids:
                after = code_id
                ok = await self._update_code(code_id, percent)
                outcome["updated" if ok else "failed"] += 1
                done += 1
                if progress is not None:
                    await progress(done, total)
        return outcome

    async def _update_code(self, code_id: int, percent: int) -> bool:
        code = await self._creators.code_by_id(self._db, code_id)
        assert code is not None
        creator = await self._creators.get(self._db, code.creator_id)
        assert creator is not None
        ok = True
        once = await self._once(creator.guild_id)
        for row in await self._repo.of_code(self._db, code_id):
            client = self._shops.get(row.shop)
            if client is None or row.shop_id is None:
                continue  # not in that shop yet: it is made at the new percent
            spec = CodeSpec(
                code=row.code,
                percent=percent,
                title=f"Creator code of {creator.handle or creator.source_slug} (creatorbot)",
                once_per_customer=once,
                idempotency_key=idempotency_key(row.guild_id, row.discount_code_id, row.shop),
            )
            try:
                held = await client.update_code(
                    ShopCode(row.shop, row.shop_id, row.code, row.active), spec
                )
            except (ShopUnavailable, CodeTaken) as exc:
                log.warning("code %s not updated in %s: %s", code_id, row.shop, exc)
                ok = False
                continue
            await self._synced(row, held)
        if ok:
            async with self._db.transaction() as tx:
                await self._repo.set_percent(tx, code_id, percent)
                await self._audit.record(
                    tx,
                    guild_id=creator.guild_id,
                    actor_id=None,
                    action="code.percent",
                    subject=f"creator:{code.creator_id}",
                    detail={"code": code.code, "from": code.discount_percent, "to": percent},
                    now=self._now(),
                )
        return ok

    # --- one code in one shop -------------------------------------------------------------

    async def _sync(self, row: ShopCodeRow, creator: Creator) -> SyncOutcome:
        client = self._shops[row.shop]
        if row.shop_id is None and not row.want_active:
            # Never made, and not wanted (paused, removed, erased, a retired code): a code is
            # not created in a shop just to be switched off there.
            return SyncOutcome.ALREADY_THERE
        if row.shop_id is None:
            return await self._create(row, creator, client)
        if row.active == row.want_active and row.state is SyncState.SYNCED:
            return SyncOutcome.ALREADY_THERE
        held = ShopCode(row.shop, row.shop_id, row.code, row.active)
        try:
            updated = await client.set_active(held, row.want_active)
        except ShopUnavailable as exc:
            await self._failed(row, exc)
            return SyncOutcome.FAILED
        await self._synced(row, updated)
        return SyncOutcome.UPDATED

    async def _create(self, row: ShopCodeRow, creator: Creator, client: CodeShop) -> SyncOutcome:
        spec = CodeSpec(
            code=row.code,
            percent=(await self._code_of(row)).discount_percent,
            title=f"Creator code of {creator.handle or creator.source_slug} (creatorbot)",
            once_per_customer=await self._once(row.guild_id),
            idempotency_key=idempotency_key(row.guild_id, row.discount_code_id, row.shop),
        )
        async with self._db.transaction() as tx:
            await self._repo.count_attempt(tx, row.id, self._now())
        try:
            made = await client.create_code(spec)
        except CodeTaken:
            # An earlier call may have made it just before the process died: adopt it then.
            found = await client.find_code(row.code) if row.attempts > 0 else None
            if found is None:
                await self._conflict(row, creator)
                return SyncOutcome.CONFLICT
            made = found
        except ShopUnavailable as exc:
            await self._failed(row, exc)
            return SyncOutcome.FAILED
        if made.active != row.want_active:
            try:
                made = await client.set_active(made, row.want_active)
            except ShopUnavailable as exc:
                await self._synced(row, made)
                await self._failed(row, exc)
                return SyncOutcome.CREATED
        await self._synced(row, made)
        log.info("code %s created in %s", row.discount_code_id, row.shop)
        return SyncOutcome.CREATED

    async def _synced(self, row: ShopCodeRow, held: ShopCode) -> None:
        async with self._db.transaction() as tx:
            await self._repo.synced(
                tx,
                row.id,
                shop_id=held.shop_id,
                code=held.code,
                active=held.active,
                now=self._now(),
            )

    async def _failed(self, row: ShopCodeRow, exc: ShopUnavailable) -> None:
        retry_at = self._clock.now() + backoff(row.attempts + 1)
        log.warning(
            "%s could not answer for code %s (%s %s); retry at %s",
            row.shop,
            row.discount_code_id,
            exc.status,
            exc.reason,
            retry_at.isoformat(),
        )
        async with self._db.transaction() as tx:
            await self._repo.failed(
                tx,
                row.id,
                error=f"{exc.status} {exc.reason}",
                retry_at=to_epoch(retry_at),
                now=self._now(),
            )

    async def _conflict(self, row: ShopCodeRow, creator: Creator) -> None:
        now = self._now()
        async with self._db.transaction() as tx:
            await self._repo.conflict(tx, row.id, now)
            await self._audit.record(
                tx,
                guild_id=row.guild_id,
                actor_id=None,
                action="code.taken_in_shop",
                subject=f"creator:{creator.id}",
                detail={"shop": row.shop.value, "code": row.code},
                now=now,
            )
        log.info("code %s is taken in %s by another discount", row.discount_code_id, row.shop)

    # --- the creator's code ---------------------------------------------------------------

    async def _current(self, creator_id: int) -> tuple[Creator, DiscountCode]:
        creator = await self._creators.get(self._db, creator_id)
        code = await self._creators.code(self._db, creator_id)
        if creator is None or code is None:
            raise LookupError(f"creator {creator_id} has no code")
        return creator, code

    async def _row(self, creator: Creator, code: DiscountCode, kind: ShopKind) -> ShopCodeRow:
        async with self._db.transaction() as tx:
            return await self._repo.ensure(
                tx,
                guild_id=creator.guild_id,
                discount_code_id=code.id,
                shop=kind,
                code=code.code,
                want_active=code.active and creator.is_active,
                now=self._now(),
            )

    async def _move_to_variant(self, creator: Creator, code: DiscountCode) -> DiscountCode:
        """The next variant free in creatorbot becomes the creator's code; the old one retires."""
        now = self._now()
        async with self._db.transaction() as tx:
            for candidate in variants(code.code):
                if await self._creators.insert_code(
                    tx,
                    guild_id=creator.guild_id,
                    creator_id=creator.id,
                    code=candidate,
                    discount_percent=code.discount_percent,
                    now=now,
                ):
                    break
            await self._creators.retire_code(tx, code.id)
            await self._audit.record(
                tx,
                guild_id=creator.guild_id,
                actor_id=None,
                action="code.variant",
                subject=f"creator:{creator.id}",
                detail={"from": code.code, "to": candidate},
                now=now,
            )
        _, moved = await self._current(creator.id)
        return moved

    async def _retire(self, code: DiscountCode) -> None:
        """Deactivate the given-up code in the shops where it was made."""
        async with self._db.transaction() as tx:
            await self._repo.want_active(tx, code.id, False)
        creator_id = code.creator_id
        creator = await self._creators.get(self._db, creator_id)
        assert creator is not None
        for row in await self._repo.of_code(self._db, code.id):
            if row.shop_id is not None and row.active:
                await self._sync(row, creator)

    async def _would(self, creator_id: int, only: ShopKind | None) -> Counter[str]:
        _, code = await self._current(creator_id)
        found: Counter[str] = Counter()
        for kind in self.connected:
            if only is not None and kind is not only:
                continue
            row = await self._repo.get(self._db, code.id, kind)
            found["would create" if row is None or row.shop_id is None else "already_there"] += 1
        return found

    async def _code_of(self, row: ShopCodeRow) -> DiscountCode:
        code = await self._creators.code_by_id(self._db, row.discount_code_id)
        assert code is not None
        return code

    async def _once(self, guild_id: int) -> bool:
        """Whether the server's codes work once per customer (``/setup``)."""
        if self._settings is None:
            return False
        return (await self._settings.get(guild_id)).code_once_per_customer

    def _now(self) -> int:
        return to_epoch(self._clock.now())
