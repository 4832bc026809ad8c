"""The Shopify stand-in answers as the GraphQL Admin API does: it refuses a wrong request
shape, a wrong token and a taken code, throttles by calculated cost, and injects faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.clock import FrozenClock
from emulators._base import LoopbackServer
from emulators.shopify import INVALID_TOKEN, TAKEN_MESSAGE, ShopifyStore, create_app

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
PATH = "/admin/api/2026-10/graphql.json"

CREATE = """mutation Create($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic {
      title status appliesOncePerCustomer codes(first: 1) { nodes { code } }
      customerGets { value { ... on DiscountPercentage { percentage } } }
    } } }
    userErrors { field code message }
  }
}"""
DEACTIVATE = """mutation Off($id: ID!) { discountCodeDeactivate(id: $id) {
  codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic { status } } }
  userErrors { field code message } } }"""
ACTIVATE = DEACTIVATE.replace("Deactivate", "Activate").replace("Off", "On")
FIND = """query Find($code: String!) { codeDiscountNodeByCode(code: $code) {
  id codeDiscount { ... on DiscountCodeBasic { title codes(first: 1) { nodes { code } } } } } }"""


def _input(code: str = "ANNABAKES15", **changes: Any) -> dict[str, Any]:
    value = {
        "title": "Anna Bakes · Spring program",
        "code": code,
        "startsAt": "2026-11-23T10:00:00Z",
        "customerSelection": {"all": True},
        "customerGets": {"value": {"percentage": 0.15}, "items": {"all": True}},
        "appliesOncePerCustomer": True,
    }
    value.update(changes)
    return value


@pytest.fixture
def store(clock: FrozenClock) -> ShopifyStore:
    return ShopifyStore(clock, token=TOKEN)


@pytest.fixture
async def url(store: ShopifyStore) -> AsyncIterator[str]:
    async with LoopbackServer(create_app(store)) as server:
        yield server.base_url + PATH


async def _post(
    url: str, query: str, variables: dict[str, Any] | None = None, *, token: str | None = TOKEN
) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
    headers = {"X-Shopify-Access-Token": token} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"query": query, "variables": variables}, headers=headers) as r,
    ):
        return r.status, await r.json(content_type=None), r.headers


async def test_create_answers_only_what_was_selected(url: str, store: ShopifyStore) -> None:
    """A valid create answers the node with exactly the selected fields and the cost."""
    status, body, _ = await _post(url, CREATE, {"basicCodeDiscount": _input()})
    assert status == 200
    payload = body["data"]["discountCodeBasicCreate"]
    assert payload["userErrors"] == []
    node = payload["codeDiscountNode"]
    assert node["id"].startswith("gid://shopify/DiscountCodeNode/")
    assert node["codeDiscount"] == {
        "title": "Anna Bakes · Spring program",
        "status": "ACTIVE",
        "appliesOncePerCustomer": True,
        "codes": {"nodes": [{"code": "ANNABAKES15"}]},
        "customerGets": {"value": {"percentage": 0.15}},
    }
    assert body["extensions"]["cost"] == {
        "requestedQueryCost": 10,
        "actualQueryCost": 10,
        "throttleStatus": {
            "maximumAvailable": 1000.0,
            "currentlyAvailable": 990.0,
            "restoreRate": 50.0,
        },
    }
    assert store.find("annabakes15") is not None
    assert store.calls["discountCodeBasicCreate"] == 1


async def test_wrong_or_missing_token_is_401(url: str, store: ShopifyStore) -> None:
    """Without the store's token Shopify's 401 message comes back and nothing runs."""
    for token in ("shpat_wrong", None):
        status, body, _ = await _post(url, CREATE, {"basicCodeDiscount": _input()}, token=token)
        assert (status, body) == (401, {"errors": INVALID_TOKEN})
    assert store.discounts == {} and store.calls == {}


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (
            CREATE.replace("Create($basicCodeDiscount", "Create($input"),
            {"input": _input()},
            "Variable $basicCodeDiscount is used by Create but not declared",
        ),
        (
            CREATE,
            {"input": _input()},
            "Variable $basicCodeDiscount of type DiscountCodeBasicInput! was provided invalid "
            "value",
        ),
        (
            CREATE.replace("DiscountCodeBasicInput!", "DiscountCodeBasicInput"),
            {"basicCodeDiscount": _input()},
            "Type mismatch on variable $basicCodeDiscount and argument basicCodeDiscount "
            "(DiscountCodeBasicInput / DiscountCodeBasicInput!)",
        ),
        (
            CREATE.replace("title status", "name status"),
            {"basicCodeDiscount": _input()},
            "Field 'name' doesn't exist on type 'DiscountCodeBasic'",
        ),
        (
            CREATE.replace("codeDiscount { ... on DiscountCodeBasic {", "codeDiscount { title {"),
            {"basicCodeDiscount": _input()},
            "Selections can't be made directly on unions (see selections on DiscountCode)",
        ),
        (
            CREATE.replace("mutation Create", "query Create"),
            {"basicCodeDiscount": _input()},
            "Field 'discountCodeBasicCreate' doesn't exist on type 'QueryRoot'",
        ),
        (
            CREATE.replace("codes(first: 1)", "codes"),
            {"basicCodeDiscount": _input()},
            "you must provide one of first or last",
        ),
    ],
)
async def test_a_wrong_request_shape_is_refused(
    url: str, store: ShopifyStore, query: str, variables: dict, message: str
) -> None:
    """A misnamed variable or field, a wrong type or a selection on a union is a GraphQL
    error and creates nothing."""
    status, body, _ = await _post(url, query, variables)
    assert status == 200 and "data" not in body
    assert any(message in e["message"] for e in body["errors"]), body
    assert store.discounts == {}


async def test_an_unknown_input_field_names_its_path(url: str, store: ShopifyStore) -> None:
    """``percent`` instead of ``percentage`` is INVALID_VARIABLE with the field's path."""
    wrong = _input(customerGets={"value": {"percent": 0.15}, "items": {"all": True}})
    _, body, _ = await _post(url, CREATE, {"basicCodeDiscount": wrong})
    (err,) = body["errors"]
    assert err["extensions"]["code"] == "INVALID_VARIABLE"
    assert err["extensions"]["problems"] == [
        {
            "path": ["customerGets", "value", "percent"],
            "explanation": "Field is not defined on DiscountCustomerGetsValueInput",
        }
    ]
    assert store.discounts == {}


