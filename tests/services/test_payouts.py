"""PayoutService: who is paid, clawback netting, frozen batches, marking paid."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.clock import FrozenClock
from bot.domain.orders import EventKind, OrderEvent, Source
from bot.errors import NotACreator
from bot.registry import Services
from bot.services.payouts import (
    BatchAlreadyPaid,
    BatchCancelled,
    BatchNotFound,
    NothingToPay,
)

GUILD, MANAGER = 1, 900
ANNA, BERT = 501, 502


async def _creator(services: Services, user_id: int, handle: str) -> int:
    result = await services.onboarding.apply(
        GUILD, user_id, platform="tiktok", handle=handle, followers=5000, niche="food"
    )
    approval = await services.onboarding.approve(GUILD, result.application.id, MANAGER)
    return approval.creator.id


@pytest.fixture
async def program(services: Services) -> Services:
    """Two creators, anna (code ANNA15) and bert (BERT15); no hold period; 10 % commission."""
    await services.settings.update(
        GUILD,
        MANAGER,
        {
            "review_channel": 10,
            "shop_url": "https://shop.example.com",
            "hold_days": 0,
            "payout_threshold": "40",
        },
    )
    await _creator(services, ANNA, "anna")
    await _creator(services, BERT, "bert")
    return services


async def _sale(services: Services, clock: FrozenClock, order: str, net: int, code: str) -> None:
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


async def _refund(services: Services, clock: FrozenClock, order: str, amount: int) -> None:
    await services.conversions.ingest(
        OrderEvent(
            source=Source.SHOPIFY,
            kind=EventKind.REFUND,
            order_id=order,
            occurred_at=clock.now(),
            refund_minor=amount,
            refund_id=f"refund-{order}",
        )
    )


async def _creator_id(services: Services, user_id: int) -> int:
    creator = await services.onboarding.creator_by_member(GUILD, user_id)
    assert creator is not None
    return creator.id


async def _approved(services: Services, user_id: int) -> int:
    creator_id = await _creator_id(services, user_id)
    return (await services.conversions.balances(GUILD, creator_id)).approved


async def _with_clawback(services: Services, clock: FrozenClock) -> None:
    """Anna: €15 paid out, then refunded (−€15 clawback), then €60 newly approved."""
    await services.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await services.settings.update(GUILD, MANAGER, {"payout_threshold": "10"})
    await _sale(services, clock, "A", 15_000, "anna15")
    await services.payouts.run(GUILD, MANAGER)
    await _refund(services, clock, "A", 15_000)
    await _sale(services, clock, "B", 60_000, "anna15")


async def test_clawback_is_netted_against_the_next_payout(
    program: Services, clock: FrozenClock
) -> None:
    """60 approved and a −15 clawback pay 45 at a threshold of 40; nothing is left approved."""
    await _with_clawback(program, clock)
    await program.settings.update(GUILD, MANAGER, {"payout_threshold": "40"})
    assert await _approved(program, ANNA) == 4_500
    run = await program.payouts.run(GUILD, MANAGER)
    assert [(p.amount_minor, p.currency) for p in run.paid] == [(4_500, "EUR")]
    assert await _approved(program, ANNA) == 0
    states = await program.db.fetch_all("SELECT state FROM commissions ORDER BY id")
    assert [r["state"] for r in states] == ["paid", "paid"]


async def test_clawback_netted_balance_below_threshold_rolls_over(
    program: Services, clock: FrozenClock
) -> None:
    """The same 45 net at a threshold of 50 is not paid; the balance and states stay."""
    await _with_clawback(program, clock)
    await program.settings.update(GUILD, MANAGER, {"payout_threshold": "50"})
    preview = await program.payouts.preview(GUILD)
    assert [p.amount_minor for p in preview.below_threshold] == [4_500]
    with pytest.raises(NothingToPay):
        await program.payouts.run(GUILD, MANAGER)
    assert await _approved(program, ANNA) == 4_500
    assert await program.db.fetch_val("SELECT COUNT(*) FROM payout_batches") == 1


async def test_only_clawback_is_not_paid(program: Services, clock: FrozenClock) -> None:
    """A creator whose balance is only a clawback (negative) is carried, not paid."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await program.settings.update(GUILD, MANAGER, {"payout_threshold": "10"})
    await _sale(program, clock, "A", 15_000, "anna15")
    await program.payouts.run(GUILD, MANAGER)
    await _refund(program, clock, "A", 15_000)
    preview = await program.payouts.preview(GUILD)
    assert ([p.amount_minor for p in preview.owing], preview.payable) == ([-1_500], [])
    with pytest.raises(NothingToPay):
        await program.payouts.run(GUILD, MANAGER)


