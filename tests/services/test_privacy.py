"""PrivacyService: a member's export holds their data only; erasing keeps money anonymised."""

from __future__ import annotations

import json

import pytest

from bot.clock import FrozenClock, to_epoch
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.errors import NotACreator
from bot.registry import Services
from bot.services.deliverables import Metrics
from bot.services.onboarding import ApplicationNotFound
from bot.services.privacy import export_bytes

GUILD, MANAGER = 1, 900
ANNA, BERT, CLEO = 501, 502, 503


async def _creator(services: Services, user_id: int, handle: str, email: str) -> int:
    result = await services.onboarding.apply(
        GUILD,
        user_id,
        platform="instagram",
        handle=handle,
        followers=5000,
        niche="food",
        email=email,
        profile_url=f"https://www.instagram.com/{handle}",
    )
    approval = await services.onboarding.approve(GUILD, result.application.id, MANAGER)
    return approval.creator.id


async def _click_and_sale(
    services: Services, clock: FrozenClock, user_id: int, order: str, visitor: str
) -> None:
    """A visitor clicks the creator's link and buys (attributed by the click id)."""
    creator = await services.onboarding.creator_by_member(GUILD, user_id)
    assert creator is not None
    link = (await services.onboarding.profile(GUILD, user_id)).links[0]
    async with services.db.transaction() as tx:
        await tx.execute(
            """INSERT INTO clicks (guild_id, link_id, creator_id, campaign_id, click_id,
                                   visitor_hash, is_unique, clicked_at)
               VALUES (?, ?, ?, ?, ?, ?, 1, ?)""",
            GUILD,
            link.id,
            creator.id,
            link.campaign_id,
            f"clk-{order}",
            visitor,
            to_epoch(clock.now()) - 60,
        )
    await services.conversions.ingest(
        OrderEvent(
            source=Source.SHOPIFY,
            kind=EventKind.SALE,
            order_id=order,
            occurred_at=clock.now(),
            currency="EUR",
            net_minor=60_000,
            click_id=f"clk-{order}",
        )
    )


async def _nothing() -> None:
    return None


@pytest.fixture
async def program(services: Services, clock: FrozenClock) -> Services:
    """anna and bert are creators with a click, a sale and a DM each; anna has a PayPal."""
    await services.settings.update(
        GUILD,
        MANAGER,
        {"review_channel": 10, "shop_url": "https://shop.example.com", "hold_days": 0},
    )
    await _creator(services, ANNA, "anna.bakes", "anna@example.com")
    await _creator(services, BERT, "bert.grills", "bert@example.net")
    await _click_and_sale(services, clock, ANNA, "ORDER-ANNA-1", "visitor-of-anna")
    await _click_and_sale(services, clock, BERT, "ORDER-BERT-1", "visitor-of-bert")
    await services.payouts.set_method(GUILD, ANNA, "paypal", "anna.pay@example.com")
    for user_id in (ANNA, BERT):
        await services.notifications.deliver(
            guild_id=GUILD, user_id=user_id, kind="welcome", dedupe_key=f"w{user_id}", send=_nothing
        )
    return services


async def test_export_contains_the_members_data(program: Services) -> None:
    """Applications, creator record, code, links, click counts, orders, commissions, method."""
    data = await program.privacy.export(GUILD, ANNA)
    assert [a["handle"] for a in data["applications"]] == ["anna.bakes"]
    assert data["creator"]["email"] == "anna@example.com"
    assert [c["code"] for c in data["discount_codes"]] == ["ANNABAKES15"]
    assert data["links"][0]["url"].startswith("http://127.0.0.1:8080/r/")
    assert data["clicks"] == {"total": 1, "unique": 1}
    assert [(c["order_id"], c["net_minor"]) for c in data["conversions"]] == [
        ("ORDER-ANNA-1", 60_000)
    ]
    assert [(c["amount_minor"], c["state"]) for c in data["commissions"]] == [(6_000, "approved")]
    assert data["payout_method"] == {"method": "paypal", "details": "a***@example.com"}
    assert [n["kind"] for n in data["notifications"]] == ["welcome"]
    assert data["conversions"][0]["occurred_at"] == "2026-11-23T10:00:00+00:00"