async def test_a_string_where_a_boolean_belongs_is_refused(url: str, store: ShopifyStore):
    """``appliesOncePerCustomer: "yes"`` cannot be coerced to Boolean."""
    _, body, _ = await _post(
        url, CREATE, {"basicCodeDiscount": _input(appliesOncePerCustomer="yes")}
    )
    assert body["errors"][0]["extensions"]["problems"][0]["explanation"] == (
        'Could not coerce value "yes" to Boolean'
    )


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        (
            {"customerGets": {"value": {"percentage": 15}, "items": {"all": True}}},
            ["basicCodeDiscount", "customerGets", "value", "percentage"],
            "VALUE_OUTSIDE_RANGE",
        ),
        ({"startsAt": None}, ["basicCodeDiscount", "startsAt"], "BLANK"),
        ({"title": " "}, ["basicCodeDiscount", "title"], "BLANK"),
        ({"customerSelection": None}, ["basicCodeDiscount", "context"], "BLANK"),
    ],
)
async def test_invalid_input_is_a_user_error(
    url: str, store: ShopifyStore, changes: dict, field: list[str], code: str
) -> None:
    """15 instead of 0.15, or a missing start, title or customer selection: userErrors."""
    _, body, _ = await _post(url, CREATE, {"basicCodeDiscount": _input(**changes)})
    payload = body["data"]["discountCodeBasicCreate"]
    assert payload["codeDiscountNode"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    assert store.discounts == {}


async def test_a_taken_code_is_refused_and_left_alone(url: str, store: ShopifyStore) -> None:
    """A code that exists (in any case) is TAKEN with Shopify's message; the original stays."""
    theirs = store.add_code("AnnaBakes15", 50, title="Staff discount")
    _, body, _ = await _post(url, CREATE, {"basicCodeDiscount": _input()})
    payload = body["data"]["discountCodeBasicCreate"]
    assert payload == {
        "codeDiscountNode": None,
        "userErrors": [
            {"field": ["basicCodeDiscount", "code"], "code": "TAKEN", "message": TAKEN_MESSAGE}
        ],
    }
    assert list(store.discounts.values()) == [theirs]
    assert (theirs.title, theirs.percentage) == ("Staff discount", 0.5)


async def test_deactivate_and_activate_flip_the_status(
    url: str, store: ShopifyStore, clock: FrozenClock
) -> None:
    """Deactivating ends the discount (EXPIRED); activating makes it ACTIVE again."""
    gid = store.add_code("ANNABAKES15").gid
    clock.advance(minutes=5)
    _, body, _ = await _post(url, DEACTIVATE, {"id": gid})
    node = body["data"]["discountCodeDeactivate"]["codeDiscountNode"]
    assert (node["id"], node["codeDiscount"]["status"]) == (gid, "EXPIRED")
    _, body, _ = await _post(url, ACTIVATE, {"id": gid})
    assert body["data"]["discountCodeActivate"]["codeDiscountNode"]["codeDiscount"] == {
        "status": "ACTIVE"
    }
    assert store.calls == {"discountCodeDeactivate": 1, "discountCodeActivate": 1}


async def test_an_unknown_or_malformed_id(url: str) -> None:
    """An id the store does not have is a userError; a non-gid is INVALID_VARIABLE."""
    _, body, _ = await _post(url, DEACTIVATE, {"id": "gid://shopify/DiscountCodeNode/9"})
    assert body["data"]["discountCodeDeactivate"]["userErrors"] == [
        {"field": ["id"], "code": None, "message": "Discount does not exist"}
    ]
    _, body, _ = await _post(url, DEACTIVATE, {"id": "9"})
    assert body["errors"][0]["extensions"]["problems"][0]["explanation"] == "Invalid global id `9`"


async def test_find_by_code_is_case_insensitive(url: str, store: ShopifyStore) -> None:
    """codeDiscountNodeByCode finds a code in any case, and answers null for none."""
    gid = store.add_code("ANNABAKES15").gid
    _, body, _ = await _post(url, FIND, {"code": "annabakes15"})
    assert body["data"]["codeDiscountNodeByCode"]["id"] == gid
    _, body, _ = await _post(url, FIND, {"code": "NOPE"})
    assert body["data"] == {"codeDiscountNodeByCode": None}


async def test_the_cost_bucket_throttles_and_refills(clock: FrozenClock) -> None:
    """Past the bucket a mutation is THROTTLED (not run); after the restore time it runs."""
    store = ShopifyStore(clock, token=TOKEN, maximum_available=30, restore_rate=5)
    async with LoopbackServer(create_app(store)) as server:
        url = server.base_url + PATH
        for n in range(3):
            status, body, _ = await _post(url, CREATE, {"basicCodeDiscount": _input(f"C{n}")})
            assert body["data"]["discountCodeBasicCreate"]["userErrors"] == []
        status, body, _ = await _post(url, CREATE, {"basicCodeDiscount": _input("C3")})
        assert status == 200 and "data" not in body
        assert body["errors"][0]["message"] == "Throttled"
        assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert body["extensions"]["cost"] == {
            "requestedQueryCost": 10,
            "actualQueryCost": None,
            "throttleStatus": {
                "maximumAvailable": 30.0,
                "currentlyAvailable": 0.0,
                "restoreRate": 5.0,
            },
        }
        assert store.find("C3") is None
        clock.advance(seconds=2)
        _, body, _ = await _post(url, CREATE, {"basicCodeDiscount": _input("C3")})
        assert body["data"]["discountCodeBasicCreate"]["userErrors"] == []
    assert store.calls["discountCodeBasicCreate"] == 4
    assert store.throttled["discountCodeBasicCreate"] == 1


async def test_injected_faults(url: str, store: ShopifyStore) -> None:
    """fail_next answers 500 and rate_limit_next 429 with Retry-After; neither runs."""
    store.fail_next(1, 500)
    store.rate_limit_next(1, retry_after=3)
    status, body, _ = await _post(url, CREATE, {"basicCodeDiscount": _input()})
    assert (status, body) == (500, {"errors": "Internal Server Error"})
    status, _, headers = await _post(url, CREATE, {"basicCodeDiscount": _input()})
    assert (status, headers["Retry-After"]) == (429, "3")
    assert store.discounts == {}
    assert [r.status for r in store.requests] == [500, 429]


async def test_only_the_graphql_endpoint_answers(url: str) -> None:
    """An unknown API version or path is 404; a body that is not JSON is 400."""
    status, _, _ = await _post(url.replace("2026-10", "2026-02"), FIND, {"code": "X"})
    assert status == 404
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data="query=x", headers={"X-Shopify-Access-Token": TOKEN}) as r,
    ):
        assert r.status == 400
