"""Payout details: e-mail and IBAN validation, the Wise syntax, masking."""

from __future__ import annotations

import json

import pytest

from bot.domain.payout_methods import (
    InvalidPayoutDetails,
    PayoutMethod,
    Provider,
    is_valid_iban,
    mask_email,
    mask_iban,
    parse_payout_details,
)


def test_paypal_takes_an_email() -> None:
    """A PayPal e-mail is stored as typed, with the domain lower-cased."""
    method = parse_payout_details("paypal", "  Anna.Bakes@Example.COM ")
    assert method == PayoutMethod(Provider.PAYPAL, email="Anna.Bakes@example.com")


@pytest.mark.parametrize(
    "text",
    ["anna", "anna@", "@example.com", "anna@example", "anna@@example.com", "a..b@example.com",
     "anna@example.com extra", "=cmd@example.com", "anna@exa_mple.com"],
)  # fmt: skip
def test_paypal_refuses_what_is_not_an_email(text: str) -> None:
    """Anything but one plain e-mail address is refused, naming the problem."""
    with pytest.raises(InvalidPayoutDetails) as caught:
        parse_payout_details("paypal", text)
    assert caught.value.problem == "email"


def test_wise_email_with_optional_name() -> None:
    """Wise accepts an e-mail, optionally followed by the account holder's name."""
    assert parse_payout_details("wise", "anna@example.com") == PayoutMethod(
        Provider.WISE, email="anna@example.com"
    )
    assert parse_payout_details("wise", "anna@example.com Anna  Jansen").name == "Anna Jansen"


def test_wise_iban_and_name() -> None:
    """``NL91ABNA0417164300 Anna Jansen`` is an IBAN and the account holder's name."""
    method = parse_payout_details("wise", "NL91ABNA0417164300 Anna Jansen")
    assert (method.iban, method.name, method.kind) == ("NL91ABNA0417164300", "Anna Jansen", "iban")


def test_wise_iban_in_groups_and_lower_case() -> None:
    """An IBAN copied from a bank app in groups of four, in any case, is understood."""
    method = parse_payout_details("wise", "nl91 abna 0417 1643 00 Anna de Vries-Öztürk")
    assert (method.iban, method.name) == ("NL91ABNA0417164300", "Anna de Vries-Öztürk")


def test_wise_iban_with_wrong_check_digits_is_refused() -> None:
    """One mistyped digit fails the mod-97 checksum."""
    with pytest.raises(InvalidPayoutDetails) as caught:
        parse_payout_details("wise", "NL91ABNA0417164301 Anna Jansen")
    assert caught.value.problem == "iban"


def test_wise_iban_without_name_is_refused() -> None:
    """Wise needs the account holder's name next to an IBAN."""
    with pytest.raises(InvalidPayoutDetails) as caught:
        parse_payout_details("wise", "NL91ABNA0417164300")
    assert caught.value.problem == "name"


def test_wise_name_must_be_a_name() -> None:
    """Digits or formula characters in the name are refused."""
    for text in ("NL91ABNA0417164300 =HYPERLINK(x)", "anna@example.com Anna 2"):
        with pytest.raises(InvalidPayoutDetails) as caught:
            parse_payout_details("wise", text)
        assert caught.value.problem == "name"


def test_wise_neither_email_nor_iban() -> None:
    """Something that is neither an e-mail nor an IBAN explains the Wise syntax."""
    with pytest.raises(InvalidPayoutDetails) as caught:
        parse_payout_details("wise", "Anna Jansen")
    assert caught.value.problem == "format"


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("NL91ABNA0417164300", True),
        ("DE89370400440532013000", True),
        ("GB82WEST12345698765432", True),
        ("BE68539007547034", True),
        ("NL91ABNA041716430", False),  # one character short for NL
        ("DE89370400440532013001", False),
        ("XX00", False),
    ],
)
def test_iban_checksum_and_length(iban: str, valid: bool) -> None:
    """ISO 13616: the country's length and mod 97 == 1."""
    assert is_valid_iban(iban) is valid


def test_masking() -> None:
    """Shown back: the first letter of the e-mail and the IBAN's first and last four."""
    assert mask_email("anna@example.com") == "a***@example.com"
    assert mask_iban("NL91ABNA0417164300") == "NL91 **** **** 4300"
    method = PayoutMethod(Provider.WISE, iban="NL91ABNA0417164300", name="Anna van Jansen")
    assert method.masked() == "NL91 **** **** 4300 (Anna v. J.)"


def test_stored_json_has_only_the_given_fields() -> None:
    """The stored details hold what the provider needs and nothing else, and read back."""
    method = parse_payout_details("paypal", "anna@example.com")
    assert json.loads(method.to_json()) == {"email": "anna@example.com"}
    assert PayoutMethod.from_json("paypal", method.to_json()) == method
