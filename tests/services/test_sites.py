"""SiteService on real SQLite: claims, decisions, freeing, and DirectLink attribution."""

from __future__ import annotations

import pytest

from bot.clock import FrozenClock
from bot.domain.creators import CreatorStatus
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.domain.review_rules import Rule
from bot.domain.sites import Refusal, SiteRefused, SiteStatus
from bot.errors import NotACreator
from bot.registry import Services
from bot.services.sites import SiteAlreadyDecided, SiteNotFound

GUILD, OTHER_GUILD, MANAGER = 1, 2, 900
ANNA, BERT, CLEO = 501, 502, 503


async def _creator(
    services: Services, user_id: int, handle: str, profile_url: str | None = None
) -> int:
    applied = await services.onboarding.apply(
        GUILD,
        user_id,
        platform="instagram",
        handle=handle,
        followers=5000,
        niche="food",
        profile_url=profile_url,
    )
    approval = await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
    return approval.creator.id


@pytest.fixture
async def program(services: Services) -> Services:
    """A server with a shop and two creators, anna and bert."""
    await services.settings.update(
        GUILD,
        MANAGER,
        {
            "review_channel": 10,
            "shop_url": "https://shop.brand.example",
            "allowed_domains": "brand.example",
        },
    )
    await _creator(services, ANNA, "anna")
    await _creator(services, BERT, "bert")
    return services


async def _approved(services: Services, user_id: int, url: str) -> int:
    site = await services.sites.add(GUILD, user_id, url)
    await services.sites.decide(GUILD, site.id, MANAGER, approve=True)
    return site.id


async def _sale(
    services: Services,
    clock: FrozenClock,
    order: str,
    referrer: str | None,
    *,
    codes: tuple[str, ...] = (),
) -> dict:
    await services.conversions.ingest(
        OrderEvent(
            source=Source.SHOPIFY,
            kind=EventKind.SALE,
            order_id=order,
            occurred_at=clock.now(),
            currency="EUR",
            net_minor=10_000,
            codes=codes,
            referrer=referrer,
        )
    )
    row = await services.db.fetch_one(
        """SELECT c.attribution, c.attribution_reason, cr.user_id
           FROM conversions c LEFT JOIN creators cr ON cr.id = c.creator_id
           WHERE c.order_id = ?""",
        order,
    )
    assert row is not None
    return dict(row)


# --- claims ---------------------------------------------------------------------------------


async def test_added_site_waits_for_a_manager(program: Services) -> None:
    """/sites add stores the site as pending, with its normalised match."""
    site = await program.sites.add(GUILD, ANNA, "https://www.AnnaBakes.com/recipes/")
    assert (site.status, str(site.match), site.url) == (
        SiteStatus.PENDING,
        "annabakes.com/recipes",
        "https://www.AnnaBakes.com/recipes/",
    )
    listed = await program.sites.sites(GUILD, ANNA)
    assert [s.id for s in listed] == [site.id]


async def test_a_site_another_creator_claims_is_refused(program: Services) -> None:
    """One live claim per host and path in a server: the second creator is told it is taken."""
    await program.sites.add(GUILD, ANNA, "annabakes.com")
    with pytest.raises(SiteRefused) as refused:
        await program.sites.add(GUILD, BERT, "https://www.annabakes.com/")
    assert refused.value.reason is Refusal.TAKEN
    assert await program.sites.sites(GUILD, BERT) == []


async def test_the_same_site_twice_is_a_duplicate(program: Services) -> None:
    """Registering one's own site again changes nothing and says so."""
    await program.sites.add(GUILD, ANNA, "annabakes.com")
    with pytest.raises(SiteRefused) as refused:
        await program.sites.add(GUILD, ANNA, "http://m.annabakes.com")
    assert refused.value.reason is Refusal.DUPLICATE


async def test_shop_domains_are_refused(program: Services) -> None:
    """The server's shop_url and allowed domains are the shop's, nobody's site."""
    for url in ("https://shop.brand.example/p/1", "brand.example", "https://blog.brand.example"):
        with pytest.raises(SiteRefused) as refused:
            await program.sites.add(GUILD, ANNA, url)
        assert refused.value.reason is Refusal.SHOP


async def test_eleventh_live_site_is_refused(program: Services) -> None:
    """At most ten live sites per creator; a rejected one does not count."""
    for n in range(10):
        await program.sites.add(GUILD, ANNA, f"https://anna{n}.example")
    with pytest.raises(SiteRefused) as refused:
        await program.sites.add(GUILD, ANNA, "https://anna10.example")
    assert refused.value.reason is Refusal.LIMIT
    first = (await program.sites.sites(GUILD, ANNA))[0]
    await program.sites.decide(GUILD, first.id, MANAGER, approve=False)
    await program.sites.add(GUILD, ANNA, "https://anna10.example")


async def test_only_active_creators_add_sites(program: Services) -> None:
    """A member who is not a creator, or a paused one, cannot register a site."""
    with pytest.raises(NotACreator):
        await program.sites.add(GUILD, CLEO, "cleo.example")
    await program.onboarding.set_status(GUILD, BERT, CreatorStatus.PAUSED, MANAGER)
    with pytest.raises(NotACreator) as refused:
        await program.sites.add(GUILD, BERT, "bert.example")
    assert refused.value.status == "paused"


