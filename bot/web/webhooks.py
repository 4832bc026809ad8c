"""Shop webhooks and the postback: signed deliveries in, conversions out.

``POST /webhooks/shopify``, ``POST /webhooks/woocommerce``, ``POST /webhooks/stripe`` and
``GET|POST /postback``. Every delivery goes through the same steps, and stops at the first
that fails:

1. the endpoint's secret is configured, else 404 (the endpoint does not exist);
2. the body is read, at most ``client_max_size`` (1 MiB), else 413;
3. the signature (or token) is checked over the raw bytes, else 401 — nothing is parsed;
4. the body is parsed into :class:`~bot.domain.orders.OrderEvent`\\ s, else 400 with a short
   JSON reason; a topic or status the program does not use is 200 ``ignored``;
5. each event goes to :meth:`ConversionService.ingest` in order, which commits before it
   returns, so the 200 is only sent once every event is safe in the database. A repeat
   delivery is 200 ``duplicate``. Refused events (a ``CreatorbotError``) are 400.

Anything unexpected is 500, logged once, so the shop retries later. The body, e-mail
addresses and secrets are never logged: a rejected delivery logs one line with the source
and the reason. Every delivery is counted in ``creatorbot_webhooks{source, result}``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from bot.domain.orders import IngestOutcome, OrderEvent, Source
from bot.domain.shop_payloads import (
    SHOPIFY_CUSTOMER_REDACT,
    SHOPIFY_FULFILMENT_TOPICS,
    SHOPIFY_TOPICS,
    MalformedPayload,
    decode_json,
    is_woocommerce_ping,
    postback_event,
    shopify_events,
    shopify_gift_shipment,
    shopify_redacted_customer,
    stripe_events,
    woocommerce_events,
)
from bot.errors import CreatorbotError
from bot.registry import Services
from bot.web import signatures

log = logging.getLogger(__name__)

WEBHOOK_SERVICES = web.AppKey("webhook_services", Services)
JSON_TYPES = frozenset({"application/json", "text/json"})
FORM_TYPE = "application/x-www-form-urlencoded"


class _Reject(Exception):
    """Stop the delivery with ``status`` and a JSON ``{"error", "reason"}``."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.error = error
        self.reason = reason


def _services(request: web.Request) -> Services:
    return request.app[WEBHOOK_SERVICES]


def _secret(value: Any) -> str | None:
    """The configured secret's text, or ``None`` when unset or blank."""
    if value is None:
        return None
    text = value.get_secret_value()
    return text if text.strip() else None


async def _read_body(request: web.Request) -> bytes:
    """The raw body; aiohttp stops reading at the app's ``client_max_size`` (1 MiB)."""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise _Reject(413, "too_large", "body over the size limit") from None


def _result(outcomes: list[IngestOutcome]) -> str:
    """One answer for a delivery of several events: recorded if anything changed."""
    for outcome in (IngestOutcome.RECORDED, IngestOutcome.DUPLICATE):
        if outcome in outcomes:
            return outcome.value
    return IngestOutcome.IGNORED.value


async def _deliver(
    request: web.Request,
    source: Source,
    secret: str | None,
    handle: Callable[[Services, str], Awaitable[list[OrderEvent] | None]],
) -> web.Response:
    """The common steps of every endpoint around ``handle(services, secret)``, which checks
    the signature and parses (``None``: nothing to store, answer 200 ``ignored``)."""
    services = _services(request)
    counter = services.metrics.webhooks
    if secret is None:
        counter.labels(source=source.value, result="disabled").inc()
        return web.json_response({"error": "not_found"}, status=404)
    try:
        events = await handle(services, secret)
        outcomes = []
        for event in events or ():
            try:
                outcomes.append(await services.conversions.ingest(event))
            except CreatorbotError as exc:
                reason = exc.reason if isinstance(exc, MalformedPayload) else exc.key
                raise _Reject(400, "rejected", reason) from None
    except _Reject as reject:
        counter.labels(source=source.value, result=reject.error).inc()
        log.warning("%s delivery rejected (%d): %s", source.value, reject.status, reject.reason)
        return web.json_response(
            {"error": reject.error, "reason": reject.reason}, status=reject.status
        )
    except MalformedPayload as exc:
        counter.labels(source=source.value, result="malformed").inc()
        log.warning("%s delivery rejected (400): %s", source.value, exc.reason)
        return web.json_response({"error": "malformed", "reason": exc.reason}, status=400)
    except Exception:
        counter.labels(source=source.value, result="error").inc()
        log.exception("%s delivery failed; answered 500 so the sender retries", source.value)
        return web.json_response({"error": "internal"}, status=500)
    result = _result(outcomes)
    counter.labels(source=source.value, result=result).inc()
    return web.json_response({"result": result})


def _unauthorized(reason: str = "signature") -> _Reject:
    return _Reject(401, "unauthorized", reason)


# -- Shopify --------------------------------------------------------------------------------


