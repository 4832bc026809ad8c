"""SegmentService: each criterion, ``all``, and bad input, on real SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.domain.creators import CreatorStatus
from bot.domain.segments import InvalidSegment
from bot.errors import CreatorbotError
from bot.registry import Services
from bot.services.segments import UnknownSegment

GUILD, OTHER_GUILD, MANAGER = 1, 2, 900
ANNA, BERT, CARA, DAAN, EVA = 501, 502, 503, 504, 505


async def _creator(
    services: Services,
    user_id: int,
    handle: str,
    *,
    followers: int = 5_000,
    platform: str = "instagram",
    niche: str = "food",
    guild_id: int = GUILD,
) -> int:
    result = await services.onboarding.apply(
        guild_id, user_id, platform=platform, handle=handle, followers=followers, niche=niche
    )
    approval = await services.onboarding.approve(guild_id, result.application.id, MANAGER)
    return approval.creator.id


@pytest.fixture
async def program(services: Services, clock: FrozenClock) -> dict[str, int]:
    """anna (nano, instagram, food) joined 10 days ago, sold €300 today and €50 40 days ago;
    bert (micro, tiktok, fitness) joined 5 days ago, sold €100 today; cara (nano, youtube,
    vegan food) joined today, no sale; daan is paused; eva is in another server."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.example.com"}
    )
    await services.settings.update(
        OTHER_GUILD, MANAGER, {"review_channel": 11, "shop_url": "https://shop.example.com"}
    )
    today = clock.now()
    clock.set(today - timedelta(days=40))
    ids = {"anna": await _creator(services, ANNA, "anna")}
    await services.conversions.add_manual(GUILD, MANAGER, ANNA, 5_000, "a-old")
    clock.set(today - timedelta(days=5))
    ids["bert"] = await _creator(
        services, BERT, "bert", followers=20_000, platform="tiktok", niche="Fitness"
    )
    clock.set(today)
    ids["cara"] = await _creator(services, CARA, "cara", platform="youtube", niche="vegan food")
    ids["daan"] = await _creator(services, DAAN, "daan")
    ids["eva"] = await _creator(services, EVA, "eva", guild_id=OTHER_GUILD)
    await services.onboarding.set_status(GUILD, DAAN, CreatorStatus.PAUSED, MANAGER)
    await services.conversions.add_manual(GUILD, MANAGER, ANNA, 30_000, "a1")
    await services.conversions.add_manual(GUILD, MANAGER, BERT, 10_000, "b1")
    return ids


async def _members(services: Services, **criteria: object) -> list[int]:
    await services.segments.create(GUILD, MANAGER, "s", **criteria)  # type: ignore[arg-type]
    return await services.segments.resolve(GUILD, "s")


async def test_all_is_every_active_creator_of_the_server(
    services: Services, program: dict[str, int]
) -> None:
    """``all``: anna, bert and cara; not paused daan nor eva of another server."""
    found = await services.segments.resolve(GUILD, "all")
    assert found == [program["anna"], program["bert"], program["cara"]]


async def test_tier(services: Services, program: dict[str, int]) -> None:
    """tier micro holds only bert."""
    assert await _members(services, tier="micro") == [program["bert"]]


async def test_platform(services: Services, program: dict[str, int]) -> None:
    """platform youtube holds only cara."""
    assert await _members(services, platform="youtube") == [program["cara"]]


async def test_niche_words_match_any_word_case_insensitively(
    services: Services, program: dict[str, int]
) -> None:
    """'fitness, vegan' holds bert (Fitness) and cara (vegan food), not anna (food)."""
    assert await _members(services, niche="fitness, vegan") == [program["bert"], program["cara"]]


async def test_joined_after_and_before(
    services: Services, program: dict[str, int], clock: FrozenClock
) -> None:
    """Joined from 7 days ago until today (exclusive): bert only."""
    after = (clock.now() - timedelta(days=7)).date().isoformat()
    before = clock.now().date().isoformat()
    assert await _members(services, joined_after=after, joined_before=before) == [program["bert"]]


async def test_no_sale_days(
    services: Services, program: dict[str, int], clock: FrozenClock
) -> None:
    """No sale in 30 days: cara (none ever); anna and bert sold today."""
    assert await _members(services, no_sale_days=30) == [program["cara"]]
    clock.advance(days=31)
    assert await services.segments.resolve(GUILD, "s") == [
        program["anna"],
        program["bert"],
        program["cara"],
    ]