async def test_threshold_is_inclusive(program: Services, clock: FrozenClock) -> None:
    """An approved balance exactly at the threshold is paid."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await _sale(program, clock, "A", 40_000, "anna15")  # €40 commission, threshold €40
    run = await program.payouts.run(GUILD, MANAGER)
    assert [p.amount_minor for p in run.paid] == [4_000]


async def test_preview_sorts_creators(program: Services, clock: FrozenClock) -> None:
    """Payable, below the threshold and without a payout method are told apart."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await _sale(program, clock, "A", 50_000, "anna15")  # anna €50: payable
    await _sale(program, clock, "B", 50_000, "bert15")  # bert €50: no method
    preview = await program.payouts.preview(GUILD)
    anna, bert = await _creator_id(program, ANNA), await _creator_id(program, BERT)
    assert [p.creator_id for p in preview.payable] == [anna]
    assert [p.creator_id for p in preview.without_method] == [bert]
    assert preview.totals == {"EUR": 5_000}
    await _sale(program, clock, "C", 1_000, "anna15")
    await program.payouts.run(GUILD, MANAGER)
    await _sale(program, clock, "D", 1_000, "anna15")  # €1 after the run: below
    assert [p.amount_minor for p in (await program.payouts.preview(GUILD)).below_threshold] == [100]


async def test_creator_without_method_is_skipped_and_keeps_balance(
    program: Services, clock: FrozenClock
) -> None:
    """A creator without a payout method is not in the batch and is paid once they add one."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await _sale(program, clock, "A", 50_000, "anna15")
    await _sale(program, clock, "B", 50_000, "bert15")
    run = await program.payouts.run(GUILD, MANAGER)
    assert [p.creator_id for p in run.preview.without_method] == [await _creator_id(program, BERT)]
    assert await _approved(program, BERT) == 5_000
    await program.payouts.set_method(GUILD, BERT, "wise", "NL91ABNA0417164300 Bert Smit")
    second = await program.payouts.run(GUILD, MANAGER)
    assert [(p.creator_id, p.amount_minor) for p in second.paid] == [
        (await _creator_id(program, BERT), 5_000)
    ]
    assert [f.filename for f in second.files] == [f"wise-iban-batch-{second.batch.id}-1.csv"]


async def test_running_twice_pays_nobody_twice(program: Services, clock: FrozenClock) -> None:
    """Right after a run nothing is approved; a new sale is paid alone in the next batch."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await _sale(program, clock, "A", 50_000, "anna15")
    first = await program.payouts.run(GUILD, MANAGER)
    with pytest.raises(NothingToPay):
        await program.payouts.run(GUILD, MANAGER)
    await _sale(program, clock, "B", 45_000, "anna15")
    second = await program.payouts.run(GUILD, MANAGER)
    assert [p.amount_minor for p in second.paid] == [4_500]
    rows = await program.db.fetch_all("SELECT payout_batch_id FROM commissions ORDER BY id")
    assert [r[0] for r in rows] == [first.batch.id, second.batch.id]
    paid = await program.db.fetch_val(
        "SELECT SUM(amount_minor) FROM ledger_entries WHERE bucket = 'paid'"
    )
    assert paid == 9_500


async def test_concurrent_runs_freeze_one_batch(program: Services, clock: FrozenClock) -> None:
    """Two managers pressing run at once: one batch, the other is told nobody is due."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await _sale(program, clock, "A", 50_000, "anna15")
    results = await asyncio.gather(
        program.payouts.run(GUILD, MANAGER),
        program.payouts.run(GUILD, MANAGER + 1),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["NothingToPay", "PayoutRun"]
    assert await program.db.fetch_val("SELECT COUNT(*) FROM payout_items") == 1


async def test_run_files_pay_the_frozen_amounts(program: Services, clock: FrozenClock) -> None:
    """The PayPal file of a run holds each payee's e-mail and amount."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await program.payouts.set_method(GUILD, BERT, "paypal", "bert@example.com")
    await _sale(program, clock, "A", 50_000, "anna15")
    await _sale(program, clock, "B", 62_550, "bert15")
    run = await program.payouts.run(GUILD, MANAGER)
    [file] = run.files
    anna, bert = await _creator_id(program, ANNA), await _creator_id(program, BERT)
    batch = run.batch.id
    assert (
        file.content
        == (
            f"anna@example.com,50.00,EUR,creator-{anna},Creator commission batch {batch},PAYPAL\r\n"
            f"bert@example.com,62.55,EUR,creator-{bert},Creator commission batch {batch},PAYPAL\r\n"
        ).encode()
    )
    again, missing = await program.payouts.batch_files(GUILD, batch)
    assert (again[0].content, missing) == (file.content, 0)


async def test_mark_paid_is_idempotent(program: Services, clock: FrozenClock) -> None:
    """The first call marks the batch paid; a second changes nothing and says so."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await _sale(program, clock, "A", 50_000, "anna15")
    run = await program.payouts.run(GUILD, MANAGER)
    first = await program.payouts.mark_paid(GUILD, MANAGER, run.batch.id)
    assert (first.changed, first.batch.status) == (True, "paid")
    assert [(n.user_id, n.amounts) for n in first.notices] == [(ANNA, ((5_000, "EUR"),))]
    clock.advance(hours=1)
    second = await program.payouts.mark_paid(GUILD, MANAGER + 1, run.batch.id)
    assert (second.changed, second.batch.paid_by, second.batch.paid_at) == (
        False,
        MANAGER,
        first.batch.paid_at,
    )
    actions = await program.db.fetch_all(
        "SELECT action FROM audit_log WHERE action = 'payout.mark_paid'"
    )
    assert len(actions) == 1


async def test_mark_paid_of_another_server_is_not_found(
    program: Services, clock: FrozenClock
) -> None:
    """A batch number from another server (or none) is refused."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await _sale(program, clock, "A", 50_000, "anna15")
    run = await program.payouts.run(GUILD, MANAGER)
    for guild, batch in ((GUILD + 1, run.batch.id), (GUILD, run.batch.id + 1)):
        with pytest.raises(BatchNotFound):
            await program.payouts.mark_paid(guild, MANAGER, batch)


