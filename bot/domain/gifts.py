"""Product seeding: gift offers, each creator's answer, and the shipping address rules.

Pure rules, no I/O: reading the variants of an offer, checking an address (lengths, an ISO
3166 country from pycountry, the postcode format of the countries we know), normalising a
postcode and masking an address for showing it back. An address is personal data: it is
never put in an exception message, a log line or a ``repr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import phonenumbers
import pycountry

from bot.domain.performance import ratio
from bot.errors import CreatorbotError

MAX_VARIANTS = 25  # what one Discord select menu can offer
MAX_VARIANT = 80
MAX_PRODUCT = 100
MAX_FIELD = 100  # each address field
MAX_PHONE = 30
MAX_QUANTITY = 100_000


class ClaimState(StrEnum):
    """One creator's gift: offered → accepted | declined; accepted → shipped → delivered."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


# States in which the creator said yes (and holds one unit of the stock).
TAKEN = (ClaimState.ACCEPTED, ClaimState.SHIPPED, ClaimState.DELIVERED)


class OfferState(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class InvalidOffer(CreatorbotError):
    """``/gift create`` options that cannot make an offer (``problem`` says which)."""

    key = "gifts.invalid_offer"

    def __init__(self, problem: str, **params: object) -> None:
        super().__init__(problem=problem, **params)
        self.problem = problem


class InvalidAddress(CreatorbotError):
    """An address that fails a rule; ``problems`` maps each bad field to why.

    The values typed are deliberately not part of the error (it may be logged).
    """

    key = "gifts.bad_address"

    def __init__(self, problems: dict[str, str], country: str | None = None) -> None:
        super().__init__(problems=problems, code=country)
        self.problems = problems


@dataclass(frozen=True)
class ExpectedContent:
    """What the creator owes for a delivered gift: ``count`` posts within ``days``."""

    platform: str
    kind: str
    days: int
    count: int = 1


@dataclass(frozen=True)
class GiftOffer:
    id: int
    guild_id: int
    product: str
    variants: tuple[str, ...]
    cost_minor: int
    currency: str
    quantity: int
    claimed: int
    deadline_at: datetime
    segment: str
    state: OfferState
    content: ExpectedContent | None
    recipients: int
    created_at: datetime
    job_id: int | None = None
    phone_required: bool = False

    @property
    def left(self) -> int:
        return max(0, self.quantity - self.claimed)

    @property
    def label(self) -> str:
        """How the offer is named in lists and autocomplete, e.g. ``#3 Hoodie``."""
        return f"#{self.id} {self.product}"


@dataclass(frozen=True)
class Address:
    """A shipping address as checked and normalised. Never logged: no ``repr``."""

    name: str = field(repr=False)
    street: str = field(repr=False)
    postcode: str = field(repr=False)
    city: str = field(repr=False)
    country: str = field(repr=False)
    phone: str | None = field(default=None, repr=False)  # E.164, only if the offer asks

    def to_json(self) -> dict[str, str]:
        data = {
            "name": self.name,
            "street": self.street,
            "postcode": self.postcode,
            "city": self.city,
            "country": self.country,
        }
        if self.phone:
            data["phone"] = self.phone
        return data

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Address:
        return cls(
            data["name"],
            data["street"],
            data["postcode"],
            data["city"],
            data["country"],
            data.get("phone"),
        )


@dataclass(frozen=True)
class GiftClaim:
    """One creator's gift under one offer."""

    id: int
    offer_id: int
    guild_id: int
    creator_id: int
    user_id: int | None
    locale: str
    handle: str
    state: ClaimState
    variant: str | None
    address: Address | None = field(repr=False)
    answered_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    deliverable_id: int | None
    shop_draft_id: str | None = None  # the Shopify draft order made for this gift


@dataclass(frozen=True)
class OfferStatus:
    """What ``/gift status`` counts."""

    offer: GiftOffer
    offered: int
    declined: int
    no_answer: int
    accepted: int
    shipped: int
    delivered: int
    per_variant: tuple[tuple[str, int], ...]
    results: SeedingResults | None = None


@dataclass(frozen=True)
class SeedingResults:
    """What a seeding test bought: its cost against the content and sales it brought.

    ``content_*`` count the deliverables planned by deliveries; on time means handed in by
    the due time. ``reach``/``interactions`` (likes + comments + shares) come from those posts
    with metrics, and ``expected_interactions`` is what the creators' tier benchmarks predict
    for that reach. Orders and revenue are the accepting creators' attributed sales since
    their gift was delivered.
    """

    cost_minor: int
    content_planned: int
    content_on_time: int
    content_late: int
    reach: int
    interactions: int
    expected_interactions: int
    orders: int
    revenue_minor: int

    @property
    def engagement_bp(self) -> int | None:
        return ratio(self.interactions, self.reach, 10_000)

    @property
    def vs_benchmark(self) -> int | None:
        """Engagement as a percentage of the tier benchmarks (100 = on the benchmark)."""
        return ratio(self.interactions, self.expected_interactions, 100)

    @property
    def cpa_minor(self) -> int | None:
        """Gift cost per attributed order."""
        return ratio(self.cost_minor, self.orders)


def parse_variants(text: str) -> tuple[str, ...]:
    """``"S, M, L"`` → ``("S", "M", "L")``: comma-separated, blanks dropped, duplicates
    (ignoring case) refused, at most 25 of at most 80 characters."""
    variants = [" ".join(v.split()) for v in str(text).split(",")]
    variants = [v for v in variants if v]
    if not variants:
        raise InvalidOffer("no_variants")
    if len(variants) > MAX_VARIANTS:
        raise InvalidOffer("too_many_variants", limit=MAX_VARIANTS)
    if any(len(v) > MAX_VARIANT for v in variants):
        raise InvalidOffer("long_variant", limit=MAX_VARIANT)
    if len({v.lower() for v in variants}) != len(variants):
        raise InvalidOffer("duplicate_variant")
    return tuple(variants)


def check_quantity(quantity: int) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidOffer("quantity", limit=MAX_QUANTITY)
    return quantity


def check_product(name: str) -> str:
    product = " ".join(str(name).split())
    if not product or len(product) > MAX_PRODUCT:
        raise InvalidOffer("product", limit=MAX_PRODUCT)
    return product


# --- addresses ----------------------------------------------------------------------------

# Postcode formats of the countries the program ships to most; each pattern reads the
# upper-cased postcode with its spaces removed, and ``_FORMAT`` writes it back canonically.
_POSTCODE = {
    "NL": re.compile(r"^([1-9][0-9]{3})(?!SA|SD|SS)([A-Z]{2})$"),
    "BE": re.compile(r"^([1-9][0-9]{3})$"),
    "DE": re.compile(r"^([0-9]{5})$"),
    "FR": re.compile(r"^([0-9]{5})$"),
    # The full UK pattern: outward code (area, district) and inward code (sector, unit);
    # GIR 0AA is Girobank's historic postcode, still valid.
    "GB": re.compile(
        r"^(GIR|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?))"
        r"([0-9][ABD-HJLNP-UW-Z]{2})$"
    ),
    "US": re.compile(r"^([0-9]{5})(?:-?([0-9]{4}))?$"),
}


def _format_postcode(country: str, match: re.Match[str]) -> str:
    if country in ("NL", "GB"):
        return f"{match[1]} {match[2]}"
    if country == "US":
        return f"{match[1]}-{match[2]}" if match[2] else match[1]
    return match[1]


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code typed (any case, spaces ignored), or None if no country
    has it."""
    code = "".join(str(text).split()).upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        return None
    return code


def normalise_postcode(country: str, text: str) -> str | None:
    """The postcode in its country's canonical form (NL ``1234ab`` → ``1234 AB``), or None
    if it does not fit the country's format. Countries without a known format accept any
    2 to 10 letters, digits, spaces and dashes."""
    compact = re.sub(r"[\s]+", "", str(text)).upper()
    pattern = _POSTCODE.get(country)
    if pattern is None:
        spaced = " ".join(str(text).split()).upper()
        return spaced if re.fullmatch(r"[A-Z0-9][A-Z0-9 -]{1,9}", spaced) else None
    if country != "US":
        compact = compact.replace("-", "")
    match = pattern.match(compact)
    return _format_postcode(country, match) if match else None


def check_phone(phone: str, country: str) -> str | None:
    """A phone number valid for its country (or given with ``+`` and its country code) in
    E.164 form, e.g. ``06 12345678`` in NL → ``+31612345678``; None if it is not one."""
    try:
        parsed = phonenumbers.parse(str(phone).strip(), country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_address(
    *,
    name: str,
    street: str,
    postcode: str,
    city: str,
    country: str,
    phone: str | None = None,
    phone_required: bool = False,
) -> Address:
    """Check and normalise an address; :class:`InvalidAddress` names every bad field. A
    phone number is checked when given (and must be given when ``phone_required``)."""
    values = {
        "name": " ".join(str(name).split()),
        "street": " ".join(str(street).split()),
        "postcode": str(postcode).strip(),
        "city": " ".join(str(city).split()),
        "country": str(country).strip(),
    }
    problems: dict[str, str] = {}
    for key, value in values.items():
        if not value:
            problems[key] = "missing"
        elif len(value) > MAX_FIELD:
            problems[key] = "too_long"
    code = None
    if "country" not in problems:
        code = country_code(values["country"])
        if code is None:
            problems["country"] = "unknown"
    postcode_out = None
    if code is not None and "postcode" not in problems:
        postcode_out = normalise_postcode(code, values["postcode"])
        if postcode_out is None:
            problems["postcode"] = "format"
    phone_out = None
    typed = str(phone or "").strip()
    if typed and len(typed) > MAX_PHONE:
        problems["phone"] = "too_long"
    elif typed and code is not None:
        phone_out = check_phone(typed, code)
        if phone_out is None:
            problems["phone"] = "format"
    elif not typed and phone_required:
        problems["phone"] = "missing"
    if problems:
        raise InvalidAddress(problems, code)
    assert code is not None and postcode_out is not None
    return Address(values["name"], values["street"], postcode_out, values["city"], code, phone_out)


def mask(address: Address) -> str:
    """The address as shown back to the creator: ``A. Jansen, 35** AB, NL``.

    The first name shrinks to its initial, the postcode keeps its first two characters and
    its letters after a space; street and city are left out.
    """
    parts = address.name.split()
    name = " ".join([*(f"{p[0]}." for p in parts[:-1]), parts[-1]]) if parts else ""
    head, _, tail = address.postcode.partition(" ")
    hidden = head[:2] + "*" * max(0, len(head) - 2)
    postcode = f"{hidden} {tail}" if tail else hidden
    return f"{name}, {postcode}, {address.country}"