async def test_top_revenue(services: Services, program: dict[str, int]) -> None:
    """Top 1 by revenue (last 30 days) is anna with €300; top 5 has only those who sold."""
    assert await _members(services, top_revenue=1) == [program["anna"]]
    await services.segments.create(GUILD, MANAGER, "top5", top_revenue=5)
    assert await services.segments.resolve(GUILD, "top5") == [program["anna"], program["bert"]]


async def test_campaign(services: Services, program: dict[str, int]) -> None:
    """A campaign holds the creators with a link for it."""
    created = await services.campaigns.create(
        GUILD, MANAGER, "Spring", "https://shop.example.com/spring"
    )
    async with services.db.transaction() as tx:
        await tx.execute(
            "DELETE FROM links WHERE campaign_id = ? AND creator_id = ?",
            created.campaign.id,
            program["bert"],
        )
    assert await _members(services, campaign="spring") == [program["anna"], program["cara"]]


async def test_level(services: Services, program: dict[str, int]) -> None:
    """A level holds the creators the sweep promoted to it: anna with €300."""
    await services.levels.create(
        GUILD, MANAGER, name="Silver", basis="revenue30", threshold="250", rate="12"
    )
    await services.levels.sweep()
    assert await _members(services, level="silver") == [program["anna"]]


async def test_criteria_combine(services: Services, program: dict[str, int]) -> None:
    """nano and no sale in 30 days: cara only."""
    assert await _members(services, tier="nano", no_sale_days=30) == [program["cara"]]


async def test_unknown_campaign_is_named(services: Services, program: dict[str, int]) -> None:
    """An unknown campaign is named in the error and nothing is saved."""
    with pytest.raises(CreatorbotError) as err:
        await services.segments.create(GUILD, MANAGER, "s", campaign="Winterfest")
    assert (err.value.key, err.value.params["name"]) == ("segments.unknown_campaign", "Winterfest")
    assert await services.segments.list(GUILD) == []


async def test_unknown_level_is_named(services: Services, program: dict[str, int]) -> None:
    """An unknown level is named in the error."""
    with pytest.raises(CreatorbotError) as err:
        await services.segments.create(GUILD, MANAGER, "s", level="Platinum")
    assert (err.value.key, err.value.params["name"]) == ("segments.unknown_level", "Platinum")


async def test_show_counts_and_previews(services: Services, program: dict[str, int]) -> None:
    """show gives the number matching now and their handles; an empty one has none."""
    await services.segments.create(GUILD, MANAGER, "Nano", tier="nano")
    preview = await services.segments.show(GUILD, "nano")
    assert (preview.total, [m.handle for m in preview.first]) == (2, ["anna", "cara"])
    await services.segments.create(GUILD, MANAGER, "Mega", tier="mega")
    assert (await services.segments.show(GUILD, "Mega")).total == 0


async def test_names_are_unique_and_all_is_reserved(
    services: Services, program: dict[str, int]
) -> None:
    """A second 'Nano' is refused, 'all' cannot be a name, bad values are refused."""
    await services.segments.create(GUILD, MANAGER, "Nano", tier="nano")
    with pytest.raises(CreatorbotError) as err:
        await services.segments.create(GUILD, MANAGER, "nano")
    assert err.value.key == "segments.exists"
    with pytest.raises(InvalidSegment):
        await services.segments.create(GUILD, MANAGER, "All")
    with pytest.raises(InvalidSegment):
        await services.segments.create(GUILD, MANAGER, "x", joined_after="next week")
    with pytest.raises(InvalidSegment):
        await services.segments.create(GUILD, MANAGER, "x", top_revenue=0)


async def test_delete_and_unknown(services: Services, program: dict[str, int]) -> None:
    """A deleted segment can no longer be resolved."""
    await services.segments.create(GUILD, MANAGER, "Nano", tier="nano")
    await services.segments.delete(GUILD, MANAGER, "Nano")
    with pytest.raises(UnknownSegment):
        await services.segments.resolve(GUILD, "Nano")


async def test_segments_belong_to_their_server(services: Services, program: dict[str, int]) -> None:
    """Another server neither sees the segment nor resolves it to its creators."""
    await services.segments.create(GUILD, MANAGER, "Nano", tier="nano")
    with pytest.raises(UnknownSegment):
        await services.segments.resolve(OTHER_GUILD, "Nano")
    assert await services.segments.resolve(OTHER_GUILD, "all") == [program["eva"]]