async def test_cancel_hands_a_batch_back_to_the_approved_balance(
    program: Services, clock: FrozenClock
) -> None:
    """A cancelled batch's earnings are approved again, clawbacks included, and the next run
    pays them; the cancelled batch cannot be paid, exported or cancelled again."""
    await _with_clawback(program, clock)
    await program.settings.update(GUILD, MANAGER, {"payout_threshold": "40"})
    mistake = await program.payouts.run(GUILD, MANAGER)
    assert await _approved(program, ANNA) == 0
    summary = await program.payouts.cancel(GUILD, MANAGER + 1, mistake.batch.id)
    assert (summary.status, summary.totals) == ("cancelled", {"EUR": 4_500})
    assert await _approved(program, ANNA) == 4_500
    ids = await program.db.fetch_all("SELECT payout_batch_id, state FROM commissions ORDER BY id")
    first_batch = ids[0]["payout_batch_id"]
    assert [tuple(r) for r in ids] == [(first_batch, "paid"), (None, "approved")]
    for call in (program.payouts.mark_paid, program.payouts.cancel):
        with pytest.raises(BatchCancelled):
            await call(GUILD, MANAGER, mistake.batch.id)
    with pytest.raises(BatchCancelled):
        await program.payouts.batch_files(GUILD, mistake.batch.id)
    again = await program.payouts.run(GUILD, MANAGER)
    assert [(p.amount_minor, p.currency) for p in again.paid] == [(4_500, "EUR")]
    preview = await program.payouts.preview(GUILD)
    assert [b.id for b in preview.unpaid_batches] == [first_batch, again.batch.id]
    sums = await program.db.fetch_all(
        "SELECT bucket, SUM(amount_minor) AS total FROM ledger_entries"
        " WHERE creator_id = ? GROUP BY bucket HAVING total <> 0 ORDER BY bucket",
        await _creator_id(program, ANNA),
    )
    assert {r["bucket"]: r["total"] for r in sums} == {
        "paid": 1_500 + 4_500,
        "reversed": 1_500,
    }
    actions = await program.db.fetch_all(
        "SELECT actor_id FROM audit_log WHERE action = 'payout.cancel'"
    )
    assert [r[0] for r in actions] == [MANAGER + 1]


async def test_a_paid_or_foreign_batch_cannot_be_cancelled(
    program: Services, clock: FrozenClock
) -> None:
    """Once marked paid the money has left: cancel refuses; another server's batch is unknown."""
    await program.payouts.set_method(GUILD, ANNA, "paypal", "anna@example.com")
    await _sale(program, clock, "A", 50_000, "anna15")
    run = await program.payouts.run(GUILD, MANAGER)
    with pytest.raises(BatchNotFound):
        await program.payouts.cancel(GUILD + 1, MANAGER, run.batch.id)
    await program.payouts.mark_paid(GUILD, MANAGER, run.batch.id)
    with pytest.raises(BatchAlreadyPaid):
        await program.payouts.cancel(GUILD, MANAGER, run.batch.id)
    assert await _approved(program, ANNA) == 0


async def test_only_creators_set_a_payout_method(program: Services) -> None:
    """A member who is not a creator cannot store payout details."""
    with pytest.raises(NotACreator):
        await program.payouts.set_method(GUILD, 999, "paypal", "x@example.com")
    assert await program.db.fetch_val("SELECT COUNT(*) FROM payout_methods") == 0


async def test_audit_records_actions_without_payout_details(
    program: Services, clock: FrozenClock
) -> None:
    """Setting a method, running and marking paid are audited; no e-mail or IBAN is."""
    await program.payouts.set_method(GUILD, ANNA, "wise", "NL91ABNA0417164300 Anna Jansen")
    await _sale(program, clock, "A", 50_000, "anna15")
    run = await program.payouts.run(GUILD, MANAGER)
    await program.payouts.mark_paid(GUILD, MANAGER, run.batch.id)
    rows = await program.db.fetch_all(
        "SELECT actor_id, action, subject, detail FROM audit_log"
        " WHERE action LIKE 'payout%' ORDER BY id"
    )
    assert [(r["actor_id"], r["action"]) for r in rows] == [
        (ANNA, "payout_method.set"),
        (MANAGER, "payout.run"),
        (MANAGER, "payout.mark_paid"),
    ]
    assert json.loads(rows[1]["detail"])["totals"] == {"EUR": 5_000}
    text = " ".join(str(r["detail"]) for r in rows)
    assert "NL91" not in text and "Jansen" not in text