async def shopify(request: web.Request) -> web.Response:
    """``POST /webhooks/shopify``: orders/create, orders/paid, orders/cancelled, refunds/create,
    the privacy request customers/redact (the customer's keys are erased), and
    orders/fulfilled and orders/updated of creators' gift orders (shipped, delivered)."""

    async def handle(services: Services, secret: str) -> list[OrderEvent] | None:
        body = await _read_body(request)
        headers = request.headers
        if not signatures.shopify_valid(body, headers.get("X-Shopify-Hmac-Sha256"), secret):
            raise _unauthorized()
        topic = headers.get("X-Shopify-Topic", "").strip().lower()
        if topic in SHOPIFY_FULFILMENT_TOPICS:
            shipment = shopify_gift_shipment(decode_json(body))
            if shipment is not None:
                await services.gifts.shop_shipment(shipment.claim_ids, shipment.delivered)
            return None
        if topic == SHOPIFY_CUSTOMER_REDACT:
            forgotten = await services.customers.forget(
                shopify_redacted_customer(decode_json(body))
            )
            log.info("shopify customers/redact: %d customer keys erased", forgotten)
            return None
        if topic not in SHOPIFY_TOPICS:
            return None
        return shopify_events(
            topic,
            decode_json(body),
            received_at=services.clock.now(),
            delivery_id=headers.get("X-Shopify-Webhook-Id") or headers.get("X-Shopify-Event-Id"),
        )

    config = _services(request).config
    return await _deliver(request, Source.SHOPIFY, _secret(config.shopify_secret), handle)


# -- WooCommerce ----------------------------------------------------------------------------


async def woocommerce(request: web.Request) -> web.Response:
    """``POST /webhooks/woocommerce``: order created/updated deliveries and the creation ping."""

    async def handle(services: Services, secret: str) -> list[OrderEvent] | None:
        body = await _read_body(request)
        headers = request.headers
        if is_woocommerce_ping(body, headers.get("Content-Type")):
            return None  # WooCommerce sends it unsigned; it stores nothing
        if not signatures.woocommerce_valid(body, headers.get("X-WC-Webhook-Signature"), secret):
            raise _unauthorized()
        resource = headers.get("X-WC-Webhook-Resource", "order").strip().lower()
        event = headers.get("X-WC-Webhook-Event", "").strip().lower()
        if resource != "order" or event == "deleted":  # a deleted order's body is only its id
            return None
        # X-WC-Webhook-Delivery-ID repeats across different deliveries: kept for audit only;
        # the conversion service de-duplicates on order and refund ids.
        events = woocommerce_events(
            decode_json(body),
            received_at=services.clock.now(),
            delivery_id=headers.get("X-WC-Webhook-Delivery-ID"),
        )
        # With the store's REST keys, a refund is measured by its own lines, not estimated.
        return await services.refund_lines.exact(events)

    config = _services(request).config
    return await _deliver(request, Source.WOOCOMMERCE, _secret(config.woocommerce_secret), handle)


# -- Stripe ---------------------------------------------------------------------------------


async def stripe(request: web.Request) -> web.Response:
    """``POST /webhooks/stripe``: checkout.session.completed and charge.refunded events."""

    async def handle(services: Services, secret: str) -> list[OrderEvent] | None:
        body = await _read_body(request)
        now = services.clock.now()
        header = request.headers.get("Stripe-Signature")
        if not signatures.stripe_valid(body, header, secret, now.timestamp()):
            raise _unauthorized()
        return stripe_events(decode_json(body), received_at=now)

    config = _services(request).config
    return await _deliver(request, Source.STRIPE, _secret(config.stripe_secret), handle)


# -- postback -------------------------------------------------------------------------------


def _postback_params(request: web.Request, body: bytes) -> dict[str, Any]:
    """The query string's fields, overridden by a form or JSON body's."""
    params: dict[str, Any] = {key: request.query.getall(key)[-1] for key in request.query}
    if not body.strip():
        return params
    content_type = request.content_type.lower()
    if content_type in JSON_TYPES:
        params.update(decode_json(body))
    elif content_type == FORM_TYPE:
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise MalformedPayload("form") from None
        params.update({key: values[-1] for key, values in form.items()})
    else:
        raise MalformedPayload("content_type")
    return params


async def postback(request: web.Request) -> web.Response:
    """``GET|POST /postback``: a server-to-server conversion with the shared token."""

    async def handle(services: Services, secret: str) -> list[OrderEvent] | None:
        body = await _read_body(request) if request.method == "POST" else b""
        try:
            params: Mapping[str, Any] = _postback_params(request, body)
        except MalformedPayload:
            # An unreadable body may still carry a token in the query; without a valid one the
            # sender learns nothing but 401.
            if not signatures.token_valid(request.query.get("token"), secret):
                raise _unauthorized("token") from None
            raise
        token = params.get("token")
        if not signatures.token_valid(token if isinstance(token, str) else None, secret):
            raise _unauthorized("token")
        return [postback_event(params, received_at=services.clock.now())]

    config = _services(request).config
    return await _deliver(request, Source.POSTBACK, _secret(config.postback_token), handle)


def setup(app: web.Application, services: Services) -> None:
    """Register the webhook and postback routes."""
    app[WEBHOOK_SERVICES] = services
    app.router.add_post("/webhooks/shopify", shopify)
    app.router.add_post("/webhooks/woocommerce", woocommerce)
    app.router.add_post("/webhooks/stripe", stripe)
    # No HEAD: a postback records a conversion, a HEAD request must not.
    app.router.add_get("/postback", postback, allow_head=False)
    app.router.add_post("/postback", postback)
