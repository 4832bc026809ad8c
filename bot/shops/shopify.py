"""Shopify's GraphQL Admin API for discount codes: the :class:`~bot.shops.codes.CodeShop`
of a Shopify store.

Every call is ``POST {base}/admin/api/{API_VERSION}/graphql.json`` with the Admin API access
token in ``X-Shopify-Access-Token``. A creator's code becomes a basic code discount
(``discountCodeBasicCreate``: percent off all items, for all customers); pausing deactivates
it (``discountCodeDeactivate``), resuming activates it (``discountCodeActivate``).

Shopify limits an app by calculated query cost (a leaky bucket reported in
``extensions.cost.throttleStatus`` of every answer). This client keeps the last status it
saw and waits before a call the bucket cannot pay for; if Shopify still answers
``THROTTLED`` (the request did not run) it waits ``(requested - available) / restoreRate``
and sends it again; a 429 waits ``Retry-After``. Both are bounded: after ``max_attempts``
the call is :class:`ShopUnavailable`. A 5xx, a network failure or a refused token is
:class:`ShopUnavailable` at once: a create that may have run is never sent twice here (the
caller recognises its own code with :meth:`ShopifyAdmin.find_code`). The token is never
logged nor shown in ``repr``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.clock import Clock, SystemClock
from bot.domain.shop_payloads import GIFT_ORDER_TAG
from bot.shops._errors import ShopUnavailable
from bot.shops.codes import CodeShop, CodeSpec, CodeTaken, ShopCode, ShopKind

log = logging.getLogger(__name__)

SHOP = "shopify"
API_VERSION = "2026-10"
TIMEOUT = aiohttp.ClientTimeout(total=20)
MUTATION_COST = 10  # what Shopify charges a mutation; the first guess before any answer

Sleep = Callable[[float], Awaitable[None]]

_STATUS_FIELDS = "title status codes(first: 1) { nodes { code } }"
_NODE = f"""id
      codeDiscount {{
        ... on DiscountCodeBasic {{ {_STATUS_FIELDS} }}
        ... on DiscountCodeBxgy {{ {_STATUS_FIELDS} }}
        ... on DiscountCodeFreeShipping {{ {_STATUS_FIELDS} }}
        ... on DiscountCodeApp {{ {_STATUS_FIELDS} }}
      }}"""

CREATE = f"""mutation CreatorbotCodeCreate($basicCodeDiscount: DiscountCodeBasicInput!) {{
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {{
    codeDiscountNode {{ {_NODE} }}
    userErrors {{ field code message }}
  }}
}}"""

ACTIVATE = f"""mutation CreatorbotCodeActivate($id: ID!) {{
  discountCodeActivate(id: $id) {{
    codeDiscountNode {{ {_NODE} }}
    userErrors {{ field code message }}
  }}
}}"""

DEACTIVATE = f"""mutation CreatorbotCodeDeactivate($id: ID!) {{
  discountCodeDeactivate(id: $id) {{
    codeDiscountNode {{ {_NODE} }}
    userErrors {{ field code message }}
  }}
}}"""

UPDATE = f"""mutation CreatorbotCodeUpdate($id: ID!, $basicCodeDiscount: DiscountCodeBasicInput!) {{
  discountCodeBasicUpdate(id: $id, basicCodeDiscount: $basicCodeDiscount) {{
    codeDiscountNode {{ {_NODE} }}
    userErrors {{ field code message }}
  }}
}}"""

FIND = f"""query CreatorbotCodeByCode($code: String!) {{
  codeDiscountNodeByCode(code: $code) {{ {_NODE} }}
}}"""


DRAFT_CREATE = """mutation CreatorbotGiftDraft($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) {
    draftOrder { id name status tags }
    userErrors { field message }
  }
}"""

DRAFTS_TAGGED = """query CreatorbotGiftDrafts($query: String!) {
  draftOrders(first: 5, query: $query) { nodes { id name status tags } }
}"""

GIFT_TAG = GIFT_ORDER_TAG


@dataclass(frozen=True)
class GiftDraft:
    """One gifted product for one creator, as a draft order the manager completes.

    ``key`` names the gift uniquely (e.g. ``creatorbot-gift-42``) and becomes a tag, so a
    draft created before a crash is found instead of made twice. The line is the store's
    ``variant_id`` when the offer names one, else a custom item titled ``title`` at
    ``unit_price``; either way discounted 100 %. The address goes to Shopify only.
    """

    key: str
    title: str
    unit_price: str
    first_name: str
    last_name: str
    address1: str
    zip: str
    city: str
    country_code: str
    phone: str | None = None
    variant_id: str | None = None
    note: str = ""

    def __repr__(self) -> str:  # the address is personal data: never in a log line
        return f"GiftDraft(key={self.key!r}, title={self.title!r})"


@dataclass(frozen=True)
class DraftRef:
    shop_id: str
    name: str
    status: str


class DraftRefused(ShopUnavailable):
    """Shopify answered the draft with userErrors: retrying the same input cannot help."""


def admin_base(store: str) -> str:
    """The API base of a store: a bare domain (``brand.myshopify.com``) is reached over
    HTTPS; an address with a scheme (``http://127.0.0.1:9100``, a proxy) is used as it is."""
    value = store.strip().rstrip("/")
    if "://" in value:
        return value
    return f"https://{value.lower()}"


def _draft_ref(node: Mapping) -> DraftRef:
    return DraftRef(str(node.get("id")), str(node.get("name")), str(node.get("status")))


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyAdmin(CodeShop):
    """Discount codes in one Shopify store, through its GraphQL Admin API.

    One HTTP session per client, opened on first use: close it with :meth:`close` or use the
    client as ``async with``. ``sleep`` and ``clock`` are injectable so that tests wait on a
    frozen clock instead of the wall clock."""

    kind = ShopKind.SHOPIFY

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        max_attempts: int = 6,
        max_wait: float = 60.0,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ) -> None:
        self.base_url = admin_base(base_url)
        self.endpoint = f"{self.base_url}/admin/api/{API_VERSION}/graphql.json"
        self._token = token
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self._max_attempts = max(1, max_attempts)
        self._max_wait = max_wait
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        # The bucket as Shopify last described it, and when.
        self._available: float | None = None
        self._restore_rate: float = 0.0
        self._maximum: float = 0.0
        self._seen_at: datetime | None = None
        self._costs: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"ShopifyAdmin({self.base_url!r})"

    async def __aenter__(self) -> ShopifyAdmin:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session (a no-op when none was opened)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ CodeShop
    async def create_code(self, spec: CodeSpec) -> ShopCode:
        """A basic code discount: ``spec.percent`` off all items, for all customers."""
        variables = {
            "basicCodeDiscount": {
                "title": spec.title,
                "code": spec.code,
                "startsAt": _iso(self._clock.now()),
                "customerSelection": {"all": True},
                "customerGets": {
                    "value": {"percentage": round(spec.percent / 100, 4)},
                    "items": {"all": True},
                },
                "appliesOncePerCustomer": spec.once_per_customer,
            }
        }
        payload = await self._mutate("discountCodeBasicCreate", CREATE, variables)
        errors = payload.get("userErrors") or []
        if any(e.get("code") == "TAKEN" for e in errors):
            raise CodeTaken(spec.code)
        return self._shop_code(payload, errors, spec.code)

    async def set_active(self, code: ShopCode, active: bool) -> ShopCode:
        """Activate or deactivate exactly the discount ``code.shop_id``."""
        root, query = (
            ("discountCodeActivate", ACTIVATE) if active else ("discountCodeDeactivate", DEACTIVATE)
        )
        payload = await self._mutate(root, query, {"id": code.shop_id})
        return self._shop_code(payload, payload.get("userErrors") or [], code.code)

    async def update_code(self, code: ShopCode, spec: CodeSpec) -> ShopCode:
        """The basic code discount ``code.shop_id`` at ``spec.percent``, once per customer
        or not (``discountCodeBasicUpdate``: only the fields sent change)."""
        variables = {
            "id": code.shop_id,
            "basicCodeDiscount": {
                "customerGets": {
                    "value": {"percentage": round(spec.percent / 100, 4)},
                    "items": {"all": True},
                },
                "appliesOncePerCustomer": spec.once_per_customer,
            },
        }
        payload = await self._mutate("discountCodeBasicUpdate", UPDATE, variables)
        return self._shop_code(payload, payload.get("userErrors") or [], code.code)

    async def find_code(self, code: str) -> ShopCode | None:
        """The store's discount holding ``code`` (Shopify matches it case-insensitively)."""
        data = await self._execute("codeDiscountNodeByCode", FIND, {"code": code})
        node = data.get("codeDiscountNodeByCode")
        return self._node(node, code) if isinstance(node, Mapping) else None

    # ------------------------------------------------------------------ gift drafts
    async def create_gift_draft(self, gift: GiftDraft) -> DraftRef:
        """The gift's draft order: the one tagged with its key if it exists, else a new one.

        Shopify's draftOrderCreate has no idempotency key; the key tag makes the create safe
        to repeat after a crash or a lost answer."""
        found = await self.find_gift_draft(gift.key)
        if found is not None:
            return found
        line: dict[str, Any] = {
            "quantity": 1,
            "appliedDiscount": {
                "value": 100.0,
                "valueType": "PERCENTAGE",
                "title": "Creator gift",
                "description": "Gifted to a creator of the program",
            },
        }
        if gift.variant_id:
            line["variantId"] = gift.variant_id
        else:
            line.update(title=gift.title, originalUnitPrice=gift.unit_price)
        address: dict[str, Any] = {
            "firstName": gift.first_name,
            "lastName": gift.last_name,
            "address1": gift.address1,
            "zip": gift.zip,
            "city": gift.city,
            "countryCode": gift.country_code,
        }
        if gift.phone:
            address["phone"] = gift.phone
        variables = {
            "input": {
                "lineItems": [line],
                "shippingAddress": address,
                "tags": [GIFT_TAG, gift.key],
                "note": gift.note or None,
            }
        }
        payload = await self._mutate("draftOrderCreate", DRAFT_CREATE, variables)
        errors = payload.get("userErrors") or []
        draft = payload.get("draftOrder")
        if errors or not isinstance(draft, Mapping):
            fields = ",".join(
                ".".join(str(f) for f in e.get("field") or []) or "?"
                for e in errors
                if isinstance(e, Mapping)
            )
            log.warning("Shopify refused a gift draft order (fields: %s)", fields or "none")
            raise DraftRefused(SHOP, 200, f"refused: {fields or 'no draft'}")
        return _draft_ref(draft)

    async def find_gift_draft(self, key: str) -> DraftRef | None:
        """The draft order tagged ``key``, if the store has one."""
        data = await self._execute("draftOrders", DRAFTS_TAGGED, {"query": f"tag:'{key}'"})
        nodes = ((data.get("draftOrders") or {}).get("nodes")) or []
        for node in nodes:
            if isinstance(node, Mapping) and key in (node.get("tags") or []):
                return _draft_ref(node)
        return None

    # ------------------------------------------------------------------ answers
    async def _mutate(self, root: str, query: str, variables: dict[str, Any]) -> Mapping:
        data = await self._execute(root, query, variables)
        payload = data.get(root)
        if not isinstance(payload, Mapping):
            raise ShopUnavailable(SHOP, 200, f"{root} answered no payload")
        return payload

    def _shop_code(self, payload: Mapping, errors: list, code: str) -> ShopCode:
        node = payload.get("codeDiscountNode")
        if errors or not isinstance(node, Mapping):
            codes = ",".join(
                str(e.get("code") or "UNKNOWN") for e in errors if isinstance(e, Mapping)
            )
            log.warning("Shopify refused a discount code change (%s)", codes or "no node")
            raise ShopUnavailable(SHOP, 200, f"refused: {codes or 'no node'}")
        return self._node(node, code)

    def _node(self, node: Mapping, code: str) -> ShopCode:
        discount = node.get("codeDiscount") or {}
        nodes = (discount.get("codes") or {}).get("nodes") or []
        text = nodes[0].get("code") if nodes and isinstance(nodes[0], Mapping) else None
        return ShopCode(
            shop=ShopKind.SHOPIFY,
            shop_id=str(node.get("id")),
            code=text or code,
            active=discount.get("status") == "ACTIVE",
        )

    # ------------------------------------------------------------------ transport
    async def _execute(self, root: str, query: str, variables: dict[str, Any]) -> Mapping:
        """``data`` of the operation, after waiting out the throttle as Shopify asks."""
        for attempt in range(1, self._max_attempts + 1):
            await self._pace(self._costs.get(root, MUTATION_COST))
            status, retry_after, body = await self._post(query, variables)
            last = attempt == self._max_attempts
            if status == 429:
                if last:
                    raise ShopUnavailable(SHOP, 429, "rate limited")
                log.info("Shopify answered 429; waiting %.1f s", retry_after)
                await self._sleep(min(retry_after, self._max_wait))
                continue
            if status in (401, 403):
                log.warning("Shopify refused the Admin API token (%d)", status)
                raise ShopUnavailable(SHOP, status, "unauthorized")
            if status >= 400:
                raise ShopUnavailable(SHOP, status, "error")
            if not isinstance(body, Mapping):
                raise ShopUnavailable(SHOP, status, "not a JSON object")
            cost = self._note_cost(root, body.get("extensions"))
            errors = body.get("errors")
            if errors:
                if _throttled(errors):
                    if last:
                        raise ShopUnavailable(SHOP, 200, "throttled")
                    wait = self._throttle_wait(cost)
                    log.info("Shopify throttled %s; waiting %.2f s", root, wait)
                    await self._sleep(wait)
                    continue
                codes = _error_codes(errors)
                log.warning("Shopify answered GraphQL errors to %s (%s)", root, codes)
                raise ShopUnavailable(SHOP, status, f"graphql: {codes}")
            data = body.get("data")
            if not isinstance(data, Mapping):
                raise ShopUnavailable(SHOP, status, "no data")
            return data
        raise ShopUnavailable(SHOP, None, "no attempt made")  # pragma: no cover

    async def _post(self, query: str, variables: dict[str, Any]) -> tuple[int, float, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Shopify-Access-Token": self._token,
        }
        try:
            async with self._session.post(
                self.endpoint, json={"query": query, "variables": variables}, headers=headers
            ) as response:
                status = response.status
                retry_after = _seconds(response.headers.get("Retry-After"))
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ShopUnavailable(SHOP, None, type(exc).__name__) from None
        return status, retry_after, body

    # ------------------------------------------------------------------ the bucket
    def _note_cost(self, root: str, extensions: Any) -> Mapping:
        cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
        if not isinstance(cost, Mapping):
            return {}
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float):
            self._costs[root] = float(requested)
        throttle = cost.get("throttleStatus")
        if isinstance(throttle, Mapping):
            try:
                self._available = float(throttle["currentlyAvailable"])
                self._restore_rate = float(throttle["restoreRate"])
                self._maximum = float(throttle["maximumAvailable"])
            except (KeyError, TypeError, ValueError):
                return cost
            self._seen_at = self._clock.now()
        return cost

    def _estimate(self) -> float | None:
        if self._available is None or self._seen_at is None:
            return None
        elapsed = max((self._clock.now() - self._seen_at).total_seconds(), 0.0)
        return min(self._maximum, self._available + elapsed * self._restore_rate)

    async def _pace(self, cost: float) -> None:
        """Wait until the bucket, as last reported, can pay for ``cost``."""
        available = self._estimate()
        if available is None or available >= cost or self._restore_rate <= 0:
            return
        await self._sleep(self._round_up((cost - available) / self._restore_rate))

    def _throttle_wait(self, cost: Mapping) -> float:
        requested = cost.get("requestedQueryCost")
        throttle = cost.get("throttleStatus")
        try:
            available = float(throttle["currentlyAvailable"])  # type: ignore[index]
            rate = float(throttle["restoreRate"])  # type: ignore[index]
            wanted = float(requested)  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            return 1.0
        if rate <= 0:
            return self._max_wait
        return self._round_up(max(wanted - available, 0.0) / rate)

    def _round_up(self, seconds: float) -> float:
        # A millisecond more than needed, so that the bucket has refilled when we come back.
        return min(math.ceil(seconds * 1000) / 1000 + 0.001, self._max_wait)


def _throttled(errors: Any) -> bool:
    if not isinstance(errors, list):
        return False
    return any(
        isinstance(e, Mapping)
        and isinstance(e.get("extensions"), Mapping)
        and e["extensions"].get("code") == "THROTTLED"
        for e in errors
    )


def _error_codes(errors: Any) -> str:
    if not isinstance(errors, list):
        return "error"
    codes = [
        str(e["extensions"].get("code"))
        for e in errors
        if isinstance(e, Mapping) and isinstance(e.get("extensions"), Mapping)
    ]
    return ",".join(codes) or "error"


def _seconds(header: str | None) -> float:
    try:
        value = float(header) if header is not None else 2.0
    except ValueError:
        return 2.0
    return value if math.isfinite(value) and value >= 0 else 2.0


def shop_domain(base: str) -> str:
    """The host of a store's API base, for showing which store is connected."""
    return urlsplit(admin_base(base)).netloc