async def test_removing_a_site_frees_the_claim(program: Services) -> None:
    """/sites remove by number: another creator may then claim the site."""
    site = await program.sites.add(GUILD, ANNA, "shared.example")
    removed = await program.sites.remove(GUILD, ANNA, f"#{site.id}")
    assert removed.status is SiteStatus.REMOVED
    assert (await program.sites.add(GUILD, BERT, "shared.example")).status is SiteStatus.PENDING


async def test_removing_by_address_and_unknown(program: Services) -> None:
    """A site can be named by its address; an unknown one is a clear error."""
    await program.sites.add(GUILD, ANNA, "annabakes.com")
    await program.sites.remove(GUILD, ANNA, "https://www.annabakes.com/")
    assert await program.sites.sites(GUILD, ANNA) == []
    with pytest.raises(SiteNotFound):
        await program.sites.remove(GUILD, ANNA, "annabakes.com")


# --- decisions ------------------------------------------------------------------------------


async def test_approval_is_recorded_with_a_notice(program: Services) -> None:
    """A manager's approval stores who and when, and names the DM to send once."""
    site = await program.sites.add(GUILD, ANNA, "annabakes.com")
    decision = await program.sites.decide(GUILD, site.id, MANAGER, approve=True)
    assert (decision.site.status, decision.site.decided_by) == (SiteStatus.APPROVED, MANAGER)
    assert decision.notice is not None
    assert (decision.notice.user_id, decision.notice.dedupe_key) == (ANNA, f"site:{site.id}")
    audit = await program.db.fetch_val(
        "SELECT count(*) FROM audit_log WHERE action = 'site.approve' AND actor_id = ?", MANAGER
    )
    assert audit == 1


async def test_a_decided_site_cannot_be_decided_again(program: Services) -> None:
    """The second manager is told it is decided already; nothing changes."""
    site = await program.sites.add(GUILD, ANNA, "annabakes.com")
    await program.sites.decide(GUILD, site.id, MANAGER, approve=False)
    with pytest.raises(SiteAlreadyDecided):
        await program.sites.decide(GUILD, site.id, MANAGER + 1, approve=True)
    assert (await program.sites.site(GUILD, site.id)).status is SiteStatus.REJECTED


async def test_profile_url_is_approved_with_the_application(services: Services) -> None:
    """A manager approving an application approves its profile URL as a site too."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.brand.example"}
    )
    await _creator(services, ANNA, "annabakes", "https://www.instagram.com/annabakes/")
    sites = await services.sites.sites(GUILD, ANNA)
    assert [(str(s.match), s.status, s.decided_by) for s in sites] == [
        ("instagram.com/annabakes", SiteStatus.APPROVED, MANAGER)
    ]


async def test_profile_url_of_a_rule_approval_waits(services: Services) -> None:
    """An application a rule approved: no person saw the URL, so the site waits."""
    await services.settings.update(
        GUILD, MANAGER, {"review_channel": 10, "shop_url": "https://shop.brand.example"}
    )
    applied = await services.onboarding.apply(
        GUILD,
        ANNA,
        platform="instagram",
        handle="annabakes",
        followers=5000,
        niche="food",
        profile_url="https://www.instagram.com/annabakes",
    )
    approval = await services.onboarding.approve(
        GUILD, applied.application.id, None, rule=Rule.APPROVE_MATCH
    )
    assert approval.site is not None and approval.site.status is SiteStatus.PENDING


async def test_removed_creator_frees_their_claims(program: Services) -> None:
    """/creator remove: the creator's sites are removed and free for others."""
    await _approved(program, ANNA, "annabakes.com")
    await program.onboarding.set_status(GUILD, ANNA, CreatorStatus.REMOVED, MANAGER)
    status = await program.db.fetch_val("SELECT status FROM creator_sites")
    assert status == "removed"
    assert (await program.sites.add(GUILD, BERT, "annabakes.com")).status is SiteStatus.PENDING


# --- privacy --------------------------------------------------------------------------------


async def test_export_has_the_sites_and_erasure_deletes_them(program: Services) -> None:
    """/privacy export lists the member's sites; /privacy delete removes them and the claim."""
    await _approved(program, ANNA, "annabakes.com")
    exported = await program.privacy.export(GUILD, ANNA)
    assert [(s["url"], s["status"]) for s in exported["sites"]] == [("annabakes.com", "approved")]
    erasure = await program.privacy.erase(GUILD, ANNA)
    assert erasure.creator_id is not None
    assert await program.db.fetch_val("SELECT count(*) FROM creator_sites") == 0
    assert (await program.sites.add(GUILD, BERT, "annabakes.com")).status is SiteStatus.PENDING


# --- attribution ----------------------------------------------------------------------------


