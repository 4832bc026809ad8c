"""LevelService: /level commands, the sweep's promotions, and the rate sales earn after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import open_services
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.domain.levels import InvalidLevel
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.errors import CreatorbotError
from bot.registry import Services

GUILD, MANAGER = 1, 900


def _config(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(
        CREATORBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'levels.db'}", CREATORBOT_HTTP_PORT=0
    )


@pytest.fixture
async def program(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Services]:
    """anna (code ANNA15) and bert (BERT15); Bronze from €100 at 10 %, Silver from €500 at 12 %."""
    services = await open_services(_config(tmp_path), clock)
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    for user_id, handle in ((501, "anna"), (502, "bert")):
        applied = await services.onboarding.apply(
            GUILD, user_id, platform="tiktok", handle=handle, followers=5000, niche="food"
        )
        await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
    await services.levels.create(
        GUILD, MANAGER, name="Bronze", basis="revenue30", threshold="100", rate="10"
    )
    await services.levels.create(
        GUILD, MANAGER, name="Silver", basis="revenue30", threshold="500", rate="12", role_id=77
    )
    try:
        yield services
    finally:
        await services.db.close()


async def _sell(services: Services, clock: FrozenClock, order: str, net: int, code: str = "anna15"):  # type: ignore[no-untyped-def]
    await services.conversions.ingest(
        OrderEvent(
            source=Source.SHOPIFY,
            kind=EventKind.SALE,
            order_id=order,
            occurred_at=clock.now(),
            currency="EUR",
            net_minor=net,
            codes=(code,),
        )
    )


async def _commission(services: Services, order: str) -> int:
    query = """
        SELECT m.amount_minor FROM commissions m JOIN conversions v ON v.id = m.conversion_id
        WHERE v.order_id = ?
    """
    return int(await services.db.fetch_val(query, order))


async def _anna(services: Services) -> int:
    creator = await services.onboarding.creator_by_member(GUILD, 501)
    assert creator is not None
    return creator.id


async def test_create_lists_levels_lowest_first(program: Services) -> None:
    """/level list shows the levels by rate with the demotion choice (off by default)."""
    overview = await program.levels.overview(GUILD)
    assert [(lv.name, lv.rate_bp, lv.threshold) for lv in overview.levels] == [
        ("Bronze", 1000, 10_000),
        ("Silver", 1200, 50_000),
    ]
    assert overview.demote is False and overview.levels[1].role_id == 77


async def test_level_plans_are_not_listed_as_plans(program: Services) -> None:
    """A level's rate is not offered by /plan list."""
    assert [p.name for p in await program.plans.list(GUILD)] == ["Default"]


async def test_duplicate_and_bad_levels_are_refused(program: Services) -> None:
    """The same name twice, a bad basis or a bad rate create nothing."""
    with pytest.raises(CreatorbotError) as err:
        await program.levels.create(
            GUILD, MANAGER, name="silver", basis="orders30", threshold="5", rate="15"
        )
    assert err.value.key == "levels.exists"
    with pytest.raises(InvalidLevel):
        await program.levels.create(
            GUILD, MANAGER, name="X", basis="yearly", threshold="5", rate="1"
        )
    with pytest.raises(InvalidLevel):
        await program.levels.create(
            GUILD, MANAGER, name="X", basis="orders30", threshold="5", rate="150"
        )
    assert len((await program.levels.overview(GUILD)).levels) == 2


async def test_demote_option_sets_the_servers_choice(program: Services) -> None:
    """demote:true on /level create turns demotion on for the server."""
    await program.levels.create(
        GUILD, MANAGER, name="Gold", basis="orders30", threshold="50", rate="15", demote=True
    )
    assert (await program.levels.overview(GUILD)).demote is True


async def test_sweep_promotes_once_across_sweeps(program: Services, clock: FrozenClock) -> None:
    """€600 in 30 days → Silver, recorded once however often the sweep runs."""
    await _sell(program, clock, "1", 60_000)
    changes = await program.levels.sweep()
    assert [(c.creator_id, c.to_level.name if c.to_level else None) for c in changes] == [
        (await _anna(program), "Silver")
    ]
    assert await program.levels.sweep() == []
    assert await program.db.fetch_val("SELECT COUNT(*) FROM level_changes") == 1


async def test_promotion_survives_a_restart(
    program: Services, clock: FrozenClock, tmp_path: Path
) -> None:
    """After a restart the sweep finds the promotion recorded and records nothing new."""
    await _sell(program, clock, "1", 60_000)
    assert len(await program.levels.sweep()) == 1
    await program.db.close()
    again = await open_services(_config(tmp_path), clock)
    try:
        assert await again.levels.sweep() == []
        level = await again.levels.level_of(await _anna(again))
        assert level is not None and level.name == "Silver"
        assert len(await again.levels.to_sync()) == 1  # the Discord side is still to do
    finally:
        await again.db.close()


