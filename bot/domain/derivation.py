"""How an amount was derived from what a shop sent, so every number can be explained.

A parser that computes a sale's net revenue or a refund's net amount also returns a
:class:`Derivation`: the signed terms it added up (``subtotal 100.00 − discounts 15.00``), the
amounts it saw and left out (tax, shipping, fees), the payload fields it read, and a note when
the figure is not exact (``estimated``) or is not in the sale's currency. The conversion service
may scale a refund to the sale's net (a refund that includes tax): that is a second step,
:attr:`Derivation.scale`. The result is stored as JSON with the conversion or refund and
rendered for ``/conversion info`` and ``/earnings``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, NamedTuple


class Label(StrEnum):
    """What a term is; each has a text in every language (``templates/*/conversions``)."""

    SUBTOTAL = "subtotal"  # line items before discounts
    ITEMS = "items"  # line items after discounts
    DISCOUNTS = "discounts"
    TAX = "tax"
    TAX_INCLUDED = "tax_included"  # tax contained in tax-inclusive prices
    SHIPPING = "shipping"
    FEES = "fees"
    TOTAL = "total"  # what the customer paid
    REFUND = "refund"  # what the shop refunded
    REFUNDED_ITEMS = "refunded_items"  # refunded line items after their discounts
    AMOUNT = "amount"  # an amount given as net by the sender (postback, CSV, a manager)


class Note(StrEnum):
    """Why a derived figure needs a second look."""

    ESTIMATED = "estimated"  # the shop gave no line detail: a proportional estimate
    CONVERTED = "converted"  # from the shop's own conversion (Stripe Adaptive Pricing)
    FOREIGN = "foreign"  # only amounts in another currency than the sale's: not applied


class Term(NamedTuple):
    label: Label
    minor: int
    sign: int  # +1 added, -1 subtracted, 0 seen and left out


@dataclass(frozen=True)
class Scale:
    """A refund that includes what is not revenue, taken as its share of the sale's net:
    ``amount × numerator / denominator``."""

    numerator: int  # the sale's net
    denominator: int  # what the amount is measured against (sale with tax, charge total)
    result: int


@dataclass(frozen=True)
class Derivation:
    terms: tuple[Term, ...]
    fields: tuple[str, ...] = ()
    note: Note | None = None
    scale: Scale | None = None
    currency: str | None = None  # set when the terms are in another currency than the result

    @property
    def counted(self) -> int:
        """The sum of the signed terms (before any scale)."""
        return sum(term.minor * term.sign for term in self.terms)

    @property
    def result(self) -> int:
        return self.scale.result if self.scale is not None else max(0, self.counted)

    @property
    def left_out(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.sign == 0 and term.minor)

    @property
    def summed(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.sign != 0)

    def scaled(self, numerator: int, denominator: int) -> Derivation:
        """This derivation taken as its share ``numerator / denominator`` (rounded half up,
        never more than ``numerator``)."""
        if denominator <= 0:
            result = min(numerator, self.counted)
        else:
            value = Decimal(self.counted) * Decimal(numerator) / Decimal(denominator)
            result = min(numerator, int(value.to_integral_value(rounding=ROUND_HALF_UP)))
        return replace(self, scale=Scale(numerator, denominator, max(0, result)))

    def with_note(self, note: Note) -> Derivation:
        return replace(self, note=note)

    def to_json(self) -> str:
        data: dict[str, Any] = {"t": [[t.label.value, t.minor, t.sign] for t in self.terms]}
        if self.fields:
            data["f"] = list(self.fields)
        if self.note is not None:
            data["n"] = self.note.value
        if self.scale is not None:
            data["s"] = [self.scale.numerator, self.scale.denominator, self.scale.result]
        if self.currency is not None:
            data["c"] = self.currency
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> Derivation | None:
        """The stored derivation; ``None`` for rows recorded before derivations were kept."""
        if not text:
            return None
        data = json.loads(text)
        scale = data.get("s")
        return cls(
            terms=tuple(Term(Label(n), int(minor), int(sign)) for n, minor, sign in data["t"]),
            fields=tuple(data.get("f", ())),
            note=Note(data["n"]) if data.get("n") else None,
            scale=Scale(*scale) if scale else None,
            currency=data.get("c"),
        )


def given(minor: int, field: str | None = None) -> Derivation:
    """An amount the sender gave as net revenue itself (postback, CSV, manual)."""
    return Derivation((Term(Label.AMOUNT, minor, 1),), (field,) if field else ())


def add(label: Label, minor: int) -> Term:
    return Term(label, minor, 1)


def sub(label: Label, minor: int) -> Term:
    return Term(label, minor, -1)


def seen(label: Label, minor: int) -> Term:
    return Term(label, minor, 0)
