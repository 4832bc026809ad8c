"""Signature checks of the shop webhooks and the postback token (pure functions)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from bot.web.signatures import (
    parse_stripe_header,
    shopify_valid,
    sign_base64,
    sign_stripe,
    stripe_valid,
    token_valid,
    woocommerce_valid,
)

SECRET = "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"
BODY = b'{"id":5823041978612345678,"subtotal_price":"90.00"}'
NOW = 1_795_428_000
STRIPE_SECRET = "whsec_9a8b7c6d5e4f3a2b1c0d"


def _shopify_header(body: bytes, secret: str = SECRET) -> str:
    """Computed here independently of the module under test."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _stripe_v1(body: bytes, t: int, secret: str = STRIPE_SECRET) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def test_shopify_accepts_base64_hmac_of_raw_body() -> None:
    """A header that is the base64 HMAC-SHA256 of the exact body is valid."""
    assert shopify_valid(BODY, _shopify_header(BODY), SECRET)


def test_shopify_rejects_other_secret() -> None:
    """A signature made with another secret is invalid."""
    assert not shopify_valid(BODY, _shopify_header(BODY, "another"), SECRET)


def test_shopify_rejects_tampered_body() -> None:
    """One changed byte in the body invalidates the signature."""
    tampered = BODY.replace(b"90.00", b"99.00")
    assert not shopify_valid(tampered, _shopify_header(BODY), SECRET)


@pytest.mark.parametrize(
    "header",
    [None, "", "   ", "not base64 !!", "é", "AAAA", _shopify_header(BODY).lower(), "=" * 44],
)
def test_shopify_malformed_header_is_invalid_not_an_error(header: str | None) -> None:
    """Missing, empty, non-base64 or wrong-length headers are invalid, never an exception."""
    assert not shopify_valid(BODY, header, SECRET)


def test_shopify_empty_secret_never_validates() -> None:
    """An empty secret never accepts anything, even a signature made with it."""
    assert not shopify_valid(BODY, _shopify_header(BODY, ""), "")


def test_woocommerce_uses_the_same_scheme() -> None:
    """X-WC-Webhook-Signature is the base64 HMAC-SHA256 of the body, like Shopify's."""
    assert woocommerce_valid(BODY, _shopify_header(BODY, "wc_secret"), "wc_secret")
    assert not woocommerce_valid(BODY + b" ", _shopify_header(BODY, "wc_secret"), "wc_secret")


def test_sign_base64_matches_independent_computation() -> None:
    """The helper tests and the bench sign with produces what the shops send."""
    assert sign_base64(BODY, SECRET) == _shopify_header(BODY)


def test_stripe_accepts_fresh_signature() -> None:
    """``t=…,v1=…`` over ``"{t}.{body}"`` within the tolerance is valid."""
    header = f"t={NOW},v1={_stripe_v1(BODY, NOW)}"
    assert stripe_valid(BODY, header, STRIPE_SECRET, NOW + 10)


def test_stripe_accepts_any_of_several_v1() -> None:
    """While a secret is rolled, one matching v1 among several is enough."""
    header = f"t={NOW},v1={_stripe_v1(BODY, NOW, 'old')},v1={_stripe_v1(BODY, NOW)},v0=abc"
    assert stripe_valid(BODY, header, STRIPE_SECRET, NOW)


def test_stripe_rejects_stale_timestamp() -> None:
    """A correctly signed delivery older than 300 seconds is refused (replay)."""
    header = f"t={NOW},v1={_stripe_v1(BODY, NOW)}"
    assert stripe_valid(BODY, header, STRIPE_SECRET, NOW + 300)
    assert not stripe_valid(BODY, header, STRIPE_SECRET, NOW + 301)


def test_stripe_rejects_timestamp_far_in_the_future() -> None:
    """A timestamp more than 300 seconds ahead of our clock is refused too."""
    header = f"t={NOW},v1={_stripe_v1(BODY, NOW)}"
    assert not stripe_valid(BODY, header, STRIPE_SECRET, NOW - 301)


def test_stripe_rejects_signature_moved_to_other_timestamp() -> None:
    """The timestamp is signed: pairing a signature with a fresh ``t`` fails."""
    header = f"t={NOW + 100},v1={_stripe_v1(BODY, NOW)}"
    assert not stripe_valid(BODY, header, STRIPE_SECRET, NOW + 100)


def test_stripe_rejects_tampered_body() -> None:
    """Changing the body after signing invalidates the signature."""
    header = f"t={NOW},v1={_stripe_v1(BODY, NOW)}"
    assert not stripe_valid(BODY + b"\n", header, STRIPE_SECRET, NOW)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        f"v1={'ab' * 32}",
        f"t={NOW}",
        f"t={NOW},v0={'ab' * 32}",
        f"t=abc,v1={'ab' * 32}",
        f"t=-5,v1={'ab' * 32}",
        f"t=١٢٣,v1={'ab' * 32}",
        f"t={NOW},t={NOW},v1={'ab' * 32}",
        f"t={NOW},v1=zz",
        f"t={NOW},v1={'ab' * 31}",
        "t=" + "9" * 5000 + ",v1=00",
        ",,,=,=",
    ],
)
def test_stripe_malformed_header_is_invalid_not_an_error(header: str | None) -> None:
    """Malformed Stripe-Signature headers are invalid, never an exception."""
    assert not stripe_valid(BODY, header, STRIPE_SECRET, NOW)


def test_parse_stripe_header_keeps_every_v1() -> None:
    """The parser returns the timestamp and all well-formed v1 signatures."""
    parsed = parse_stripe_header(f"t={NOW}, v1={'ab' * 32}, v1={'cd' * 32}")
    assert parsed == (NOW, [bytes.fromhex("ab" * 32), bytes.fromhex("cd" * 32)])


def test_sign_stripe_matches_independent_computation() -> None:
    """The helper tests sign with produces Stripe's header format."""
    assert sign_stripe(BODY, STRIPE_SECRET, NOW) == f"t={NOW},v1={_stripe_v1(BODY, NOW)}"


def test_token_compare() -> None:
    """The postback token must match exactly; absent or empty tokens never match."""
    assert token_valid("pb_token_1", "pb_token_1")
    assert not token_valid("pb_token_2", "pb_token_1")
    assert not token_valid("pb_token_1 ", "pb_token_1")
    assert not token_valid(None, "pb_token_1")
    assert not token_valid("", "")


def test_token_compare_tolerates_any_text() -> None:
    """Non-ASCII and surrogate characters from a query string are invalid, not an error."""
    assert not token_valid("tökén", "pb_token_1")
    assert not token_valid("\udcff", "pb_token_1")