async def test_promotion_is_in_the_audit_log(program: Services, clock: FrozenClock) -> None:
    """The promotion is written to the audit log with the levels before and after."""
    await _sell(program, clock, "1", 20_000)
    await program.levels.sweep()
    entries = [
        e for e in await program.audit.recent(program.db, GUILD) if e.action.startswith("level.p")
    ]
    assert len(entries) == 1
    assert entries[0].action == "level.promote" and entries[0].actor_id is None
    assert entries[0].subject == f"creator:{await _anna(program)}"
    assert entries[0].detail == {"from": None, "to": "Bronze", "epoch": 1}


async def test_next_order_earns_the_level_rate(program: Services, clock: FrozenClock) -> None:
    """Sales before the promotion keep their commission; the next one earns 12 %."""
    await _sell(program, clock, "1", 60_000)
    assert await _commission(program, "1") == 6_000  # the default 10 %
    await program.levels.sweep()
    await _sell(program, clock, "2", 10_000)
    assert await _commission(program, "1") == 6_000
    assert await _commission(program, "2") == 1_200


async def test_a_personal_plan_beats_the_level(program: Services, clock: FrozenClock) -> None:
    """A creator's own plan (/plan assign) wins over their level's rate."""
    await program.plans.create(GUILD, MANAGER, name="VIP", kind="revenue_share", rate="20")
    await program.plans.assign(GUILD, MANAGER, 501, "VIP")
    await _sell(program, clock, "1", 60_000)
    await program.levels.sweep()
    await _sell(program, clock, "2", 10_000)
    assert await _commission(program, "2") == 2_000


async def test_level_kept_without_demotion(program: Services, clock: FrozenClock) -> None:
    """When the 30 days roll past the sales, the creator keeps Silver by default."""
    await _sell(program, clock, "1", 60_000)
    await program.levels.sweep()
    clock.advance(days=31)
    assert await program.levels.sweep() == []


async def test_level_lost_with_demotion(program: Services, clock: FrozenClock) -> None:
    """With demotion on, a creator whose sales roll out of the 30 days loses the level."""
    await program.levels.create(
        GUILD, MANAGER, name="Gold", basis="orders30", threshold="50", rate="15", demote=True
    )
    await _sell(program, clock, "1", 60_000)
    await program.levels.sweep()
    clock.advance(days=31)
    (change,) = await program.levels.sweep()
    assert change.to_level is None and change.direction.value == "down"
    assert await program.levels.level_of(await _anna(program)) is None
    sync = (await program.levels.to_sync())[-1]
    assert (sync.remove_role_id, sync.add_role_id, sync.notice) == (77, None, None)


async def test_sync_names_the_role_and_the_notice(program: Services, clock: FrozenClock) -> None:
    """A promotion to Silver gives role 77 and one LEVEL notice; once synced it is gone."""
    await _sell(program, clock, "1", 60_000)
    await program.levels.sweep()
    (sync,) = await program.levels.to_sync()
    anna = await _anna(program)
    assert sync.add_role_id == 77 and sync.user_id == 501
    assert sync.notice is not None and sync.notice.dedupe_key.startswith(f"level:{anna}:")
    await program.levels.mark_synced(sync.change_id)
    assert await program.levels.to_sync() == []


async def test_delete_moves_creators_on_the_next_sweep(
    program: Services, clock: FrozenClock
) -> None:
    """Deleting Silver moves its creators to the level they reach now (Bronze)."""
    await _sell(program, clock, "1", 60_000)
    await program.levels.sweep()
    await program.levels.delete(GUILD, MANAGER, "silver")
    (change,) = await program.levels.sweep()
    assert change.to_level is not None and change.to_level.name == "Bronze"
    with pytest.raises(CreatorbotError):
        await program.levels.delete(GUILD, MANAGER, "silver")


async def test_sweep_reads_all_creators_in_one_query(program: Services, clock: FrozenClock) -> None:
    """Many creators are decided in one pass (no query per creator)."""
    now = int(clock.now().timestamp())
    async with program.db.transaction() as tx:
        for n in range(2_000):
            await tx.execute(
                """INSERT INTO creators (guild_id, user_id, source_slug, platform, followers,
                                         tier, status, approved_at, status_at, created_at)
                   VALUES (?, ?, ?, 'tiktok', 100, 'nano', 'active', ?, ?, ?)""",
                GUILD,
                10_000 + n,
                f"s{n}",
                now,
                now,
                now,
            )
            await tx.execute(
                """INSERT INTO conversions (guild_id, source, order_id, kind, status, net_minor,
                       creator_id, attribution, attribution_reason, occurred_at, created_at)
                   VALUES (?, 'csv', ?, 'sale', 'active', 20000, last_insert_rowid(), 'code',
                           'test', ?, ?)""",
                GUILD,
                f"bulk-{n}",
                now,
                now,
            )
    assert len(await program.levels.sweep()) == 2_000
    clock.advance(minutes=1)
    assert await program.levels.sweep() == []
