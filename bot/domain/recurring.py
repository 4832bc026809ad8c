"""Recurring and lifetime commissions: which later orders of a customer a plan pays for.

The first order of a customer that a creator brought (by link, code or DirectLink) makes the
creator that customer's owner. A plan that pays on the first order only (the default) pays
nothing more for the customer's later orders unless they carry the creator's link or code
again; a plan that pays for ``N`` months also pays the owner for the customer's orders and
subscription renewals in the ``N`` calendar months after that first order, and a lifetime
plan for all of them.

The customer is recognised by keyed hashes (HMAC-SHA256) of identifiers the shop gives: its
customer id, a Stripe subscription, the e-mail address. Only the hashes are stored, so the
address cannot be read back, and without the key nobody can test a guessed address against
them.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.domain.attribution import Attribution, Method

MAX_MONTHS = 120


class Recurring(StrEnum):
    FIRST = "first"  # the first order only (and later ones that carry the link or code)
    MONTHS = "months"  # every order of the customer for N months after the first
    LIFETIME = "lifetime"  # every order of the customer, for good


@dataclass(frozen=True)
class RecurringTerms:
    kind: Recurring = Recurring.FIRST
    months: int | None = None

    def ends_at(self, acquired_at: datetime) -> datetime | None:
        """When returning orders stop paying (exclusive); ``None`` for lifetime."""
        if self.kind is Recurring.MONTHS and self.months:
            return add_months(acquired_at, self.months)
        return None

    def pays(self, acquired_at: datetime, occurred_at: datetime) -> bool:
        """Whether a returning customer's order placed at ``occurred_at`` earns."""
        if self.kind is Recurring.FIRST:
            return False
        end = self.ends_at(acquired_at)
        return end is None or occurred_at < end

    @property
    def reason(self) -> str:
        if self.kind is Recurring.MONTHS:
            return f"recurring:months={self.months}"
        return f"recurring:{self.kind.value}"


FIRST_ORDER_ONLY = RecurringTerms()


def add_months(when: datetime, months: int) -> datetime:
    """``when`` moved ``months`` calendar months on; the day is clamped to the month's last
    (31 January + 1 month is 28 or 29 February)."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def parse_terms(kind: str | None, months: int | None) -> RecurringTerms:
    """``/plan create recurring:… months:…`` → terms; ``ValueError`` names the problem
    (``recurring``: an unknown choice, ``needs_months``: months missing or given without
    ``months``)."""
    chosen = Recurring(kind) if kind else Recurring.FIRST
    if chosen is Recurring.MONTHS:
        if months is None or not 1 <= months <= MAX_MONTHS:
            raise ValueError("needs_months")
        return RecurringTerms(chosen, months)
    if months is not None:
        raise ValueError("needs_months")
    return RecurringTerms(chosen)


# --- recognising a customer ------------------------------------------------------------------


def customer_identifiers(ids: Iterable[str], email: str | None) -> tuple[str, ...]:
    """The identifiers of an order's customer, strongest first: the shop's own ids (already
    namespaced by the payload, e.g. ``shopify:customer:42``), then the e-mail address
    (trimmed and lower-cased)."""
    found = [i for i in ids if i]
    if email and email.strip():
        found.append("email:" + email.strip().casefold())
    return tuple(dict.fromkeys(found))


def customer_key(secret: bytes, identifier: str) -> str:
    """The keyed hash stored for one identifier."""
    return hmac.new(secret, identifier.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CustomerFacts:
    """Who brought a customer, and when."""

    guild_id: int
    creator_id: int
    creator_active: bool
    acquired_at: int
    conversion_id: int
    link_id: int | None = None  # the link of that first order, if it came through one


def returning(occurred_at: int, owner: CustomerFacts, terms: RecurringTerms) -> Attribution:
    """The attribution of an order that carried no valid link or code, from a returning
    customer ``owner`` brought: recurring when the owner's plan pays for it."""
    if not owner.creator_active:
        return Attribution(Method.NONE, "returning_customer:creator_inactive")
    if terms.kind is Recurring.FIRST:
        return Attribution(Method.NONE, "returning_customer:first_order_only")
    if not terms.pays(_at(owner.acquired_at), _at(occurred_at)):
        return Attribution(Method.NONE, "returning_customer:window_over")
    return Attribution(
        Method.RECURRING,
        terms.reason,
        guild_id=owner.guild_id,
        creator_id=owner.creator_id,
        link_id=owner.link_id,
    )


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
