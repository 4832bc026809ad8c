"""CodeSyncService against the local Shopify stand-in: creator codes created, followed and
retried in the shop, on a real SQLite file with a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import FrozenClock
from bot.db.audit_repo import AuditRepository
from bot.db.creators_repo import CreatorRepository
from bot.db.shop_codes_repo import ShopCodeRepository
from bot.domain.creators import CreatorStatus
from bot.domain.shop_codes import SyncOutcome
from bot.registry import Services
from bot.services.code_sync import CodeSyncService
from bot.shops.codes import ShopKind
from bot.shops.shopify import ShopifyAdmin
from emulators._base import LoopbackServer
from emulators.shopify import ShopifyStore, create_app
from tests.shops._helpers import Sleeper

GUILD, MANAGER = 1, 900
TOKEN = "shpat_0123456789abcdef0123456789abcdef"
CREATE = "discountCodeBasicCreate"


@pytest.fixture
def store(clock: FrozenClock) -> ShopifyStore:
    return ShopifyStore(clock, token=TOKEN)


@pytest.fixture
async def sync(
    services: Services, store: ShopifyStore, clock: FrozenClock
) -> AsyncIterator[CodeSyncService]:
    """Code sync with one connected shop: the local Shopify."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    async with (
        LoopbackServer(create_app(store)) as server,
        ShopifyAdmin(server.base_url, TOKEN, clock=clock, sleep=Sleeper(clock)) as shopify,
    ):
        yield CodeSyncService(
            services.db,
            ShopCodeRepository(),
            CreatorRepository(),
            AuditRepository(),
            clock,
            [shopify],
        )


async def _creator(services: Services, user_id: int, handle: str) -> int:
    applied = await services.onboarding.apply(
        GUILD, user_id, platform="instagram", handle=handle, followers=8200, niche="baking"
    )
    approval = await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
    return approval.creator.id


async def test_approval_creates_the_code_in_the_shop(
    services: Services, sync: CodeSyncService, store: ShopifyStore
) -> None:
    """The creator's code is in the shop with the program's percentage; a second sync
    calls the shop for nothing new."""
    creator = await _creator(services, 501, "anna.bakes")
    done = await sync.ensure(creator)
    assert done.code == "ANNABAKES15" and done.works
    assert done.outcomes == {ShopKind.SHOPIFY: SyncOutcome.CREATED}
    held = store.find("ANNABAKES15")
    assert held is not None and held.percentage == 0.15
    again = await sync.ensure(creator)
    assert again.outcomes == {ShopKind.SHOPIFY: SyncOutcome.ALREADY_THERE}
    assert store.calls[CREATE] == 1


async def test_a_code_someone_else_made_moves_the_creator_to_a_variant(
    services: Services, sync: CodeSyncService, store: ShopifyStore
) -> None:
    """ANNABAKES15 exists in the shop already (not ours): left alone; anna gets ANNABAKES15B,
    in the shop and in creatorbot, and the move is in the audit log."""
    store.add_code("ANNABAKES15")
    creator = await _creator(services, 501, "anna.bakes")
    done = await sync.ensure(creator)
    assert done.code == "ANNABAKES15B" and done.works
    assert [(m.taken, m.to) for m in done.moves] == [("ANNABAKES15", "ANNABAKES15B")]
    assert store.find("ANNABAKES15B") is not None
    profile = await services.onboarding.profile(GUILD, 501)
    assert profile.code is not None and profile.code.code == "ANNABAKES15B"
    actions = await services.db.fetch_all("SELECT action FROM audit_log WHERE action LIKE 'code.%'")
    assert [r["action"] for r in actions] == ["code.taken_in_shop", "code.variant"]


