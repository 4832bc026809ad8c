"""Real, public shop payloads through the real aiohttp app: the money comes out as computed
by hand.

Every ``[[case]]`` of ``tests/fixtures/shops/<shop>/cases.toml`` is one delivery, signed as
the shop signs it, after the deliveries it names in ``after`` (a refund after its sale). The
case states, computed by hand from the payload, the webhook's answer and what the program
must end with: the conversion's net, currency, attribution and status, what was refunded,
the commission and what of it was reversed, and whether anything waits for a manager.
``SOURCES.md`` beside the cases says where each payload comes from.
"""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.numbers import get_currency_precision

from bot.app import Services, open_services
from bot.clock import FrozenClock, to_epoch
from bot.config import load_settings
from bot.domain.derivation import Derivation
from bot.web.app import create_app
from bot.web.signatures import sign_base64, sign_stripe

SHOPS = Path(__file__).resolve().parents[1] / "fixtures" / "shops"
GUILD, MANAGER, CREATOR = 1, 900, 501
SECRETS = {"shopify": "shpss_corpus", "woocommerce": "wc_corpus", "stripe": "whsec_corpus"}
RESULT_STATUS = {"recorded": 200, "ignored": 200, "duplicate": 200, "malformed": 400}


@dataclass(frozen=True)
class Case:
    shop: str
    name: str
    file: str
    result: str
    topic: str | None = None
    after: tuple[str, ...] = ()
    code: str | None = None
    program_currency: str | None = None
    net: str | None = None
    currency: str | None = None
    attribution: str | None = None
    status: str | None = None
    refunded: str | None = None
    commission: str | None = None
    reversed: str | None = None
    held: str = ""
    why: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def body(self) -> bytes:
        return (SHOPS / self.shop / self.file).read_bytes()


def _load() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    known = set(Case.__dataclass_fields__) - {"shop", "extra"}
    for path in sorted(SHOPS.glob("*/cases.toml")):
        shop = path.parent.name
        for raw in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            values = {k: v for k, v in raw.items() if k in known}
            values["after"] = tuple(values.get("after", ()))
            case = Case(shop=shop, extra={k: v for k, v in raw.items() if k not in known}, **values)
            key = f"{shop}/{case.name}"
            assert key not in cases, f"two cases named {key}"
            cases[key] = case
    return cases


CASES = _load()


def _minor(amount: str, currency: str) -> int:
    return int(Decimal(amount).scaleb(get_currency_precision(currency)))


@pytest.fixture
async def program(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Services]:
    config = load_settings(
        CREATORBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'corpus.db'}",
        CREATORBOT_HTTP_PORT=0,
        CREATORBOT_SHOPIFY_SECRET=SECRETS["shopify"],
        CREATORBOT_WOOCOMMERCE_SECRET=SECRETS["woocommerce"],
        CREATORBOT_STRIPE_SECRET=SECRETS["stripe"],
    )
    services = await open_services(config, clock)
    yield services
    await services.db.close()


async def _prepare(services: Services, case: Case) -> None:
    """A program in the case's currency with one approved creator holding the case's code."""
    currency = case.program_currency or case.currency or "USD"
    await services.settings.update(
        GUILD,
        MANAGER,
        {"review_channel": 10, "shop_url": "https://shop.example.com", "currency": currency},
    )
    applied = await services.onboarding.apply(
        GUILD, CREATOR, platform="instagram", handle="anna", followers=8000, niche="fashion"
    )
    await services.onboarding.approve(GUILD, applied.application.id, MANAGER)
    code = case.code or "NOTINTHECORPUS"
    await services.db.execute("UPDATE discount_codes SET code = ?", code.upper())


