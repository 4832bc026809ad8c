"""Draft orders in the Shopify stand-in, as far as gifts to creators go.

* ``draftOrderCreate(input: DraftOrderInput!)`` with line items (a store variant by
  ``variantId``, or a custom item with ``title`` and ``originalUnitPrice``), a per-line or
  order-level ``appliedDiscount``, ``tags``, ``note``, ``email`` and a ``shippingAddress``
  (``countryCode`` is the ``CountryCode`` enum, so an unknown country fails as
  ``INVALID_VARIABLE`` before anything runs). Input problems are ``userErrors``
  (``field``, ``message``). A mutation costs 10 like the others.
* ``draftOrders(first:, query:)`` with Shopify's search syntax, as far as ``tag:`` terms
  go: how a client finds the draft it created before a crash.
* Test helpers on the store: ``add_variant`` (a product variant the store sells) and
  ``complete_draft`` (what the manager's "Mark as paid" does: the draft becomes an order).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale

from ._graphql import FieldDef, GraphQLError, Schema, error

DRAFT_GID = "gid://shopify/DraftOrder/"
VARIANT_GID = "gid://shopify/ProductVariant/"
ROOTS = frozenset({"draftOrderCreate", "draftOrders"})
# ISO 3166-1 alpha-2 codes Shopify's CountryCode enum holds (plus ZZ, "unknown region").
COUNTRY_CODES = frozenset(
    code for code in Locale("en").territories if len(code) == 2 and code.isalpha()
) | {"ZZ"}


@dataclass
class Variant:
    number: int
    title: str
    price: Decimal


@dataclass
class DraftLine:
    title: str
    quantity: int
    unit_price: Decimal
    variant: Variant | None
    discount: dict[str, Any] | None


@dataclass
class Draft:
    number: int
    lines: list[DraftLine]
    tags: list[str]
    note: str | None
    email: str | None
    address: dict[str, Any] | None
    discount: dict[str, Any] | None
    created_at: datetime
    status: str = "OPEN"
    order_number: int | None = None

    @property
    def gid(self) -> str:
        return f"{DRAFT_GID}{self.number}"

    @property
    def name(self) -> str:
        return f"#D{self.number - DRAFT_START + 1}"


DRAFT_START = 917_000_001


@dataclass
class DraftBook:
    """The store's draft orders and the variants they may name."""

    drafts: dict[int, Draft] = field(default_factory=dict)
    variants: dict[int, Variant] = field(default_factory=dict)
    next_number: int = DRAFT_START
    next_order: int = 1001

    def tagged(self, tag: str) -> list[Draft]:
        wanted = tag.casefold()
        return [d for d in self.drafts.values() if wanted in (t.casefold() for t in d.tags)]


