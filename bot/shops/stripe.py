"""Creator codes in Stripe: a coupon per program discount, a promotion code per creator.

A creator's code is a promotion code (what the customer types at the checkout) pointing at a
coupon (the discount). creatorbot makes one coupon per percentage, with the fixed id
``creatorbot-15pct`` (percent off, ``duration=forever``), and reuses it for every creator with
that discount. Every create carries an ``Idempotency-Key``: the coupon's is fixed by its
percentage, a promotion code's is the creator's ``CodeSpec.idempotency_key``, so a create
retried after a lost answer returns the first result instead of a second code. The promotion
code also carries that key in its metadata (``creatorbot_key``), which is how a code made by
creatorbot earlier is told apart from one somebody else made.

Requests are form-encoded with the secret (or restricted) key as a Bearer token, and pin
``Stripe-Version`` to :data:`API_VERSION`, where a promotion code names its coupon as
``promotion[type]=coupon&promotion[coupon]=<id>``. The key is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from bot.shops._backoff import Answer, Backoff, with_backoff
from bot.shops._errors import ShopUnavailable
from bot.shops.codes import CodeSpec, CodeTaken, ShopCode, ShopKind

log = logging.getLogger(__name__)

API_BASE = "https://api.stripe.com"
API_VERSION = "2025-09-30.clover"
TIMEOUT = aiohttp.ClientTimeout(total=20)
SHOP = ShopKind.STRIPE.value

Params = list[tuple[str, str]]


def coupon_id(percent: int) -> str:
    """The id of creatorbot's coupon for ``percent`` off: ``creatorbot-15pct``."""
    return f"creatorbot-{percent}pct"


def _error(body: Any) -> Mapping[str, Any]:
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return body["error"]
    return {}


def _shop_code(promo: Mapping[str, Any]) -> ShopCode:
    return ShopCode(ShopKind.STRIPE, str(promo["id"]), str(promo["code"]), bool(promo["active"]))


