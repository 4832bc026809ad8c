"""Gift rules: variants, postcodes per country, ISO countries, field lengths, masking."""

from __future__ import annotations

import pytest

from bot.domain.gifts import (
    Address,
    InvalidAddress,
    InvalidOffer,
    check_address,
    mask,
    normalise_postcode,
    parse_variants,
)


def _address(**changes: str):  # type: ignore[no-untyped-def]
    fields = {
        "name": "Anna Jansen",
        "street": "Oudegracht 12",
        "postcode": "3511AB",
        "city": "Utrecht",
        "country": "nl",
        **changes,
    }
    return check_address(**fields)


def test_variants_are_split_and_trimmed() -> None:
    """``S, M ,L`` gives three variants in the order typed."""
    assert parse_variants(" S, M ,L,") == ("S", "M", "L")


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "no_variants"), (" , ", "no_variants"), ("S, s", "duplicate_variant")],
)
def test_bad_variants_are_refused(text: str, problem: str) -> None:
    """No variants or a duplicate is refused with the reason."""
    with pytest.raises(InvalidOffer) as caught:
        parse_variants(text)
    assert caught.value.problem == problem


def test_more_than_25_variants_are_refused() -> None:
    """One menu holds 25 options: a 26th variant is refused."""
    with pytest.raises(InvalidOffer) as caught:
        parse_variants(",".join(f"V{n}" for n in range(26)))
    assert caught.value.problem == "too_many_variants"


@pytest.mark.parametrize(
    ("country", "typed", "canonical"),
    [
        ("NL", "1234ab", "1234 AB"),
        ("NL", "1234 AB", "1234 AB"),
        ("BE", "1000", "1000"),
        ("DE", "10115", "10115"),
        ("FR", "75001", "75001"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", "M1 1AE", "M1 1AE"),
        ("GB", "EC1A 1BB", "EC1A 1BB"),
        ("US", "12345", "12345"),
        ("US", "12345-6789", "12345-6789"),
        ("US", "123456789", "12345-6789"),
    ],
)
def test_postcodes_are_normalised(country: str, typed: str, canonical: str) -> None:
    """Each country's postcode is written in its canonical form."""
    assert normalise_postcode(country, typed) == canonical


@pytest.mark.parametrize(
    ("country", "typed"),
    [
        ("NL", "0123 AB"),
        ("NL", "1234 A"),
        ("NL", "1234 SS"),
        ("BE", "10000"),
        ("DE", "1011"),
        ("FR", "7500A"),
        ("GB", "QQ1 1AA"),
        ("GB", "SW1A"),
        ("US", "1234"),
        ("US", "12345-678"),
    ],
)
def test_bad_postcodes_are_refused(country: str, typed: str) -> None:
    """A postcode outside its country's format is refused."""
    assert normalise_postcode(country, typed) is None


def test_an_address_is_normalised() -> None:
    """Country in upper case, NL postcode with its space."""
    address = _address()
    assert (address.postcode, address.country) == ("3511 AB", "NL")


def test_unknown_country_is_named() -> None:
    """``XX`` is no ISO 3166 country: the country field is named, no postcode check."""
    with pytest.raises(InvalidAddress) as caught:
        _address(country="XX")
    assert caught.value.problems == {"country": "unknown"}


def test_long_fields_and_bad_postcode_are_all_named() -> None:
    """Every bad field is named at once, never its value."""
    with pytest.raises(InvalidAddress) as caught:
        _address(city="x" * 101, postcode="12")
    assert caught.value.problems == {"city": "too_long", "postcode": "format"}
    assert "12" not in str(caught.value.params)


def test_the_address_is_masked() -> None:
    """Initial and surname, two digits of the postcode, the country."""
    assert mask(_address(postcode="3511 AB")) == "A. Jansen, 35** AB, NL"


def test_the_address_never_shows_in_its_repr() -> None:
    """An address printed by accident (a log line, a traceback) shows no field."""
    assert "Jansen" not in repr(_address())


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("06 12345678", "NL", "+31612345678"),
        ("+31 6 1234 5678", "NL", "+31612345678"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("+44 7400 123456", "NL", "+447400123456"),  # a foreign mobile with its prefix
        ("(201) 555-0123", "US", "+12015550123"),
    ],
)
def test_a_phone_number_is_checked_for_its_country_and_kept_in_e164(
    typed: str, country: str, stored: str
) -> None:
    address = check_address(
        name="Anna Jansen",
        street="Oudegracht 12",
        postcode="3511 AB" if country == "NL" else "1000" if country == "BE" else "10001",
        city="Utrecht",
        country=country,
        phone=typed,
        phone_required=True,
    )
    assert address.phone == stored
    assert Address.from_json(address.to_json()) == address
    assert "phone" not in repr(address) and stored not in mask(address)


@pytest.mark.parametrize(
    ("phone", "required", "problem"),
    [
        ("", True, "missing"),
        ("12", False, "format"),
        ("06 1234", True, "format"),
        ("call me maybe", True, "format"),
        ("+31 6 " + "1" * 40, True, "too_long"),
    ],
)
def test_a_bad_or_missing_phone_number_is_named(phone: str, required: bool, problem: str) -> None:
    with pytest.raises(InvalidAddress) as raised:
        check_address(
            name="Anna Jansen",
            street="Oudegracht 12",
            postcode="3511 AB",
            city="Utrecht",
            country="NL",
            phone=phone,
            phone_required=required,
        )
    assert raised.value.problems == {"phone": problem}


def test_no_phone_is_asked_when_the_offer_does_not_require_one() -> None:
    address = check_address(
        name="Anna Jansen", street="Oudegracht 12", postcode="3511 AB", city="Utrecht", country="NL"
    )
    assert address.phone is None and "phone" not in address.to_json()
