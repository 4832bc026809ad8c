"""Where a creator's payouts go: parsing, validating and masking PayPal and Wise details.

What a creator types in ``/payout-method``:

* PayPal: their PayPal e-mail, e.g. ``anna@example.com``;
* Wise: an e-mail, optionally followed by the account holder name
  (``anna@example.com Anna Jansen``), or an IBAN followed by the account holder name
  (``NL91ABNA0417164300 Anna Jansen``; the IBAN may be written in groups of four).

Only those fields are stored, as JSON. They are shown back masked
(``a***@example.com``, ``NL91 **** **** 4300``) and never logged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import CreatorbotError

MAX_EMAIL = 254
MAX_NAME = 70
# The first character is a letter or digit: a value starting with = + - or @ would be read as
# a formula by the spreadsheet a manager opens the payout file in.
_EMAIL = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$"
)
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_IBAN_LOOKALIKE = re.compile(r"^[A-Z]{2}[0-9]{2}")
# Letters of any script, with spaces, apostrophes, hyphens and dots between them.
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’-])*$")

# Lengths of the IBANs of the countries that use them most; other countries are checked for
# shape and checksum only.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip


class Provider(StrEnum):
    PAYPAL = "paypal"
    WISE = "wise"

    @property
    def label(self) -> str:
        return {"paypal": "PayPal", "wise": "Wise"}[self.value]


class InvalidPayoutDetails(CreatorbotError):
    """``/payout-method`` details that cannot be used.

    Attributes:
        provider: ``paypal`` or ``wise``.
        problem: ``email``, ``iban``, ``name`` or ``format`` (what the template explains).
    """

    key = "payouts.invalid_details"

    def __init__(self, provider: Provider, problem: str) -> None:
        super().__init__(provider=provider.value, problem=problem)
        self.provider = provider
        self.problem = problem


@dataclass(frozen=True)
class PayoutMethod:
    """A creator's payout destination: an e-mail, or an IBAN with the account holder name."""

    provider: Provider
    email: str | None = None
    iban: str | None = None
    name: str | None = None

    @property
    def kind(self) -> str:
        """``email`` or ``iban``: which columns a payout file needs."""
        return "iban" if self.iban else "email"

    def to_json(self) -> str:
        """The stored form: only the fields that are set."""
        fields = {"email": self.email, "iban": self.iban, "name": self.name}
        return json.dumps({k: v for k, v in fields.items() if v}, sort_keys=True)

    @classmethod
    def from_json(cls, provider: str, details: str) -> PayoutMethod:
        data = json.loads(details)
        return cls(
            Provider(provider),
            email=data.get("email"),
            iban=data.get("iban"),
            name=data.get("name"),
        )

    def masked(self) -> str:
        """What may be shown back: ``a***@example.com`` or ``NL91 **** **** 4300 (Anna J.)``."""
        if self.iban:
            shown = mask_iban(self.iban)
        else:
            assert self.email is not None
            shown = mask_email(self.email)
        return f"{shown} ({mask_name(self.name)})" if self.name else shown


def parse_payout_details(provider: Provider | str, text: str) -> PayoutMethod:
    """Validate what a creator typed for ``provider``; raise :class:`InvalidPayoutDetails`."""
    provider = Provider(provider)
    words = text.replace(",", " ").replace(";", " ").split()
    if not words:
        raise InvalidPayoutDetails(provider, "format")
    if provider is Provider.PAYPAL:
        if len(words) != 1:
            raise InvalidPayoutDetails(provider, "email")
        return PayoutMethod(provider, email=parse_email(words[0], provider))
    if "@" in words[0]:
        email = parse_email(words[0], provider)
        name = parse_name(" ".join(words[1:]), provider) if len(words) > 1 else None
        return PayoutMethod(provider, email=email, name=name)
    return _parse_iban_and_name(words, provider)


def _parse_iban_and_name(words: list[str], provider: Provider) -> PayoutMethod:
    # The IBAN may be typed in groups ("NL91 ABNA 0417 1643 00 Anna Jansen"), so the longest
    # run of leading words that is a valid IBAN is the IBAN and the rest is the name.
    if not _IBAN_LOOKALIKE.match(words[0].upper()):
        raise InvalidPayoutDetails(provider, "format")
    for split in range(len(words) - 1, 0, -1):
        candidate = "".join(words[:split]).upper()
        if is_valid_iban(candidate):
            return PayoutMethod(
                provider, iban=candidate, name=parse_name(" ".join(words[split:]), provider)
            )
    if is_valid_iban("".join(words).upper()):
        raise InvalidPayoutDetails(provider, "name")  # an IBAN without a name
    raise InvalidPayoutDetails(provider, "iban")


def parse_email(text: str, provider: Provider = Provider.PAYPAL) -> str:
    """An e-mail address of a plain shape; the domain is lower-cased."""
    value = text.strip()
    if len(value) > MAX_EMAIL or ".." in value or not _EMAIL.match(value):
        raise InvalidPayoutDetails(provider, "email")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def parse_name(text: str, provider: Provider = Provider.WISE) -> str:
    """An account holder name: letters with spaces, apostrophes, hyphens and dots."""
    value = " ".join(text.split())
    if not 2 <= len(value) <= MAX_NAME or not _NAME.match(value):
        raise InvalidPayoutDetails(provider, "name")
    return value


def is_valid_iban(iban: str) -> bool:
    """Shape, the country's length where known, and the ISO 13616 mod-97 checksum."""
    if not _IBAN_SHAPE.match(iban):
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def mask_email(email: str) -> str:
    """``anna@example.com`` → ``a***@example.com``."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


def mask_iban(iban: str) -> str:
    """``NL91ABNA0417164300`` → ``NL91 **** **** 4300``."""
    return f"{iban[:4]} **** **** {iban[-4:]}"


def mask_name(name: str) -> str:
    """``Anna van Jansen`` → ``Anna v. J.``: enough to recognise, not to copy."""
    first, *rest = name.split()
    return " ".join([first, *(f"{word[0]}." for word in rest)])
