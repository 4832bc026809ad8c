"""A local stand-in for a Shopify store's GraphQL Admin API, as far as discount codes go.

It answers as Shopify does (see SOURCES.md for where each shape comes from), so a request a
real store would refuse is refused here:

* ``POST /admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token`` and a JSON body
  ``{"query", "variables"}``. A wrong or missing token is 401 with Shopify's message; a body
  that is not JSON is 400; any other path is 404.
* The operation is parsed and validated against a small schema with graphql-ruby's messages
  (unknown fields, selections on unions or scalars, undeclared, unused or mistyped variables,
  arguments missing); variable values are coerced strictly (``INVALID_VARIABLE`` with the
  problem's path, e.g. an input field that does not exist).
* Root fields: ``discountCodeBasicCreate``, ``discountCodeBasicUpdate``, ``discountCodeActivate``,
  ``discountCodeDeactivate`` and ``codeDiscountNodeByCode``; ``draftOrderCreate`` and
  ``draftOrders`` (``_drafts.py``); the answer holds only what the query selected.
  Mutation input problems are ``userErrors`` (``field``, ``code``, ``message``); a code
  that exists already (case-insensitively) is ``TAKEN``.
* The calculated-cost throttle: a leaky bucket per store (``maximumAvailable``,
  ``restoreRate`` per second, a mutation costs 10), reported in ``extensions.cost`` of every
  answer; a request costing more than is available is not run and answered with
  ``THROTTLED`` (HTTP 200). Time is the store's clock, so a test moves it by hand.
* Faults: ``store.fail_next(n, status)`` answers the next requests with a 5xx,
  ``store.rate_limit_next(n, retry_after)`` with 429 and ``Retry-After``.
* ``store.calls`` counts the operations run per root field, ``store.throttled`` those refused
  by the throttle: a bench can assert that nothing was created twice.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from bot.clock import Clock
from emulators._base import ServedRequest, Tap

from ._drafts import ROOTS as DRAFT_ROOTS
from ._drafts import VARIANT_GID, Draft, DraftBook, Variant, install
from ._drafts import run as run_drafts
from ._graphql import (
    FieldDef,
    GraphQLError,
    Operation,
    Schema,
    error,
    parse,
    project,
    resolve_args,
    validate,
    variable_values,
)

GRAPHQL_PATH = re.compile(r"/admin/api/(?P<version>\d{4}-(?:01|04|07|10)|unstable)/graphql\.json")
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
TAKEN_MESSAGE = "Code must be unique. Please try a different code."
NODE_GID = "gid://shopify/DiscountCodeNode/"
MUTATION_COST = 10

_DISCOUNT_USER_ERROR = {
    "field": FieldDef("[String!]"),
    "code": FieldDef("DiscountErrorCode"),
    "message": FieldDef("String!"),
    "extraInfo": FieldDef("String"),
}
_CODE_DISCOUNT_COMMON = {
    "title": FieldDef("String!"),
    "status": FieldDef("DiscountStatus!"),
    "startsAt": FieldDef("DateTime!"),
    "endsAt": FieldDef("DateTime"),
    "createdAt": FieldDef("DateTime!"),
    "updatedAt": FieldDef("DateTime!"),
    "asyncUsageCount": FieldDef("Int!"),
    "usageLimit": FieldDef("Int"),
    "appliesOncePerCustomer": FieldDef("Boolean!"),
    "summary": FieldDef("String!"),
    "codes": FieldDef(
        "DiscountRedeemCodeConnection!",
        {
            "first": "Int",
            "last": "Int",
            "after": "String",
            "before": "String",
            "reverse": "Boolean",
            "query": "String",
        },
    ),
    "customerSelection": FieldDef("DiscountCustomerSelection!"),
}

SCHEMA = Schema(
    objects={
        "QueryRoot": {"codeDiscountNodeByCode": FieldDef("DiscountCodeNode", {"code": "String!"})},
        "Mutation": {
            "discountCodeBasicCreate": FieldDef(
                "DiscountCodeBasicCreatePayload", {"basicCodeDiscount": "DiscountCodeBasicInput!"}
            ),
            "discountCodeBasicUpdate": FieldDef(
                "DiscountCodeBasicUpdatePayload",
                {"id": "ID!", "basicCodeDiscount": "DiscountCodeBasicInput!"},
            ),
            "discountCodeActivate": FieldDef("DiscountCodeActivatePayload", {"id": "ID!"}),
            "discountCodeDeactivate": FieldDef("DiscountCodeDeactivatePayload", {"id": "ID!"}),
        },
        **{
            payload: {
                "codeDiscountNode": FieldDef("DiscountCodeNode"),
                "userErrors": FieldDef("[DiscountUserError!]!"),
            }
            for payload in (
                "DiscountCodeBasicCreatePayload",
                "DiscountCodeBasicUpdatePayload",
                "DiscountCodeActivatePayload",
                "DiscountCodeDeactivatePayload",
            )
        },
        "DiscountUserError": _DISCOUNT_USER_ERROR,
        "DiscountCodeNode": {"id": FieldDef("ID!"), "codeDiscount": FieldDef("DiscountCode!")},
        "DiscountCodeBasic": {
            **_CODE_DISCOUNT_COMMON,
            "customerGets": FieldDef("DiscountCustomerGets!"),
        },
        "DiscountCodeBxgy": dict(_CODE_DISCOUNT_COMMON),
        "DiscountCodeFreeShipping": dict(_CODE_DISCOUNT_COMMON),
        "DiscountCodeApp": dict(_CODE_DISCOUNT_COMMON),
        "DiscountRedeemCodeConnection": {
            "nodes": FieldDef("[DiscountRedeemCode!]!"),
            "edges": FieldDef("[DiscountRedeemCodeEdge!]!"),
        },
        "DiscountRedeemCodeEdge": {
            "node": FieldDef("DiscountRedeemCode!"),
            "cursor": FieldDef("String!"),
        },
        "DiscountRedeemCode": {
            "id": FieldDef("ID!"),
            "code": FieldDef("String!"),
            "asyncUsageCount": FieldDef("Int!"),
        },
        "DiscountCustomerGets": {
            "value": FieldDef("DiscountCustomerGetsValue!"),
            "items": FieldDef("DiscountItems!"),
            "appliesOnOneTimePurchase": FieldDef("Boolean!"),
            "appliesOnSubscription": FieldDef("Boolean!"),
        },
        "DiscountPercentage": {"percentage": FieldDef("Float!")},
        "DiscountAmount": {"appliesOnEachItem": FieldDef("Boolean!")},
        "DiscountOnQuantity": {},
        "AllDiscountItems": {"allItems": FieldDef("Boolean!")},
        "DiscountProducts": {},
        "DiscountCollections": {},
        "DiscountCustomerAll": {"allCustomers": FieldDef("Boolean!")},
        "DiscountCustomers": {},
        "DiscountCustomerSegments": {},
    },
    unions={
        "DiscountCode": {
            "DiscountCodeBasic",
            "DiscountCodeBxgy",
            "DiscountCodeFreeShipping",
            "DiscountCodeApp",
        },
        "DiscountCustomerGetsValue": {"DiscountPercentage", "DiscountAmount", "DiscountOnQuantity"},
        "DiscountItems": {"AllDiscountItems", "DiscountProducts", "DiscountCollections"},
        "DiscountCustomerSelection": {
            "DiscountCustomerAll",
            "DiscountCustomers",
            "DiscountCustomerSegments",
        },
    },
    inputs={
        "DiscountCodeBasicInput": {
            "title": "String",
            "code": "String",
            "startsAt": "DateTime",
            "endsAt": "DateTime",
            "customerSelection": "DiscountCustomerSelectionInput",
            "context": "DiscountContextInput",
            "customerGets": "DiscountCustomerGetsInput",
            "appliesOncePerCustomer": "Boolean",
            "usageLimit": "Int",
            "recurringCycleLimit": "Int",
            "combinesWith": "DiscountCombinesWithInput",
            "minimumRequirement": "DiscountMinimumRequirementInput",
        },
        "DiscountCustomerSelectionInput": {
            "all": "Boolean",
            "customers": "DiscountCustomersInput",
            "customerSegments": "DiscountCustomerSegmentsInput",
        },
        "DiscountContextInput": {
            "all": "DiscountBuyerSelection",
            "customers": "DiscountCustomersInput",
            "customerSegments": "DiscountCustomerSegmentsInput",
        },
        "DiscountCustomersInput": {"add": "[ID!]", "remove": "[ID!]"},
        "DiscountCustomerSegmentsInput": {"add": "[ID!]", "remove": "[ID!]"},
        "DiscountCustomerGetsInput": {
            "value": "DiscountCustomerGetsValueInput",
            "items": "DiscountItemsInput",
            "appliesOnOneTimePurchase": "Boolean",
            "appliesOnSubscription": "Boolean",
        },
        "DiscountCustomerGetsValueInput": {
            "percentage": "Float",
            "discountAmount": "DiscountAmountInput",
            "discountOnQuantity": "DiscountOnQuantityInput",
        },
        "DiscountAmountInput": {"amount": "Decimal", "appliesOnEachItem": "Boolean"},
        "DiscountOnQuantityInput": {"quantity": "UnsignedInt64", "effect": "DiscountEffectInput"},
        "DiscountEffectInput": {"percentage": "Float", "amount": "Decimal"},
        "DiscountItemsInput": {
            "all": "Boolean",
            "products": "DiscountProductsInput",
            "collections": "DiscountCollectionsInput",
        },
        "DiscountProductsInput": {
            "productsToAdd": "[ID!]",
            "productsToRemove": "[ID!]",
            "productVariantsToAdd": "[ID!]",
            "productVariantsToRemove": "[ID!]",
        },
        "DiscountCollectionsInput": {"add": "[ID!]", "remove": "[ID!]"},
        "DiscountCombinesWithInput": {
            "orderDiscounts": "Boolean",
            "productDiscounts": "Boolean",
            "shippingDiscounts": "Boolean",
        },
        "DiscountMinimumRequirementInput": {
            "quantity": "DiscountMinimumQuantityInput",
            "subtotal": "DiscountMinimumSubtotalInput",
        },
        "DiscountMinimumQuantityInput": {"greaterThanOrEqualToQuantity": "UnsignedInt64"},
        "DiscountMinimumSubtotalInput": {"greaterThanOrEqualToSubtotal": "Decimal"},
    },
    enums={
        "DiscountStatus": {"ACTIVE", "EXPIRED", "SCHEDULED"},
        "DiscountErrorCode": {
            "BLANK",
            "INVALID",
            "TAKEN",
            "TOO_LONG",
            "VALUE_OUTSIDE_RANGE",
            "CONFLICT",
            "MISSING_ARGUMENT",
            "INTERNAL_ERROR",
        },
        "DiscountBuyerSelection": {"ALL"},
    },
)
install(SCHEMA)  # draft orders: see _drafts.py


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------- the throttle


@dataclass
class CostBucket:
    """Shopify's calculated-cost leaky bucket: ``maximum`` points, refilled at
    ``restore_rate`` points a second, on the store's clock."""

    clock: Clock
    maximum: float = 1000.0
    restore_rate: float = 50.0
    _available: float | None = None
    _at: datetime | None = None

    def available(self) -> float:
        now = self.clock.now()
        if self._available is None or self._at is None:
            self._available, self._at = self.maximum, now
        elapsed = max((now - self._at).total_seconds(), 0.0)
        self._available = min(self.maximum, self._available + elapsed * self.restore_rate)
        self._at = now
        return self._available

    def take(self, cost: float) -> bool:
        """Spend ``cost`` if that much is available; ``False`` (nothing spent) otherwise."""
        if cost > self.available():
            return False
        self._available = (self._available or 0.0) - cost
        return True

    def drain(self, to: float = 0.0) -> None:
        """Leave only ``to`` points (another client of the same app spent the rest)."""
        self.available()
        self._available = min(to, self.maximum)

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": float(self.maximum),
            "currentlyAvailable": round(self.available(), 2),
            "restoreRate": float(self.restore_rate),
        }


