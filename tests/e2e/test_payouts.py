"""Payouts through the real client: payout method, a frozen batch with its files, paid DMs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.harness import LocalDiscord
from emulators.discord import EmulatorError
from tests.e2e._creators import approve_creator, command, sell

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def world(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[LocalDiscord]:
    """A program with no hold period and a €5 threshold; anna and bert (Dutch) are creators."""
    async with LocalDiscord(tmp_path / "payouts.db", clock=clock) as w:
        cast = w.cast
        await w.services.settings.update(
            cast.guild.id,
            cast.manager.id,
            {
                "review_channel": cast.review.id,
                "shop_url": "https://shop.example.com",
                "hold_days": 0,
                "payout_threshold": "5",
            },
        )
        await approve_creator(w, "anna", "anna.bakes")
        await approve_creator(w, "bert", "bert.grills", locale="nl")
        yield w


async def _creator_id(world: LocalDiscord, user: Any) -> int:
    creator = await world.services.onboarding.creator_by_member(world.cast.guild.id, user.id)
    assert creator is not None
    return creator.id


async def test_payout_method_is_shown_masked(world: LocalDiscord) -> None:
    """/payout-method answers privately with the details masked, in the member's language."""
    anna, bert = world.cast.members["anna"], world.cast.members["bert"]
    it = await command(world, anna, "payout-method", method="paypal", details="anna@example.com")
    assert it.ephemeral
    assert "a***@example.com" in it.content and "anna@example.com" not in it.content
    it = await command(
        world, bert, "payout-method", method="wise", details="NL91 ABNA 0417 1643 00 Bert Smit"
    )
    assert "NL91 **** **** 4300" in it.content and "Opgeslagen" in it.content


async def test_bad_iban_is_refused(world: LocalDiscord) -> None:
    """A mistyped IBAN is refused with the expected syntax, and nothing is stored."""
    bert = world.cast.members["bert"]
    it = await command(
        world, bert, "payout-method", method="wise", details="NL91ABNA0417164301 Bert Smit"
    )
    assert it.ephemeral and "NL91ABNA0417164300 Anna Jansen" in it.content
    assert await world.services.db.fetch_val("SELECT COUNT(*) FROM payout_methods") == 0


async def test_run_attaches_the_files_and_never_pays_twice(
    world: LocalDiscord, clock: FrozenClock
) -> None:
    """/payouts run → PayPal and Wise CSVs with the right rows; a second run pays nobody."""
    cast = world.cast
    anna, bert = cast.members["anna"], cast.members["bert"]
    await command(world, anna, "payout-method", method="paypal", details="anna@example.com")
    await command(world, bert, "payout-method", method="wise", details="bert@example.net")
    await sell(world, clock, "1001", 80_000, "annabakes15")
    await sell(world, clock, "1002", 12_550, "bertgrills15")
    it = await command(world, cast.manager, "payouts run")
    assert it.ephemeral
    message = it.followups[0]
    files = {a.filename: a.content for a in message.attachments}
    anna_id = await _creator_id(world, anna)
    assert files == {
        "paypal-batch-1-1.csv": (
            f"anna@example.com,80.00,EUR,creator-{anna_id},Creator commission batch 1,PAYPAL\r\n"
        ).encode(),
        "wise-batch-1-1.csv": (
            b"name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,"
            b"sourceCurrency,targetCurrency\r\n"
            b"bert.grills,bert@example.net,Payout batch 1,PERSON,target,12.55,EUR,EUR\r\n"
        ),
    }
    assert "mark-paid batch:1" in message.embeds[0]["description"]
    again = await command(world, cast.manager, "payouts run")
    assert again.followups[0].attachments == []
    assert "no batch was frozen" in again.followups[0].content
    assert await world.services.db.fetch_val("SELECT COUNT(*) FROM payout_items") == 2


async def test_preview_and_run_list_creators_without_a_method(
    world: LocalDiscord, clock: FrozenClock
) -> None:
    """A creator without a payout method is named as skipped; the others are paid."""
    cast = world.cast
    anna, bert = cast.members["anna"], cast.members["bert"]
    await command(world, anna, "payout-method", method="paypal", details="anna@example.com")
    await sell(world, clock, "1001", 80_000, "annabakes15")
    await sell(world, clock, "1002", 80_000, "bertgrills15")
    preview = await command(world, cast.manager, "payouts preview")
    text = preview.followups[0].embeds[0]["description"]
    assert f"<@{anna.id}>: €80.00 via PayPal (a***@example.com)" in text
    assert "Skipped, no payout method:** 1 creator" in text and f"<@{bert.id}>: €80.00" in text
    run = await command(world, cast.manager, "payouts run")
    description = run.followups[0].embeds[0]["description"]
    assert f"<@{bert.id}>: €80.00" in description
    assert [a.filename for a in run.followups[0].attachments] == ["paypal-batch-1-1.csv"]