async def test_order_from_an_approved_site_is_the_creators(
    program: Services, clock: FrozenClock
) -> None:
    """No click, no code, referrer on anna's approved site: DirectLink credits anna."""
    site_id = await _approved(program, ANNA, "annabakes.com")
    row = await _sale(program, clock, "o1", "https://www.annabakes.com/recipes/bread")
    assert row == {
        "attribution": "directlink",
        "attribution_reason": f"directlink:site={site_id}",
        "user_id": ANNA,
    }
    commission = await program.db.fetch_val("SELECT amount_minor FROM commissions")
    assert commission == 1_000


async def test_a_pending_site_credits_nobody(program: Services, clock: FrozenClock) -> None:
    """Until a manager approves it, a site counts for nothing."""
    await program.sites.add(GUILD, ANNA, "annabakes.com")
    row = await _sale(program, clock, "o1", "https://annabakes.com/")
    assert (row["attribution"], row["user_id"]) == ("none", None)


async def test_a_code_beats_the_site(program: Services, clock: FrozenClock) -> None:
    """An order with bert's code from anna's site is bert's."""
    await _approved(program, ANNA, "annabakes.com")
    code = (await program.onboarding.profile(GUILD, BERT)).code
    assert code is not None
    row = await _sale(program, clock, "o1", "https://annabakes.com/", codes=(code.code,))
    assert (row["attribution"], row["user_id"]) == ("code", BERT)


async def test_paused_creators_site_does_not_count(program: Services, clock: FrozenClock) -> None:
    """A paused creator's approved site credits nobody."""
    await _approved(program, ANNA, "annabakes.com")
    await program.onboarding.set_status(GUILD, ANNA, CreatorStatus.PAUSED, MANAGER)
    row = await _sale(program, clock, "o1", "https://annabakes.com/")
    assert (row["attribution"], row["attribution_reason"]) == ("none", "site_creator_inactive")


async def test_profile_matches_only_that_profile(program: Services, clock: FrozenClock) -> None:
    """anna's Instagram profile gets her profile's visitors, not Instagram's."""
    await _approved(program, ANNA, "https://www.instagram.com/annabakes")
    mine = await _sale(program, clock, "o1", "https://www.instagram.com/annabakes/")
    platform = await _sale(program, clock, "o2", "https://www.instagram.com/")
    longer = await _sale(program, clock, "o3", "https://www.instagram.com/annabakesalot")
    assert [mine["user_id"], platform["user_id"], longer["user_id"]] == [ANNA, None, None]


async def test_longest_path_wins(program: Services, clock: FrozenClock) -> None:
    """bert claims a whole collective site, anna her page on it: her page is hers."""
    await _approved(program, BERT, "collective.example")
    await _approved(program, ANNA, "collective.example/anna")
    annas = await _sale(program, clock, "o1", "https://collective.example/anna/cake")
    berts = await _sale(program, clock, "o2", "https://collective.example/annabakes")
    assert [annas["user_id"], berts["user_id"]] == [ANNA, BERT]


async def test_same_site_in_two_servers_credits_nobody(
    program: Services, clock: FrozenClock
) -> None:
    """A site approved in two servers cannot say which server the order belongs to."""
    await _approved(program, ANNA, "annabakes.com")
    await program.settings.update(
        OTHER_GUILD, MANAGER, {"review_channel": 20, "shop_url": "https://other.example"}
    )
    applied = await program.onboarding.apply(
        OTHER_GUILD, CLEO, platform="instagram", handle="cleo", followers=5000, niche="food"
    )
    await program.onboarding.approve(OTHER_GUILD, applied.application.id, MANAGER)
    site = await program.sites.add(OTHER_GUILD, CLEO, "annabakes.com")
    await program.sites.decide(OTHER_GUILD, site.id, MANAGER, approve=True)
    row = await _sale(program, clock, "o1", "https://annabakes.com/")
    assert (row["attribution"], row["user_id"]) == ("none", None)


async def test_shop_referrer_never_matches(program: Services, clock: FrozenClock) -> None:
    """A site claimed before the shop moved to it stops counting once it is the shop's."""
    await _approved(program, ANNA, "annabakes.com")
    await program.settings.update(GUILD, MANAGER, {"allowed_domains": "annabakes.com"})
    row = await _sale(program, clock, "o1", "https://annabakes.com/")
    assert row["attribution"] == "none"


async def test_report_shares_attribution_methods(program: Services, clock: FrozenClock) -> None:
    """/report: one DirectLink order and one code order are half of the orders each."""
    await _approved(program, ANNA, "annabakes.com")
    code = (await program.onboarding.profile(GUILD, BERT)).code
    assert code is not None
    await _sale(program, clock, "o1", "https://annabakes.com/")
    await _sale(program, clock, "o2", None, codes=(code.code,))
    report = await program.reports.report(GUILD, "month")
    shares = {
        m.method.value: (m.orders, m.revenue_minor, m.orders_share_bp) for m in report.methods
    }
    assert shares == {
        "click": (0, 0, 0),
        "code": (1, 10_000, 5_000),
        "directlink": (1, 10_000, 5_000),
        "recurring": (0, 0, 0),
        "manual": (0, 0, 0),
    }
