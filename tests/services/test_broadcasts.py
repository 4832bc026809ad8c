"""BroadcastService: drafts, Send as one job, each creator's item, status; real SQLite."""

from __future__ import annotations

import pytest

from bot.domain.broadcasts import DM_SENT, INACTIVE, BroadcastState, LinkNotAllowed
from bot.domain.creators import CreatorStatus
from bot.domain.jobs import ItemResult, ItemState, JobKind
from bot.registry import Services
from bot.services.broadcasts import ConfirmAgain, EmptySegment, NotADraft
from bot.services.notifications import Delivery

GUILD, MANAGER = 1, 900
SHOP = "https://shop.example.com"


async def _program(services: Services, n: int) -> list[int]:
    """``n`` active creators (user ids 500…) in a server whose shop is the allowed domain."""
    await services.settings.update(GUILD, MANAGER, {"review_channel": 10, "shop_url": SHOP})
    users = []
    for i in range(n):
        result = await services.onboarding.apply(
            GUILD, 500 + i, platform="instagram", handle=f"maker{i}", followers=5_000, niche="food"
        )
        await services.onboarding.approve(GUILD, result.application.id, MANAGER)
        users.append(500 + i)
    return users


async def _draft(services: Services, segment: str = "all", **brief: str):  # type: ignore[no-untyped-def]
    fields = {"title": "Drop", "text": "New flavours", **brief}
    return await services.broadcasts.draft(GUILD, MANAGER, segment=segment, **fields)


async def _audit(services: Services, action: str) -> int:
    query = "SELECT count(*) FROM audit_log WHERE action = ?"
    return int(await services.db.fetch_val(query, action))


async def test_draft_is_stored_and_audited(services: Services) -> None:
    """A brief becomes a draft with its recipients and the default campaign for a shop link."""
    await _program(services, 3)
    draft = await _draft(services, link=f"{SHOP}/spring")
    assert draft.broadcast.state is BroadcastState.DRAFT
    assert draft.broadcast.recipients == 3 and draft.campaign is not None
    assert draft.campaign.is_default
    assert await _audit(services, "broadcast.create") == 1


async def test_empty_segment_stores_nothing(services: Services) -> None:
    """A segment of nobody raises EmptySegment; no draft is stored."""
    await _program(services, 2)
    await services.segments.create(GUILD, MANAGER, "knitters", niche="knitting")
    with pytest.raises(EmptySegment):
        await _draft(services, "knitters")
    assert await services.db.fetch_val("SELECT count(*) FROM broadcasts") == 0


async def test_link_off_allowed_domains_stores_nothing(services: Services) -> None:
    """A link to another site is refused and nothing is stored."""
    await _program(services, 1)
    with pytest.raises(LinkNotAllowed):
        await _draft(services, link="https://elsewhere.example.org")
    assert await services.db.fetch_val("SELECT count(*) FROM broadcasts") == 0


async def test_send_starts_one_job_once(services: Services) -> None:
    """Send freezes the creators as one job's items; a second Send starts nothing."""
    await _program(services, 3)
    draft = await _draft(services)
    job = await services.broadcasts.start(GUILD, draft.broadcast.id, MANAGER)
    assert (job.kind, job.total, job.params) == (
        JobKind.BROADCAST,
        3,
        {"broadcast_id": draft.broadcast.id, "title": draft.broadcast.title},
    )
    with pytest.raises(NotADraft):
        await services.broadcasts.start(GUILD, draft.broadcast.id, MANAGER)
    assert await services.db.fetch_val("SELECT count(*) FROM jobs") == 1
    assert await _audit(services, "broadcast.send") == 1