async def _deliver(client: Any, clock: FrozenClock, case: Case) -> Any:
    body = case.body
    secret = SECRETS[case.shop]
    if case.shop == "shopify":
        assert case.topic, f"{case.name}: a Shopify case needs its topic"
        headers = {
            "X-Shopify-Topic": case.topic,
            "X-Shopify-Hmac-Sha256": sign_base64(body, secret),
        }
    elif case.shop == "woocommerce":
        headers = {
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "updated",
            "X-WC-Webhook-Signature": sign_base64(body, secret),
        }
    else:
        headers = {"Stripe-Signature": sign_stripe(body, secret, to_epoch(clock.now()) - 5)}
    return await client.post(
        f"/webhooks/{case.shop}",
        data=body,
        headers={"Content-Type": "application/json", **headers},
    )


def _chain(case: Case) -> list[Case]:
    """The deliveries before this case, in order, each after its own."""
    chain: list[Case] = []
    for name in case.after:
        before = CASES[f"{case.shop}/{name}"]
        for earlier in [*_chain(before), before]:
            if earlier not in chain:
                chain.append(earlier)
    return chain


async def _state(services: Services) -> tuple[dict | None, dict | None, list[dict]]:
    conversions = await services.db.fetch_all("SELECT * FROM conversions ORDER BY id")
    assert len(conversions) <= 1, "a corpus case is about one order"
    if not conversions:
        return None, None, []
    conversion = dict(conversions[0])
    commission = await services.db.fetch_one(
        "SELECT * FROM commissions WHERE conversion_id = ?", conversion["id"]
    )
    adjustments = await services.db.fetch_all(
        "SELECT * FROM conversion_adjustments WHERE conversion_id = ? ORDER BY id",
        conversion["id"],
    )
    return conversion, dict(commission) if commission else None, [dict(a) for a in adjustments]


@pytest.mark.parametrize("key", sorted(CASES))
async def test_real_payload(key: str, program: Services, aiohttp_client: Any, clock: FrozenClock):
    """The payload gives the answer, net, currency, attribution and refund effect computed
    by hand."""
    case = CASES[key]
    await _prepare(program, case)
    client = await aiohttp_client(create_app(program))
    for earlier in _chain(case):
        response = await _deliver(client, clock, earlier)
        assert response.status == RESULT_STATUS[earlier.result], await response.text()
    response = await _deliver(client, clock, case)
    answer = await response.json()
    assert response.status == RESULT_STATUS[case.result], answer
    if case.result != "malformed":
        assert answer == {"result": case.result}
    conversion, commission, adjustments = await _state(program)
    if case.net is None:
        assert conversion is None, "no conversion expected"
        return
    assert conversion is not None, "a conversion expected"
    currency = case.currency or ""
    assert (conversion["currency"], conversion["net_minor"]) == (
        currency,
        _minor(case.net, currency),
    )
    derivation = Derivation.from_json(conversion["derivation"])
    assert derivation is not None and derivation.result == conversion["net_minor"]
    assert conversion["attribution"] == case.attribution
    assert conversion["status"] == (case.status or "active")
    assert conversion["refunded_minor"] == _minor(case.refunded or "0", currency)
    earned = commission["amount_minor"] if commission else 0
    reversed_ = commission["reversed_minor"] if commission else 0
    payout = case.program_currency or currency
    assert earned == _minor(case.commission or "0", payout)
    assert reversed_ == _minor(case.reversed or "0", payout)
    # What waits for a manager: an estimated refund, or a currency the program cannot pay in.
    waiting = {"currency" if a["state"] == "held" else a["state"] for a in adjustments}
    waiting &= {"estimated", "currency"}
    if "currency" in conversion["flags"].split(","):
        waiting.add("currency")
    assert waiting == ({case.held} if case.held else set())


def test_the_corpus_is_large_and_sourced() -> None:
    """At least 30 payloads, every one named in its shop's SOURCES.md."""
    files = {(case.shop, case.file) for case in CASES.values()}
    assert len(files) >= 30
    for shop, file in files:
        assert file in (SHOPS / shop / "SOURCES.md").read_text(encoding="utf-8"), file
