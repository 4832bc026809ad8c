"""CampaignService: destinations, links for every creator, codes and the export."""

from __future__ import annotations

import csv
import io

import pytest

from bot.domain.creators import CreatorStatus
from bot.domain.links import DestinationNotAllowed, InvalidDestination
from bot.errors import NotACreator
from bot.i18n import render
from bot.registry import Services
from bot.services.campaigns import CampaignExists, UnknownCampaign, UnknownPlan

GUILD, MANAGER = 1, 900


async def _creator(services: Services, user_id: int, handle: str) -> None:
    application = await services.onboarding.apply(
        GUILD, user_id, platform="tiktok", handle=handle, followers=5000, niche="food"
    )
    await services.onboarding.approve(GUILD, application.application.id, MANAGER)


@pytest.fixture
async def program(services: Services) -> Services:
    await services.settings.update(
        GUILD,
        MANAGER,
        {
            "review_channel": 10,
            "shop_url": "https://shop.example.com",
            "allowed_domains": "blog.example.com",
        },
    )
    await _creator(services, 501, "anna")
    await _creator(services, 502, "bert")
    return services


async def test_campaign_gives_every_active_creator_a_link(program: Services) -> None:
    """A new campaign creates a link for each active creator (not for paused ones)."""
    await program.onboarding.set_status(GUILD, 502, CreatorStatus.PAUSED, MANAGER)
    created = await program.campaigns.create(
        GUILD, MANAGER, "Summer Sale", "https://shop.example.com/summer"
    )
    assert (created.campaign.slug, created.links_created) == ("summer-sale", 1)
    links = await program.campaigns.links(GUILD, 501, None)
    assert [link.campaign_slug for link in links] == ["shop", "summer-sale"]


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/phish", "https://shop.example.com.evil.example/", "javascript:alert(1)"],
)
async def test_destination_outside_allowed_domains_refused(program: Services, url: str) -> None:
    """No open redirect: only the shop's and allowed domains (and their subdomains)."""
    with pytest.raises((DestinationNotAllowed, InvalidDestination)):
        await program.campaigns.create(GUILD, MANAGER, "Bad", url)
    assert len(await program.campaigns.overview(GUILD)) == 1


async def test_subdomain_of_allowed_domain_accepted(program: Services) -> None:
    """eu.blog.example.com is on the allowed blog.example.com."""
    created = await program.campaigns.create(
        GUILD, MANAGER, "Blog", "https://eu.blog.example.com/post"
    )
    assert created.campaign.destination_url == "https://eu.blog.example.com/post"


async def test_duplicate_campaign_and_unknown_plan(program: Services) -> None:
    """The same short name twice, or a plan that does not exist, are refused."""
    await program.campaigns.create(GUILD, MANAGER, "Summer", "https://shop.example.com/s")
    with pytest.raises(CampaignExists):
        await program.campaigns.create(GUILD, MANAGER, "summer!", "https://shop.example.com/s")
    with pytest.raises(UnknownPlan):
        await program.campaigns.create(
            GUILD, MANAGER, "Winter", "https://shop.example.com/w", "VIP"
        )
    created = await program.campaigns.create(
        GUILD, MANAGER, "Autumn", "https://shop.example.com/a", "default"
    )
    assert created.campaign.plan_id is not None


async def test_link_for_one_campaign(program: Services) -> None:
    """/link campaign:… narrows to that campaign; an unknown one is refused."""
    await program.campaigns.create(GUILD, MANAGER, "Summer", "https://shop.example.com/s")
    links = await program.campaigns.links(GUILD, 501, "summer")
    assert [link.campaign_name for link in links] == ["Summer"]
    with pytest.raises(UnknownCampaign):
        await program.campaigns.links(GUILD, 501, "winter")


async def test_non_creator_has_no_link_or_code(program: Services) -> None:
    """A member who is not an active creator is told to apply."""
    with pytest.raises(NotACreator):
        await program.campaigns.links(GUILD, 777, None)
    await program.onboarding.set_status(GUILD, 501, CreatorStatus.PAUSED, MANAGER)
    with pytest.raises(NotACreator):
        await program.campaigns.code(GUILD, 501)


async def test_shop_url_change_moves_default_campaign(program: Services) -> None:
    """The default campaign follows /setup shop_url."""
    await program.settings.update(GUILD, MANAGER, {"shop_url": "https://new-shop.example.com"})
    overview = await program.campaigns.overview(GUILD)
    assert overview[0][0].destination_url == "https://new-shop.example.com"


async def test_campaign_list_flags_a_destination_no_longer_allowed(program: Services) -> None:
    """When /setup takes a campaign's domain off the allowed domains, /campaign list says its
    links answer 404, in English and Dutch; the default campaign (the shop) stays fine."""
    await program.campaigns.create(GUILD, MANAGER, "Blog", "https://blog.example.com/post")
    assert [r for _, _, r in await program.campaigns.overview(GUILD)] == [True, True]
    await program.settings.update(GUILD, MANAGER, {"allowed_domains": "other.example.com"})
    overview = await program.campaigns.overview(GUILD)
    assert [(c.slug, reachable) for c, _, reachable in overview] == [
        ("shop", True),
        ("blog", False),
    ]
    english = render("campaigns.list", "en", campaigns=overview)
    dutch = render("campaigns.list", "nl", campaigns=overview)
    assert english.count("not on the allowed domains: its links answer 404") == 1
    assert dutch.count("niet op de toegestane domeinen") == 1
    assert english.index("**Blog**") < english.index("answer 404")


async def test_code_export_marks_inactive(program: Services) -> None:
    """The CSV lists every code; removed creators' codes are inactive."""
    await program.onboarding.set_status(GUILD, 502, CreatorStatus.REMOVED, MANAGER)
    body, count = await program.campaigns.export_codes_csv(GUILD)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert count == 2
    assert {(r["code"], r["status"]) for r in rows} == {
        ("ANNA15", "active"),
        ("BERT15", "inactive"),
    }