async def test_pause_and_resume_follow_in_the_shop(
    services: Services, sync: CodeSyncService, store: ShopifyStore, clock: FrozenClock
) -> None:
    """A pause deactivates the shop's code, a resume activates the same code again."""
    creator = await _creator(services, 501, "anna.bakes")
    await sync.ensure(creator)
    await services.onboarding.set_status(GUILD, 501, CreatorStatus.PAUSED, MANAGER)
    paused = await sync.follow_status(creator)
    assert paused.outcomes == {ShopKind.SHOPIFY: SyncOutcome.UPDATED}
    held = store.find("ANNABAKES15")
    assert held is not None and held.status(clock.now()) == "EXPIRED"
    await services.onboarding.set_status(GUILD, 501, CreatorStatus.ACTIVE, MANAGER)
    await sync.follow_status(creator)
    held = store.find("ANNABAKES15")
    assert held is not None and held.status(clock.now()) == "ACTIVE"
    assert store.calls[CREATE] == 1


async def test_a_shop_that_is_down_is_retried_and_the_creator_told_once(
    services: Services, sync: CodeSyncService, store: ShopifyStore, clock: FrozenClock
) -> None:
    """A 500 at approval: the code waits; the sweep before the retry time calls nothing,
    after it the code is made and reported ready once."""
    creator = await _creator(services, 501, "anna.bakes")
    store.fail_next(1, status=500)  # the client never resends a create that may have run
    done = await sync.ensure(creator)
    assert not done.works and done.outcomes == {ShopKind.SHOPIFY: SyncOutcome.FAILED}
    assert await sync.retry_due() == []  # not due yet
    clock.advance(minutes=2)
    ready = await sync.retry_due()
    assert [(r.creator_id, r.code, r.shop) for r in ready] == [
        (creator, "ANNABAKES15", ShopKind.SHOPIFY)
    ]
    assert store.find("ANNABAKES15") is not None
    clock.advance(hours=1)
    assert await sync.retry_due() == []


async def test_a_create_lost_in_a_crash_is_adopted_not_doubled(
    services: Services, sync: CodeSyncService, store: ShopifyStore
) -> None:
    """The shop made the code but the process died before storing its id: the next sync's
    "taken" is recognised (an attempt was counted) and the shop's code is adopted."""
    creator = await _creator(services, 501, "anna.bakes")
    # What a crash leaves: the attempt counted, the code in the shop, no id stored.
    await sync.ensure(creator)
    async with services.db.transaction() as tx:
        await tx.execute("UPDATE shop_codes SET shop_id = NULL, state = 'pending'")
    done = await sync.ensure(creator)
    assert done.code == "ANNABAKES15" and done.moves == ()
    assert done.outcomes == {ShopKind.SHOPIFY: SyncOutcome.CREATED}
    assert len([d for d in store.discounts.values() if d.code == "ANNABAKES15"]) == 1


async def test_catch_up_creates_what_is_missing_once(
    services: Services, sync: CodeSyncService, store: ShopifyStore
) -> None:
    """sync-codes over three creators: a dry run calls nothing; the run creates three; a
    second run finds them all there."""
    for user_id, handle in ((501, "anna.bakes"), (502, "bert.cooks"), (503, "cas.kitchen")):
        await _creator(services, user_id, handle)
    dry = await sync.catch_up(GUILD, dry_run=True)
    assert dry == {"would create": 3} and store.calls[CREATE] == 0
    assert await sync.catch_up(GUILD) == {"created": 3}
    assert await sync.catch_up(GUILD) == {"already_there": 3}
    assert store.calls[CREATE] == 3


async def test_a_paused_creator_gets_no_code_in_a_shop_connected_later(
    services: Services, sync: CodeSyncService, store: ShopifyStore
) -> None:
    """A creator paused before the shop was synced: nothing is created there just to be
    switched off."""
    creator = await _creator(services, 501, "anna.bakes")
    await services.onboarding.set_status(GUILD, 501, CreatorStatus.PAUSED, MANAGER)
    done = await sync.follow_status(creator)
    assert done.outcomes == {ShopKind.SHOPIFY: SyncOutcome.ALREADY_THERE}
    assert store.find("ANNABAKES15") is None and store.calls[CREATE] == 0