def install(schema: Schema) -> None:
    """Add the draft-order fields and types to the stand-in's schema."""
    schema.objects["Mutation"]["draftOrderCreate"] = FieldDef(
        "DraftOrderCreatePayload", {"input": "DraftOrderInput!"}
    )
    schema.objects["QueryRoot"]["draftOrders"] = FieldDef(
        "DraftOrderConnection!",
        {"first": "Int", "last": "Int", "after": "String", "query": "String", "reverse": "Boolean"},
    )
    schema.objects.update(
        {
            "DraftOrderCreatePayload": {
                "draftOrder": FieldDef("DraftOrder"),
                "userErrors": FieldDef("[UserError!]!"),
            },
            "UserError": {"field": FieldDef("[String!]"), "message": FieldDef("String!")},
            "DraftOrder": {
                "id": FieldDef("ID!"),
                "name": FieldDef("String!"),
                "status": FieldDef("DraftOrderStatus!"),
                "tags": FieldDef("[String!]!"),
                "note2": FieldDef("String"),
                "email": FieldDef("String"),
                "createdAt": FieldDef("DateTime!"),
                "shippingAddress": FieldDef("MailingAddress"),
                "lineItems": FieldDef(
                    "DraftOrderLineItemConnection!", {"first": "Int", "after": "String"}
                ),
            },
            "DraftOrderConnection": {
                "nodes": FieldDef("[DraftOrder!]!"),
                "edges": FieldDef("[DraftOrderEdge!]!"),
            },
            "DraftOrderEdge": {"node": FieldDef("DraftOrder!"), "cursor": FieldDef("String!")},
            "DraftOrderLineItemConnection": {"nodes": FieldDef("[DraftOrderLineItem!]!")},
            "DraftOrderLineItem": {
                "id": FieldDef("ID!"),
                "title": FieldDef("String!"),
                "quantity": FieldDef("Int!"),
                "custom": FieldDef("Boolean!"),
                "appliedDiscount": FieldDef("DraftOrderAppliedDiscount"),
            },
            "DraftOrderAppliedDiscount": {
                "value": FieldDef("Float!"),
                "valueType": FieldDef("DraftOrderAppliedDiscountType!"),
                "title": FieldDef("String"),
                "description": FieldDef("String!"),
            },
            "MailingAddress": {
                "name": FieldDef("String"),
                "firstName": FieldDef("String"),
                "lastName": FieldDef("String"),
                "address1": FieldDef("String"),
                "address2": FieldDef("String"),
                "city": FieldDef("String"),
                "zip": FieldDef("String"),
                "countryCodeV2": FieldDef("CountryCode"),
                "phone": FieldDef("String"),
            },
        }
    )
    schema.inputs.update(
        {
            "DraftOrderInput": {
                "lineItems": "[DraftOrderLineItemInput!]",
                "appliedDiscount": "DraftOrderAppliedDiscountInput",
                "billingAddress": "MailingAddressInput",
                "shippingAddress": "MailingAddressInput",
                "shippingLine": "ShippingLineInput",
                "customAttributes": "[AttributeInput!]",
                "customerId": "ID",
                "email": "String",
                "phone": "String",
                "note": "String",
                "poNumber": "String",
                "sourceName": "String",
                "tags": "[String!]",
                "taxExempt": "Boolean",
                "useCustomerDefaultAddress": "Boolean",
                "visibleToCustomer": "Boolean",
                "reserveInventoryUntil": "DateTime",
            },
            "DraftOrderLineItemInput": {
                "variantId": "ID",
                "title": "String",
                "originalUnitPrice": "Money",
                "quantity": "Int!",
                "appliedDiscount": "DraftOrderAppliedDiscountInput",
                "customAttributes": "[AttributeInput!]",
                "requiresShipping": "Boolean",
                "sku": "String",
                "taxable": "Boolean",
                "weight": "WeightInput",
            },
            "DraftOrderAppliedDiscountInput": {
                "amount": "Money",
                "description": "String",
                "title": "String",
                "value": "Float!",
                "valueType": "DraftOrderAppliedDiscountType!",
            },
            "MailingAddressInput": {
                "address1": "String",
                "address2": "String",
                "city": "String",
                "company": "String",
                "countryCode": "CountryCode",
                "firstName": "String",
                "lastName": "String",
                "phone": "String",
                "provinceCode": "String",
                "zip": "String",
            },
            "ShippingLineInput": {"title": "String", "price": "Money"},
            "AttributeInput": {"key": "String!", "value": "String!"},
            "WeightInput": {"value": "Float!", "unit": "WeightUnit!"},
        }
    )
    schema.enums.update(
        {
            "DraftOrderStatus": {"OPEN", "INVOICE_SENT", "COMPLETED"},
            "DraftOrderAppliedDiscountType": {"FIXED_AMOUNT", "PERCENTAGE"},
            "CountryCode": set(COUNTRY_CODES),
            "WeightUnit": {"GRAMS", "KILOGRAMS", "OUNCES", "POUNDS"},
        }
    )


def _error(path: list[str], message: str) -> dict[str, Any]:
    return {"field": path, "message": message}


def _discount_errors(discount: dict[str, Any] | None, path: list[str]) -> list[dict[str, Any]]:
    if discount is None:
        return []
    value = discount["value"]
    if value < 0:
        return [_error([*path, "value"], "Value must be greater than or equal to 0")]
    if discount["valueType"] == "PERCENTAGE" and value > 100:
        return [_error([*path, "value"], "Value must be less than or equal to 100")]
    return []


