"""The payout and privacy texts render in English and Dutch with realistic values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.payout_files import PayoutFile
from bot.domain.payout_methods import PayoutMethod, Provider
from bot.i18n import render
from bot.services.payouts import BatchSummary, Payee, PayoutPreview, PayoutRun
from bot.services.privacy import Erasure, ErasurePlan

WHEN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PAYPAL = PayoutMethod(Provider.PAYPAL, email="anna@example.com")


def _payee(n: int, amount: int, method: PayoutMethod | None = PAYPAL, **kw: object) -> Payee:
    values = {
        "creator_id": n,
        "user_id": 1000 + n,
        "handle": f"c{n}",
        "locale": "en",
        "erased": False,
        "currency": "EUR",
        "amount_minor": amount,
        "method": method,
    }
    values.update(kw)
    return Payee(**values)  # type: ignore[arg-type]


BATCH = BatchSummary(7, "frozen", 12, {"EUR": 60_000}, 5, WHEN, None, None)
PREVIEW = PayoutPreview(
    5_000,
    "EUR",
    payable=[_payee(n, 5_000) for n in range(12)],
    below_threshold=[_payee(20, 100)],
    without_method=[_payee(21, 9_000, None), _payee(22, 7_000, None, user_id=None, erased=True)],
    owing=[_payee(23, -500)],
    unpaid_batches=[BATCH],
)
FILE = PayoutFile("paypal-batch-7-1.csv", b"", Provider.PAYPAL, "EUR", 12, 60_000)
CONTEXTS = {
    "payouts.preview": {"p": PREVIEW, "limit": 10, "timezone": "Europe/Amsterdam"},
    "payouts.preview_title": {},
    "payouts.run": {"r": PayoutRun(BATCH, PREVIEW.payable, [FILE], PREVIEW), "limit": 10},
    "payouts.run_title": {"batch": BATCH},
    "payouts.method_saved": {
        "provider": "Wise",
        "kind": "email",
        "masked": "a***@example.com",
        "threshold": 5_000,
        "currency": "EUR",
    },
    "payouts.invalid_details": {"provider": "wise", "problem": "iban"},
    "payouts.nothing": {
        "without_method": 2,
        "below_threshold": 1,
        "threshold": 5_000,
        "currency": "EUR",
    },
    "payouts.batch_not_found": {"batch": 9},
    "payouts.marked_paid": {"batch": BATCH, "sent": 3, "closed": 1, "failed": 1},
    "payouts.already_paid": {
        "batch": BatchSummary(7, "paid", 1, {}, 5, WHEN, 5, WHEN),
        "sent": 1,
        "timezone": "UTC",
    },
    "payouts.paid_dm": {
        "amounts": ((4_500, "EUR"), (1_000, "USD")),
        "provider": "PayPal",
        "batch": 7,
        "server": "Brand HQ",
    },
    "privacy.exported": {},
    "privacy.confirm": {"plan": ErasurePlan(True, 2, {"EUR": 8_000}), "minutes": 15},
    "privacy.button_confirm": {},
    "privacy.button_cancel": {},
    "privacy.not_yours": {},
    "privacy.cancelled": {},
    "privacy.expired": {},
    "privacy.erased": {"e": Erasure(3, 1, []), "code_off": True},
    "privacy.card_erased_title": {"id": 4},
    "privacy.card_erased": {},
}


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("key", sorted(CONTEXTS))
def test_text_renders(key: str, lang: str) -> None:
    """Each text renders with no leftover template syntax."""
    text = render(key, lang, **CONTEXTS[key])
    assert text and "{{" not in text and "{%" not in text


def test_preview_names_a_few_and_counts_the_rest() -> None:
    """Long lists show ten names and count the others; erased creators are not named."""
    text = render("payouts.preview", "en", **CONTEXTS["payouts.preview"])
    assert "12 creators, €600.00" in text and "…and 2 more" in text
    assert "creator #22 (erased): €70.00" in text
    assert "Batch #7: 12 creators, €600.00" in text


def test_confirmation_warns_about_unpaid_earnings() -> None:
    """The erase prompt tells a creator what they have not been paid yet."""
    text = render("privacy.confirm", "nl", **CONTEXTS["privacy.confirm"])
    assert "€\xa080,00" in text and "2 aanmeldingen worden" in text