async def test_export_holds_no_one_elses_data(program: Services) -> None:
    """Nothing of another member, no visitor hash and no full payout e-mail is in the file."""
    body = export_bytes(await program.privacy.export(GUILD, ANNA)).decode()
    for secret in ("bert", "ORDER-BERT", "visitor-of", "anna.pay@", str(BERT)):
        assert secret not in body
    json.loads(body)


async def test_export_of_a_member_who_never_applied(program: Services) -> None:
    """A member with nothing stored gets an export with empty lists and no creator."""
    data = await program.privacy.export(GUILD, CLEO)
    assert (data["applications"], data["creator"], data["notifications"]) == ([], None, [])


async def test_erase_blanks_the_listed_columns(program: Services) -> None:
    """Handle, e-mail, member id, payout method, visitor hashes and DM owner are gone."""
    anna = await program.onboarding.creator_by_member(GUILD, ANNA)
    assert anna is not None
    erasure = await program.privacy.erase(GUILD, ANNA)
    assert (erasure.creator_id, erasure.applications) == (anna.id, 1)
    db = program.db
    creator = await db.fetch_one("SELECT * FROM creators WHERE id = ?", anna.id)
    assert (creator["handle"], creator["email"], creator["user_id"]) == (None, None, None)
    assert creator["erased_at"] == to_epoch(program.clock.now())
    assert (creator["source_slug"], creator["status"]) == (f"erased-{anna.id}", "removed")
    assert (
        await db.fetch_val("SELECT active FROM discount_codes WHERE creator_id = ?", anna.id) == 0
    )
    application = await db.fetch_one(
        "SELECT handle, email, profile_url, user_id FROM applications WHERE id = 1"
    )
    assert tuple(application) == (None, None, None, None)
    assert await db.fetch_val("SELECT COUNT(*) FROM payout_methods") == 0
    hashes = await db.fetch_all("SELECT creator_id, visitor_hash FROM clicks ORDER BY id")
    assert [tuple(r) for r in hashes] == [(anna.id, ""), (anna.id + 1, "visitor-of-bert")]
    hashes = await db.fetch_all("SELECT visitor_hash FROM conversions ORDER BY id")
    assert [r[0] for r in hashes] == [None, "visitor-of-bert"]
    owners = await db.fetch_all("SELECT user_id FROM notifications ORDER BY id")
    assert [r[0] for r in owners] == [None, BERT]


async def test_erase_keeps_anonymised_money_records(program: Services) -> None:
    """Conversions, commissions and the ledger keep their amounts; balances are unchanged."""
    anna = await program.onboarding.creator_by_member(GUILD, ANNA)
    assert anna is not None
    query = """
        SELECT (SELECT SUM(net_minor) FROM conversions), (SELECT SUM(amount_minor) FROM
        commissions), (SELECT COUNT(*) FROM ledger_entries)
    """
    before = tuple(await program.db.fetch_one(query))
    balances = await program.conversions.balances(GUILD, anna.id)
    await program.privacy.erase(GUILD, ANNA)
    assert tuple(await program.db.fetch_one(query)) == before
    assert await program.conversions.balances(GUILD, anna.id) == balances


async def test_erased_member_is_no_creator_and_may_apply_again(program: Services) -> None:
    """After erasing, the member is not a creator (no link, no code) and can apply afresh."""
    await program.privacy.erase(GUILD, ANNA)
    assert await program.onboarding.creator_by_member(GUILD, ANNA) is None
    with pytest.raises(NotACreator):
        await program.campaigns.code(GUILD, ANNA)
    result = await program.onboarding.apply(
        GUILD, ANNA, platform="tiktok", handle="anna.new", followers=10, niche="food"
    )
    assert result.application.handle == "anna.new"