# --------------------------------------------------------------------------- the store


@dataclass
class Discount:
    """One basic code discount as the store holds it."""

    number: int
    title: str
    code: str
    percentage: float
    starts_at: datetime
    ends_at: datetime | None
    applies_once_per_customer: bool
    created_at: datetime
    updated_at: datetime
    usage_limit: int | None = None

    @property
    def gid(self) -> str:
        return f"{NODE_GID}{self.number}"

    def status(self, now: datetime) -> str:
        if self.starts_at > now:
            return "SCHEDULED"
        if self.ends_at is not None and self.ends_at <= now:
            return "EXPIRED"
        return "ACTIVE"


def _injected(status: int) -> web.Response:
    # The Tap's answer for an injected fault; 429s get their Retry-After in the middleware.
    if status == 429:
        body = {
            "errors": "Exceeded 2 calls per second for api client. Reduce request rates to "
            "resume uninterrupted service."
        }
    else:
        body = {"errors": "Internal Server Error" if status == 500 else f"{status}"}
    return web.json_response(body, status=status)


@dataclass
class ShopifyStore:
    """What the stand-in knows: its access token, its discounts and its throttle."""

    clock: Clock
    token: str = "shpat_standin"
    maximum_available: float = 1000.0
    restore_rate: float = 50.0
    mutation_cost: int = MUTATION_COST
    discounts: dict[int, Discount] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    retry_after: float = 2.0
    tap: Tap = field(default_factory=lambda: Tap(answer=_injected))
    book: DraftBook = field(default_factory=DraftBook)
    _next: int = 1057371

    def __post_init__(self) -> None:
        self.bucket = CostBucket(self.clock, self.maximum_available, self.restore_rate)

    @property
    def requests(self) -> list[ServedRequest]:
        """Every request served, oldest first."""
        return self.tap.requests

    # ------------------------------------------------------------ test helpers
    def add_code(
        self,
        code: str,
        percent: float = 10,
        *,
        title: str = "Made in the Shopify admin",
        once_per_customer: bool = False,
    ) -> Discount:
        """A discount code someone else created in the shop's admin."""
        now = self.clock.now()
        return self._create(title, code, percent / 100, now, None, once_per_customer, now)

    def find(self, code: str) -> Discount | None:
        """The discount holding ``code`` (case-insensitive), if any."""
        wanted = code.casefold()
        for discount in self.discounts.values():
            if discount.code.casefold() == wanted:
                return discount
        return None

    @property
    def drafts(self) -> list[Draft]:
        """Every draft order, oldest first."""
        return list(self.book.drafts.values())

    def add_variant(self, number: int, title: str, price: str) -> str:
        """A product variant the store sells; its gid."""
        self.book.variants[number] = Variant(number, title, Decimal(price))
        return f"{VARIANT_GID}{number}"

    def complete_draft(self, gid: str) -> int:
        """What the manager's "Mark as paid" does: the draft becomes an order; its number."""
        draft = self.book.drafts[int(gid.rsplit("/", 1)[1])]
        draft.status = "COMPLETED"
        draft.order_number, self.book.next_order = self.book.next_order, self.book.next_order + 1
        return draft.order_number

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next ``count`` GraphQL requests with ``status`` (nothing runs)."""
        self.tap.fail(GRAPHQL_PATH.pattern, status, count=count)

    def rate_limit_next(self, count: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``count`` GraphQL requests with 429 and ``Retry-After``."""
        if retry_after is not None:
            self.retry_after = retry_after
        self.tap.fail(GRAPHQL_PATH.pattern, 429, count=count)

    # -------------------------------------------------------------- internals
    def _create(
        self,
        title: str,
        code: str,
        percentage: float,
        starts_at: datetime,
        ends_at: datetime | None,
        once: bool,
        now: datetime,
        usage_limit: int | None = None,
    ) -> Discount:
        number, self._next = self._next, self._next + 1
        discount = Discount(
            number, title, code, percentage, starts_at, ends_at, once, now, now, usage_limit
        )
        self.discounts[number] = discount
        return discount

    def node(self, discount: Discount) -> dict[str, Any]:
        now = self.clock.now()

        def codes(args: dict[str, Any]) -> dict[str, Any]:
            if args.get("first") is None and args.get("last") is None:
                raise GraphQLError([error("you must provide one of first or last")])
            redeem = {
                "id": f"gid://shopify/DiscountRedeemCode/{discount.number}",
                "code": discount.code,
                "asyncUsageCount": 0,
            }
            return {"nodes": [redeem], "edges": [{"node": redeem, "cursor": "MQ"}]}

        percent = f"{discount.percentage * 100:g}%"
        return {
            "__typename": "DiscountCodeNode",
            "id": discount.gid,
            "codeDiscount": {
                "__typename": "DiscountCodeBasic",
                "title": discount.title,
                "status": discount.status(now),
                "startsAt": _iso(discount.starts_at),
                "endsAt": _iso(discount.ends_at) if discount.ends_at else None,
                "createdAt": _iso(discount.created_at),
                "updatedAt": _iso(discount.updated_at),
                "asyncUsageCount": 0,
                "usageLimit": discount.usage_limit,
                "appliesOncePerCustomer": discount.applies_once_per_customer,
                "summary": f"{percent} off entire order"
                + (" • One use per customer" if discount.applies_once_per_customer else ""),
                "codes": codes,
                "customerSelection": {"__typename": "DiscountCustomerAll", "allCustomers": True},
                "customerGets": {
                    "__typename": "DiscountCustomerGets",
                    "value": {
                        "__typename": "DiscountPercentage",
                        "percentage": discount.percentage,
                    },
                    "items": {"__typename": "AllDiscountItems", "allItems": True},
                    "appliesOnOneTimePurchase": True,
                    "appliesOnSubscription": False,
                },
            },
        }


