"""Signature checks of the shop webhooks and the postback token.

Pure functions over the raw request body and header values: no I/O, no clock of their own
(Stripe's check takes ``now``). Every comparison of a secret-derived value is constant-time
(:func:`hmac.compare_digest` over bytes), and a missing or malformed header is simply
*invalid* — these functions answer ``True`` or ``False`` and never raise on what a sender
put in a header.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

STRIPE_TOLERANCE_SECONDS = 300
# Stripe's own libraries only refuse old timestamps; we also refuse ones from the future, with
# the same allowance for clock skew, so a captured signature cannot be "pre-dated" for replay.
_MAX_STRIPE_HEADER = 4096
_MAX_STRIPE_SIGNATURES = 8


def _secret_bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode("utf-8")


def _base64_hmac_valid(body: bytes, header: str | None, secret: str | bytes) -> bool:
    if not header or not secret:
        return False
    try:
        given = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(_secret_bytes(secret), body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


def shopify_valid(body: bytes, header: str | None, secret: str | bytes) -> bool:
    """Whether ``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256 of the raw ``body``."""
    return _base64_hmac_valid(body, header, secret)


def woocommerce_valid(body: bytes, header: str | None, secret: str | bytes) -> bool:
    """Whether ``X-WC-Webhook-Signature`` is the base64 HMAC-SHA256 of the raw ``body``."""
    return _base64_hmac_valid(body, header, secret)


def parse_stripe_header(header: str | None) -> tuple[int, list[bytes]] | None:
    """``t=…,v1=…[,v1=…]`` → the timestamp and the decoded ``v1`` signatures, or ``None``.

    Other schemes (``v0`` is Stripe's test scheme) are skipped; a header without a usable
    timestamp or without any well-formed ``v1`` is ``None``.
    """
    if not header or len(header) > _MAX_STRIPE_HEADER:
        return None
    timestamp: int | None = None
    signatures: list[bytes] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        value = value.strip()
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                return None
            timestamp = int(value)
        elif key == "v1":
            try:
                signature = bytes.fromhex(value)
            except ValueError:
                continue
            if len(signature) == hashlib.sha256().digest_size:
                signatures.append(signature)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures[:_MAX_STRIPE_SIGNATURES]


def stripe_valid(
    body: bytes,
    header: str | None,
    secret: str | bytes,
    now: float,
    tolerance: int = STRIPE_TOLERANCE_SECONDS,
) -> bool:
    """Whether ``Stripe-Signature`` signs ``"{t}.{body}"`` with ``secret`` (the endpoint's
    ``whsec_…`` signing secret, used as is) and ``t`` lies within ``tolerance`` seconds of
    ``now`` (epoch seconds), in either direction.

    Several ``v1`` signatures are allowed (Stripe sends two while a secret is being rolled);
    one match is enough.
    """
    if not secret:
        return False
    parsed = parse_stripe_header(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    if abs(now - timestamp) > tolerance:
        return False
    signed = b"%d." % timestamp + body
    expected = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).digest()
    # Compare against every candidate (no early exit) so timing says nothing about which one
    # matched.
    matched = False
    for signature in signatures:
        matched |= hmac.compare_digest(signature, expected)
    return matched


def token_valid(given: str | None, expected: str | bytes) -> bool:
    """Whether the postback ``token`` equals the configured one (constant-time)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), _secret_bytes(expected))


def sign_base64(body: bytes, secret: str | bytes) -> str:
    """The base64 HMAC-SHA256 of ``body``: what Shopify and WooCommerce send (for tests and
    the benchmark)."""
    digest = hmac.new(_secret_bytes(secret), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_stripe(body: bytes, secret: str | bytes, timestamp: int) -> str:
    """A ``Stripe-Signature`` header value for ``body`` at ``timestamp`` (for tests)."""
    signed = b"%d." % timestamp + body
    digest = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