async def test_mark_paid_dms_each_creator_once(world: LocalDiscord, clock: FrozenClock) -> None:
    """/payouts mark-paid DMs the creator in their language; a repeat changes nothing."""
    cast = world.cast
    anna, bert = cast.members["anna"], cast.members["bert"]
    await command(world, anna, "payout-method", method="paypal", details="anna@example.com")
    await command(world, bert, "payout-method", method="paypal", details="bert@example.net")
    await sell(world, clock, "1001", 80_000, "annabakes15")
    await sell(world, clock, "1002", 60_000, "bertgrills15")
    await command(world, cast.manager, "payouts run")
    anna_before, bert_before = len(world.emu.dms(anna.id)), len(world.emu.dms(bert.id))
    it = await command(world, cast.manager, "payouts mark-paid", batch=1)
    assert "Batch #1 is marked paid. Creators told by DM: 2." in it.followups[0].content
    assert "€80.00" in world.emu.dms(anna.id)[-1].content
    assert "uitbetaling is onderweg" in world.emu.dms(bert.id)[-1].content
    again = await command(world, cast.manager, "payouts mark-paid", batch=1)
    assert "already marked paid" in again.followups[0].content
    assert len(world.emu.dms(anna.id)) == anna_before + 1
    assert len(world.emu.dms(bert.id)) == bert_before + 1


async def test_closed_dms_are_recorded_not_a_crash(world: LocalDiscord, clock: FrozenClock) -> None:
    """A creator with closed DMs is counted and recorded; the others are still told."""
    cast = world.cast
    anna, bert = cast.members["anna"], cast.members["bert"]
    await command(world, anna, "payout-method", method="paypal", details="anna@example.com")
    await command(world, bert, "payout-method", method="paypal", details="bert@example.net")
    await sell(world, clock, "1001", 80_000, "annabakes15")
    await sell(world, clock, "1002", 60_000, "bertgrills15")
    await command(world, cast.manager, "payouts run")
    world.emu.close_dms(bert.id)
    it = await command(world, cast.manager, "payouts mark-paid", batch=1)
    assert "Creators told by DM: 1. 1 has DMs closed" in it.followups[0].content
    status = await world.services.db.fetch_val(
        "SELECT status FROM notifications WHERE dedupe_key = ?",
        f"payout:1:{await _creator_id(world, bert)}",
    )
    assert status == "undeliverable"


async def test_payouts_are_hidden_from_creators(world: LocalDiscord) -> None:
    """Discord does not offer /payouts to a member without Manage Server."""
    anna = world.cast.members["anna"]
    with pytest.raises(EmulatorError, match="hidden"):
        await world.emu.invoke(anna.id, "payouts run", guild_id=world.cast.guild.id)
    assert await world.services.db.fetch_val("SELECT COUNT(*) FROM payout_batches") == 0


async def test_cancel_undoes_a_frozen_batch(world: LocalDiscord, clock: FrozenClock) -> None:
    """/payouts cancel returns the earnings to approved; the batch can then no longer be
    marked paid, and the next run pays the same amount again."""
    cast = world.cast
    anna = cast.members["anna"]
    await command(world, anna, "payout-method", method="paypal", details="anna@example.com")
    await sell(world, clock, "1001", 80_000, "annabakes15")
    await command(world, cast.manager, "payouts run")
    it = await command(world, cast.manager, "payouts cancel", batch=1)
    assert it.ephemeral
    assert "Batch #1 is cancelled: 1 creator, €80.00 went back" in it.followups[0].content
    refused = await command(world, cast.manager, "payouts mark-paid", batch=1)
    assert "was cancelled" in refused.followups[0].content
    run = await command(world, cast.manager, "payouts run")
    assert "**Pays:** 1 creator, €80.00" in run.followups[0].embeds[0]["description"]
    assert [a.filename for a in run.followups[0].attachments] == ["paypal-batch-2-1.csv"]