STORE = web.AppKey("shopify_store", ShopifyStore)


# ------------------------------------------------------------------------- resolvers


def _user_error(field_path: list[str], code: str | None, message: str) -> dict[str, Any]:
    return {"field": field_path, "code": code, "message": message, "extraInfo": None}


def _create_errors(store: ShopifyStore, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The userErrors Shopify answers for this ``DiscountCodeBasicInput`` on create."""
    arg = "basicCodeDiscount"
    errors: list[dict[str, Any]] = []

    def blank(name: str, label: str) -> None:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append(_user_error([arg, name], "BLANK", f"{label} can't be blank"))

    blank("title", "Title")
    blank("code", "Code")
    blank("startsAt", "Starts at")
    code = data.get("code")
    if isinstance(code, str) and len(code) > 255:
        errors.append(
            _user_error([arg, "code"], "TOO_LONG", "Code is too long (maximum is 255 characters)")
        )
    if isinstance(code, str) and ("\n" in code or "\r" in code):
        message = "Code cannot contain newline characters."
        errors.append(_user_error([arg, "code"], "INVALID", message))
    ends, starts = data.get("endsAt"), data.get("startsAt")
    if ends is not None and starts is not None and ends <= starts:
        message = "Ends at needs to be after starts_at"
        errors.append(_user_error([arg, "endsAt"], "INVALID", message))

    selection, context = data.get("customerSelection"), data.get("context")
    if selection is None and context is None:
        errors.append(_user_error([arg, "context"], "BLANK", "Context can't be blank"))
    elif selection is not None and context is not None:
        errors.append(
            _user_error([arg], "INVALID", "Only one of context or customerSelection can be set.")
        )
    elif selection is not None and selection.get("all") is not True:
        # The stand-in has no customers or segments: only "all customers" can be right.
        errors.append(
            _user_error([arg, "customerSelection"], "INVALID", "Customer selection is invalid")
        )
    elif context is not None and context.get("all") != "ALL":
        errors.append(_user_error([arg, "context"], "INVALID", "Context is invalid"))

    gets = data.get("customerGets")
    if gets is None:
        errors.append(_user_error([arg, "customerGets"], "BLANK", "Customer gets can't be blank"))
    else:
        value, items = gets.get("value"), gets.get("items")
        if value is None or value.get("percentage") is None:
            # Amount-off and quantity discounts are not modelled here.
            errors.append(
                _user_error([arg, "customerGets", "value"], "BLANK", "Value can't be blank")
            )
        elif not 0.0 <= value["percentage"] <= 1.0:
            errors.append(
                _user_error(
                    [arg, "customerGets", "value", "percentage"],
                    "VALUE_OUTSIDE_RANGE",
                    "Value must be between 0.00 and 1.00",
                )
            )
        if items is None or items.get("all") is not True:
            errors.append(
                _user_error(
                    [arg, "customerGets", "items"],
                    "BLANK",
                    "Items in 'customer gets' must be defined",
                )
            )
    if not errors and isinstance(code, str) and store.find(code.strip()) is not None:
        errors.append(_user_error([arg, "code"], "TAKEN", TAKEN_MESSAGE))
    return errors


def _discount_by_gid(store: ShopifyStore, gid: str) -> Discount | None:
    if not gid.startswith(NODE_GID):
        return None
    try:
        return store.discounts.get(int(gid.removeprefix(NODE_GID)))
    except ValueError:
        return None


def _check_gid(gid: str) -> None:
    if not re.fullmatch(r"gid://shopify/[A-Za-z]+/\S+", gid):
        raise GraphQLError(
            [
                error(
                    "Variable $id of type ID! was provided invalid value",
                    code="INVALID_VARIABLE",
                    value=gid,
                    problems=[{"path": [], "explanation": f"Invalid global id `{gid}`"}],
                )
            ]
        )


def _run(store: ShopifyStore, root: str, args: dict[str, Any]) -> Any:
    now = store.clock.now()
    if root in DRAFT_ROOTS:
        return run_drafts(store.book, root, args, now)
    if root == "codeDiscountNodeByCode":
        found = store.find(args["code"])
        return store.node(found) if found else None
    if root == "discountCodeBasicCreate":
        data = args["basicCodeDiscount"]
        errors = _create_errors(store, data)
        if errors:
            return {"codeDiscountNode": None, "userErrors": errors}
        discount = store._create(
            data["title"].strip(),
            data["code"].strip(),
            data["customerGets"]["value"]["percentage"],
            data["startsAt"],
            data.get("endsAt"),
            bool(data.get("appliesOncePerCustomer")),
            now,
            data.get("usageLimit"),
        )
        return {"codeDiscountNode": store.node(discount), "userErrors": []}
    if root == "discountCodeBasicUpdate":
        return _update(store, args, now)
    # discountCodeActivate / discountCodeDeactivate
    _check_gid(args["id"])
    discount = _discount_by_gid(store, args["id"])
    if discount is None:
        return {
            "codeDiscountNode": None,
            "userErrors": [_user_error(["id"], None, "Discount does not exist")],
        }
    if root == "discountCodeDeactivate":
        if discount.status(now) != "EXPIRED":
            discount.ends_at = now
    else:
        discount.ends_at = None
        if discount.starts_at > now:
            discount.starts_at = now
    discount.updated_at = now
    return {"codeDiscountNode": store.node(discount), "userErrors": []}


def _update(store: ShopifyStore, args: dict[str, Any], now: datetime) -> dict[str, Any]:
    """``discountCodeBasicUpdate``: only the fields given change; the same checks as a
    create for the ones given."""
    _check_gid(args["id"])
    discount = _discount_by_gid(store, args["id"])
    if discount is None:
        return {
            "codeDiscountNode": None,
            "userErrors": [_user_error(["id"], None, "Discount does not exist")],
        }
    data = args["basicCodeDiscount"]
    arg = "basicCodeDiscount"
    errors = []
    gets = data.get("customerGets")
    percentage = None
    if gets is not None:
        value = gets.get("value") or {}
        percentage = value.get("percentage")
        if percentage is None:
            errors.append(
                _user_error([arg, "customerGets", "value"], "BLANK", "Value can't be blank")
            )
        elif not 0.0 <= percentage <= 1.0:
            errors.append(
                _user_error(
                    [arg, "customerGets", "value", "percentage"],
                    "VALUE_OUTSIDE_RANGE",
                    "Value must be between 0.00 and 1.00",
                )
            )
        if gets.get("items") is not None and gets["items"].get("all") is not True:
            errors.append(
                _user_error(
                    [arg, "customerGets", "items"],
                    "BLANK",
                    "Items in 'customer gets' must be defined",
                )
            )
    code = data.get("code")
    if isinstance(code, str) and code.strip():
        other = store.find(code.strip())
        if other is not None and other is not discount:
            errors.append(_user_error([arg, "code"], "TAKEN", TAKEN_MESSAGE))
    if errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    if percentage is not None:
        discount.percentage = percentage
    if data.get("appliesOncePerCustomer") is not None:
        discount.applies_once_per_customer = data["appliesOncePerCustomer"]
    if isinstance(data.get("title"), str) and data["title"].strip():
        discount.title = data["title"].strip()
    if isinstance(code, str) and code.strip():
        discount.code = code.strip()
    discount.updated_at = now
    return {"codeDiscountNode": store.node(discount), "userErrors": []}


def _query_cost(store: ShopifyStore, operation: Operation) -> int:
    """Shopify's requested cost, simplified: a mutation costs ``store.mutation_cost`` (10);
    a query 1 per object selected, a connection 2 plus the objects it asks for."""
    if operation.kind == "mutation":
        return store.mutation_cost

    def count(selections: list[Any]) -> int:
        total = 0
        for selection in selections:
            inner = selection.selections or []
            if getattr(selection, "name", None) is not None and selection.selections is not None:
                first = selection.args.get("first") or selection.args.get("last")
                total += 2 + first if isinstance(first, int) else 1
            total += count(inner)
        return total

    return max(count(operation.selections), 1)


def _graphql_answer(store: ShopifyStore, body: dict[str, Any]) -> dict[str, Any]:
    query, variables = body.get("query"), body.get("variables")
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        raise GraphQLError([error("Variables must be an object")])
    operation = parse(query)
    if operation.kind == "subscription":
        raise GraphQLError([error("Subscriptions are not supported")])
    root_type = "Mutation" if operation.kind == "mutation" else "QueryRoot"
    validate(SCHEMA, operation, root_type)
    values = variable_values(SCHEMA, operation, variables)
    roots = [s for s in operation.selections if getattr(s, "name", "__typename") != "__typename"]
    if len(roots) != 1:
        raise GraphQLError([error("The stand-in runs exactly one root field per request")])
    root = roots[0]
    cost = _query_cost(store, operation)
    if not store.bucket.take(cost):
        store.throttled[root.name] += 1
        return {
            "errors": [
                error(
                    "Throttled",
                    code="THROTTLED",
                    documentation="https://shopify.dev/api/usage/rate-limits",
                )
            ],
            "extensions": {
                "cost": {
                    "requestedQueryCost": cost,
                    "actualQueryCost": None,
                    "throttleStatus": store.bucket.status(),
                }
            },
        }
    fdef = SCHEMA.objects[root_type][root.name]
    args = resolve_args(SCHEMA, root, fdef, values)
    store.calls[root.name] += 1
    result = _run(store, root.name, args)
    data = {root.key: project(SCHEMA, fdef.type.rstrip("!"), result, root.selections or [], values)}
    return {
        "data": data,
        "extensions": {
            "cost": {
                "requestedQueryCost": cost,
                "actualQueryCost": cost,
                "throttleStatus": store.bucket.status(),
            }
        },
    }


async def _graphql(request: web.Request) -> web.StreamResponse:
    store = request.app[STORE]
    if GRAPHQL_PATH.fullmatch(request.path) is None:
        return await _not_found(request)
    if request.headers.get("X-Shopify-Access-Token") != store.token:
        return web.json_response({"errors": INVALID_TOKEN}, status=401)
    if request.content_type != "application/json":
        return web.json_response(
            {"errors": {"query": "Required parameter missing or invalid"}}, status=400
        )
    try:
        body = json.loads(await request.read())
    except ValueError:
        return web.json_response(
            {"errors": {"query": "Required parameter missing or invalid"}}, status=400
        )
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return web.json_response(
            {"errors": {"query": "Required parameter missing or invalid"}}, status=400
        )
    try:
        answer = _graphql_answer(store, body)
    except GraphQLError as exc:
        answer = {"errors": exc.errors}
    return web.json_response(answer)


async def _not_found(request: web.Request) -> web.Response:
    return web.json_response({"errors": "Not Found"}, status=404)


@web.middleware
async def _retry_after(request: web.Request, handler: Any) -> web.StreamResponse:
    response = await handler(request)
    if response.status == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = f"{request.app[STORE].retry_after:g}"
    return response


def create_app(store: ShopifyStore) -> web.Application:
    app = web.Application(middlewares=[_retry_after])
    store.tap.install(app)
    app[STORE] = store
    app.router.add_post("/admin/api/{version}/graphql.json", _graphql)
    app.router.add_route("*", "/{tail:.*}", _not_found)
    return app


__all__ = ["SCHEMA", "STORE", "CostBucket", "Discount", "ShopifyStore", "create_app"]