async def test_erase_closes_an_open_application(program: Services) -> None:
    """An application still in review is closed and blanked; it cannot be approved."""
    await program.onboarding.apply(
        GUILD, CLEO, platform="tiktok", handle="cleo", followers=10, niche="art"
    )
    await program.privacy.erase(GUILD, CLEO)
    row = await program.db.fetch_one(
        "SELECT status, handle, user_id FROM applications ORDER BY id DESC LIMIT 1"
    )
    assert tuple(row) == ("rejected", None, None)
    with pytest.raises(ApplicationNotFound):
        await program.onboarding.pending_application(GUILD, CLEO)


async def test_erase_is_audited_without_personal_data(program: Services) -> None:
    """'privacy.delete' names only the record; the member's own entries lose their id."""
    anna = await program.onboarding.creator_by_member(GUILD, ANNA)
    assert anna is not None
    await program.privacy.erase(GUILD, ANNA)
    entry = await program.db.fetch_one(
        "SELECT actor_id, subject, detail FROM audit_log WHERE action = 'privacy.delete'"
    )
    assert (entry["actor_id"], entry["subject"]) == (None, f"creator:{anna.id}")
    assert "anna" not in (entry["detail"] or "")
    assert (
        await program.db.fetch_val("SELECT COUNT(*) FROM audit_log WHERE actor_id = ?", ANNA) == 0
    )
    assert (
        await program.db.fetch_val("SELECT COUNT(*) FROM audit_log WHERE actor_id = ?", BERT) == 1
    )


async def test_erased_creator_is_never_paid(program: Services) -> None:
    """An erased creator's balance stays, without a method: listed as erased, not paid."""
    await program.settings.update(GUILD, MANAGER, {"payout_threshold": "10"})
    await program.payouts.set_method(GUILD, BERT, "paypal", "bert@example.net")
    await program.privacy.erase(GUILD, ANNA)
    preview = await program.payouts.preview(GUILD)
    assert [(p.erased, p.user_id) for p in preview.without_method] == [(True, None)]
    run = await program.payouts.run(GUILD, MANAGER)
    assert [p.user_id for p in run.paid] == [BERT]


async def test_erase_forgets_post_urls_and_cancels_open_deliverables(program: Services) -> None:
    """Submitted post URLs are blanked and open deliverables stop (no more reminders)."""
    done = await program.deliverables.add(
        GUILD, MANAGER, ANNA, platform="instagram", kind="post", due="2026-12-01 10:00"
    )
    await program.deliverables.add(
        GUILD, MANAGER, ANNA, platform="instagram", kind="reel", due="2026-12-05 10:00"
    )
    await program.deliverables.submit(
        GUILD, ANNA, done.id, "https://www.instagram.com/p/abc", Metrics()
    )
    await program.privacy.erase(GUILD, ANNA)
    rows = await program.db.fetch_all("SELECT status, submission_url FROM deliverables")
    assert [tuple(r) for r in rows] == [("cancelled", None), ("cancelled", None)]


async def test_erase_replaces_contract_titles_and_ends_running_contracts(
    program: Services,
) -> None:
    """A title a manager wrote about the member becomes the contract's number."""
    await program.deliverables.create_contract(
        GUILD,
        MANAGER,
        ANNA,
        title="Anna Jansen summer reels",
        start="2026-12-01",
        end="2026-12-31 18:00",
    )
    await program.deliverables.create_contract(
        GUILD, MANAGER, BERT, title="Bert autumn posts", start="2026-12-01", end="2026-12-31 18:00"
    )
    await program.privacy.erase(GUILD, ANNA)
    rows = await program.db.fetch_all("SELECT id, title, status FROM contracts ORDER BY id")
    assert [tuple(r) for r in rows] == [
        (rows[0]["id"], f"#{rows[0]['id']}", "cancelled"),
        (rows[1]["id"], "Bert autumn posts", "active"),
    ]