async def test_cancelled_draft_cannot_be_sent(services: Services) -> None:
    """Cancel drops the draft; Send afterwards is refused."""
    await _program(services, 1)
    draft = await _draft(services)
    cancelled = await services.broadcasts.cancel(GUILD, draft.broadcast.id, MANAGER)
    assert cancelled.state is BroadcastState.CANCELLED
    with pytest.raises(NotADraft):
        await services.broadcasts.start(GUILD, draft.broadcast.id, MANAGER)
    assert await services.db.fetch_val("SELECT count(*) FROM jobs") == 0


async def test_everyone_above_a_hundred_must_be_confirmed_twice(services: Services) -> None:
    """`all` with 101 creators raises ConfirmAgain until Send is confirmed."""
    await _program(services, 101)
    draft = await _draft(services)
    with pytest.raises(ConfirmAgain) as raised:
        await services.broadcasts.start(GUILD, draft.broadcast.id, MANAGER)
    assert raised.value.recipients == 101
    job = await services.broadcasts.start(GUILD, draft.broadcast.id, MANAGER, confirmed=True)
    assert job.total == 101


async def test_each_recipient_gets_their_own_link(services: Services) -> None:
    """An item names the creator's own tracking link for the broadcast's campaign."""
    users = await _program(services, 2)
    draft = await _draft(services, link=SHOP)
    job = await services.broadcasts.start(GUILD, draft.broadcast.id, MANAGER)
    seen = {}
    for _ in users:
        item = await services.jobs.claim(job.id)
        assert item is not None
        recipient = await services.broadcasts.recipient(job, item)
        assert recipient.notice is not None and recipient.skipped is None
        own = await services.campaigns.links(GUILD, recipient.notice.user_id, None)
        assert recipient.link_url == own[0].url(services.config.public_url)
        seen[recipient.notice.user_id] = recipient.link_url
        await services.jobs.record(job.id, item.subject_id, ItemResult(ItemState.DONE, DM_SENT))
    assert set(seen) == set(users) and len(set(seen.values())) == 2


async def test_interrupted_item_already_sent_is_not_sent_again(services: Services) -> None:
    """After a crash between the DM and the record, the item reports the earlier DM."""
    await _program(services, 1)
    draft = await _draft(services)
    job = await services.broadcasts.start(GUILD, draft.broadcast.id, MANAGER)
    item = await services.jobs.claim(job.id)
    assert item is not None
    recipient = await services.broadcasts.recipient(job, item)
    sent: list[int] = []

    async def send() -> None:
        sent.append(1)

    assert recipient.notice is not None
    assert await services.notifications.send_once(recipient.notice, send) is Delivery.SENT
    again = await services.jobs.claim(job.id)  # the restart hands the claimed item back
    assert again is not None and again.interrupted
    resumed = await services.broadcasts.recipient(job, again)
    assert resumed.earlier is Delivery.SENT
    assert resumed.notice is not None
    deduplicated = await services.notifications.send_once(resumed.notice, send)
    assert deduplicated is Delivery.SENT
    assert sent == [1]


async def test_paused_creator_is_skipped(services: Services) -> None:
    """A creator paused after Send is skipped as no longer active."""
    users = await _program(services, 1)
    draft = await _draft(services)
    job = await services.broadcasts.start(GUILD, draft.broadcast.id, MANAGER)
    await services.onboarding.set_status(GUILD, users[0], CreatorStatus.PAUSED, MANAGER)
    item = await services.jobs.claim(job.id)
    assert item is not None
    assert (await services.broadcasts.recipient(job, item)).skipped == INACTIVE


async def test_recent_lists_newest_first_with_counts(services: Services) -> None:
    """Status lists the last broadcasts, newest first, a draft with all pending."""
    await _program(services, 2)
    first = await _draft(services, title="First")
    await services.broadcasts.start(GUILD, first.broadcast.id, MANAGER)
    await _draft(services, title="Second")
    recent = await services.broadcasts.recent(GUILD)
    assert [s.broadcast.title for s in recent] == ["Second", "First"]
    assert recent[1].tally.pending == 2 and recent[1].broadcast.state is BroadcastState.SENDING