def _lines(book: DraftBook, data: dict[str, Any]) -> tuple[list[DraftLine], list[dict[str, Any]]]:
    lines: list[DraftLine] = []
    errors: list[dict[str, Any]] = []
    items = data.get("lineItems") or []
    if not items:
        errors.append(_error(["lineItems"], "Line items can't be blank"))
    for index, item in enumerate(items):
        path = ["lineItems", str(index)]
        if item["quantity"] < 1:
            errors.append(
                _error([*path, "quantity"], "Quantity must be greater than or equal to 1")
            )
        errors += _discount_errors(item.get("appliedDiscount"), [*path, "appliedDiscount"])
        variant = None
        if item.get("variantId") is not None:
            gid = item["variantId"]
            number = gid.removeprefix(VARIANT_GID)
            variant = book.variants.get(int(number)) if number.isdigit() else None
            if variant is None:
                errors.append(
                    _error(
                        [*path, "variantId"], f"Product with ID {number} is no longer available."
                    )
                )
                continue
            title, price = variant.title, variant.price
        else:
            title = (item.get("title") or "").strip()
            if not title:
                errors.append(_error([*path, "title"], "Title can't be blank"))
            if item.get("originalUnitPrice") is None:
                errors.append(
                    _error([*path, "originalUnitPrice"], "Original unit price can't be blank")
                )
                continue
            try:
                price = Decimal(str(item["originalUnitPrice"]))
            except InvalidOperation:
                errors.append(_error([*path, "originalUnitPrice"], "Price is invalid"))
                continue
            if price < 0:
                errors.append(
                    _error([*path, "originalUnitPrice"], "Price must be greater than or equal to 0")
                )
        lines.append(
            DraftLine(title, item["quantity"], price, variant, item.get("appliedDiscount"))
        )
    return lines, errors


def _address_errors(address: dict[str, Any] | None) -> list[dict[str, Any]]:
    if address is None:
        return []
    errors = []
    for name in ("address1", "city", "zip", "firstName", "lastName", "company", "address2"):
        value = address.get(name)
        if isinstance(value, str) and len(value) > 255:
            errors.append(_error(["shippingAddress", name], f"{name} is too long"))
    return errors


def run(book: DraftBook, root: str, args: dict[str, Any], now: datetime) -> Any:
    if root == "draftOrders":
        first, query = args.get("first"), args.get("query") or ""
        if first is None and args.get("last") is None:
            raise GraphQLError([error("you must provide one of first or last")])
        found = list(book.drafts.values())
        try:
            terms = shlex.split(query)
        except ValueError:
            terms = query.split()
        for term in terms:
            match = re.fullmatch(r"tag:(.+)", term)
            if match:
                found = [d for d in found if d in book.tagged(match[1].strip("'\""))]
        found = found[: first or args.get("last")]
        nodes = [draft_node(d) for d in found]
        return {"nodes": nodes, "edges": [{"node": n, "cursor": "MQ"} for n in nodes]}
    data = args["input"]
    lines, errors = _lines(book, data)
    errors += _discount_errors(data.get("appliedDiscount"), ["appliedDiscount"])
    errors += _address_errors(data.get("shippingAddress"))
    email = data.get("email")
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.append(_error(["email"], "Email is invalid"))
    if len(data.get("tags") or []) > 250:
        errors.append(_error(["tags"], "Tags cannot be more than 250"))
    if errors:
        return {"draftOrder": None, "userErrors": errors}
    number, book.next_number = book.next_number, book.next_number + 1
    draft = Draft(
        number,
        lines,
        [t.strip() for t in data.get("tags") or [] if t.strip()],
        data.get("note"),
        email,
        data.get("shippingAddress"),
        data.get("appliedDiscount"),
        now,
    )
    book.drafts[number] = draft
    return {"draftOrder": draft_node(draft), "userErrors": []}


def draft_node(draft: Draft) -> dict[str, Any]:
    address = draft.address
    lines = [
        {
            "__typename": "DraftOrderLineItem",
            "id": f"gid://shopify/DraftOrderLineItem/{draft.number}{index}",
            "title": line.title,
            "quantity": line.quantity,
            "custom": line.variant is None,
            "appliedDiscount": (
                {
                    "__typename": "DraftOrderAppliedDiscount",
                    "value": line.discount["value"],
                    "valueType": line.discount["valueType"],
                    "title": line.discount.get("title"),
                    "description": line.discount.get("description") or "",
                }
                if line.discount
                else None
            ),
        }
        for index, line in enumerate(draft.lines)
    ]
    return {
        "__typename": "DraftOrder",
        "id": draft.gid,
        "name": draft.name,
        "status": draft.status,
        "tags": sorted(draft.tags),
        "note2": draft.note,
        "email": draft.email,
        "createdAt": draft.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "shippingAddress": (
            {
                "__typename": "MailingAddress",
                "name": " ".join(
                    p for p in (address.get("firstName"), address.get("lastName")) if p
                )
                or None,
                "firstName": address.get("firstName"),
                "lastName": address.get("lastName"),
                "address1": address.get("address1"),
                "address2": address.get("address2"),
                "city": address.get("city"),
                "zip": address.get("zip"),
                "countryCodeV2": address.get("countryCode"),
                "phone": address.get("phone"),
            }
            if address
            else None
        ),
        "lineItems": lambda _args: {"nodes": lines},
    }