class StripeCodes:
    """One Stripe account's promotion codes, as a :class:`~bot.shops.codes.CodeShop`.

    ``session`` (optional) is an open :class:`aiohttp.ClientSession` to reuse for every
    request, e.g. for a batch; without one each request opens its own.
    """

    kind = ShopKind.STRIPE

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        session: aiohttp.ClientSession | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._key = api_key
        self._session = session
        self._backoff = backoff or Backoff()
        self._coupons: dict[int, str] = {}

    def __repr__(self) -> str:  # never the key
        return f"StripeCodes({self._base!r})"

    # ------------------------------------------------------------------ CodeShop
    async def create_code(self, spec: CodeSpec) -> ShopCode:
        """A promotion code for ``spec.code`` on creatorbot's coupon for ``spec.percent``;
        :class:`CodeTaken` when an active promotion code with that text is not ours."""
        coupon = await self._coupon(spec.percent)
        params: Params = [
            ("code", spec.code),
            ("promotion[type]", "coupon"),
            ("promotion[coupon]", coupon),
            ("metadata[creatorbot_key]", spec.idempotency_key[:500]),
            ("metadata[title]", spec.title[:500]),
        ]
        if spec.once_per_customer:
            params.append(("restrictions[first_time_transaction]", "true"))
        answer = await self._call(
            "POST", "/v1/promotion_codes", params, idempotency_key=spec.idempotency_key
        )
        if answer.status == 200:
            return _shop_code(answer.body)
        error = _error(answer.body)
        if error.get("code") == "resource_already_exists":
            for promo in await self._list(spec.code):
                if (
                    promo["active"]
                    and promo["metadata"].get("creatorbot_key") == (spec.idempotency_key[:500])
                ):
                    return _shop_code(promo)  # ours, made before (its key had expired)
            raise CodeTaken(spec.code)
        raise self._refused(answer)

    async def set_active(self, code: ShopCode, active: bool) -> ShopCode:
        """Activate or deactivate the promotion code ``code.shop_id``; :class:`CodeTaken`
        when reactivating it while another active promotion code has its text."""
        path = f"/v1/promotion_codes/{quote(code.shop_id, safe='')}"
        answer = await self._call("POST", path, [("active", "true" if active else "false")])
        if answer.status == 200:
            return _shop_code(answer.body)
        if _error(answer.body).get("code") == "resource_already_exists":
            raise CodeTaken(code.code)
        raise self._refused(answer)

    async def update_code(self, code: ShopCode, spec: CodeSpec) -> ShopCode:
        """Stripe cannot change a coupon's percent_off nor a promotion code's coupon: the old
        promotion code is deactivated and a new one with the same text is made on the coupon
        for ``spec.percent`` (an Idempotency-Key per code and percent, so a repeat after a
        crash makes nothing twice). A promotion code already on that coupon is kept."""
        coupon = await self._coupon(spec.percent)
        path = f"/v1/promotion_codes/{quote(code.shop_id, safe='')}"
        answer = await self._call("GET", path, [])
        if answer.status != 200 or not isinstance(answer.body, Mapping):
            raise self._refused(answer)
        promo = answer.body
        first_time = bool((promo.get("restrictions") or {}).get("first_time_transaction"))
        on_coupon = (promo.get("promotion") or {}).get("coupon") == coupon
        if on_coupon and first_time == spec.once_per_customer:
            return _shop_code(promo)
        if promo.get("active"):
            await self.set_active(code, False)
        keyed = replace(spec, idempotency_key=f"{spec.idempotency_key}:{spec.percent}")
        made = await self.create_code(replace(keyed, idempotency_key=keyed.idempotency_key[:255]))
        if not code.active and made.active:
            made = await self.set_active(made, False)
        return made

    async def find_code(self, code: str) -> ShopCode | None:
        """The promotion code with this text (Stripe compares it case-insensitively): the
        active one if there is one, else the newest."""
        found = await self._list(code)
        for promo in found:
            if promo["active"]:
                return _shop_code(promo)
        return _shop_code(found[0]) if found else None

    # ------------------------------------------------------------------ coupons
    async def _coupon(self, percent: int) -> str:
        """creatorbot's coupon for ``percent`` off, created the first time it is needed."""
        if not 1 <= percent <= 100:
            raise ValueError(f"percent off must be 1..100, not {percent}")
        if percent in self._coupons:
            return self._coupons[percent]
        cid = coupon_id(percent)
        answer = await self._call("GET", f"/v1/coupons/{cid}", [])
        if answer.status == 404:
            answer = await self._call(
                "POST",
                "/v1/coupons",
                [
                    ("id", cid),
                    ("percent_off", str(percent)),
                    ("duration", "forever"),
                    ("name", f"creatorbot {percent}% off"),
                ],
                idempotency_key=f"creatorbot-coupon-{cid}",
            )
            if _error(answer.body).get("code") == "resource_already_exists":
                answer = await self._call("GET", f"/v1/coupons/{cid}", [])  # made meanwhile
        if answer.status != 200 or not isinstance(answer.body, Mapping):
            raise self._refused(answer)
        coupon = answer.body
        if coupon.get("percent_off") != percent or coupon.get("duration") != "forever":
            # Someone changed or made this id by hand: do not attach codes to other terms.
            raise ShopUnavailable(SHOP, answer.status, f"coupon {cid} has other terms")
        self._coupons[percent] = cid
        return cid

    async def _list(self, code: str) -> list[Mapping[str, Any]]:
        answer = await self._call("GET", "/v1/promotion_codes", [("code", code), ("limit", "100")])
        if answer.status != 200 or not isinstance(answer.body, Mapping):
            raise self._refused(answer)
        return list(answer.body.get("data") or [])

    # ------------------------------------------------------------------ HTTP
    def _refused(self, answer: Answer) -> ShopUnavailable:
        error = _error(answer.body)
        reason = str(error.get("code") or error.get("type") or "unexpected answer")
        log.warning("Stripe refused a request (%d %s)", answer.status, reason)
        return ShopUnavailable(SHOP, answer.status, reason)

    async def _call(
        self, method: str, path: str, params: Params, *, idempotency_key: str | None = None
    ) -> Answer:
        """One request, repeated as Stripe asks while it throttles (429, or a 409 lock or
        idempotency conflict it says to retry). 2xx and 4xx come back; a 401/403, a 5xx or
        no answer at all is :class:`ShopUnavailable`."""
        headers = {
            "Authorization": f"Bearer {self._key}",
            "Stripe-Version": API_VERSION,
            "Accept": "application/json",
        }
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        url = self._base + path
        data: str | None = None
        if method == "GET":
            if params:
                url = f"{url}?{urlencode(params)}"
        else:
            data = urlencode(params)
            headers["Content-Type"] = "application/x-www-form-urlencoded"

        async def send() -> Answer:
            return await self._send(method, url, headers, data)

        def throttled(answer: Answer) -> bool:
            if answer.headers.get("Stripe-Should-Retry") == "false":
                return False
            return answer.status in (409, 429)

        answer = await with_backoff(SHOP, send, self._backoff, retry_when=throttled)
        if answer.status in (401, 403):
            raise self._refused(answer)
        if answer.status >= 500 or answer.status == 429:
            raise ShopUnavailable(SHOP, answer.status, "error")
        if answer.body is None:
            raise ShopUnavailable(SHOP, answer.status, "not JSON")
        return answer

    async def _send(
        self, method: str, url: str, headers: Mapping[str, str], data: str | None
    ) -> Answer:
        try:
            if self._session is not None:
                return await self._exchange(self._session, method, url, headers, data)
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                return await self._exchange(session, method, url, headers, data)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ShopUnavailable(SHOP, None, type(exc).__name__) from None

    @staticmethod
    async def _exchange(
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        headers: Mapping[str, str],
        data: str | None,
    ) -> Answer:
        async with session.request(method, url, headers=headers, data=data) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            return Answer(response.status, body, response.headers)
