"""The payout files, byte for byte: PayPal Payouts CSV and Wise batch CSV."""

from __future__ import annotations

import pytest

from bot.domain.payout_files import (
    PayoutLine,
    format_amount,
    payout_files,
    paypal_files,
    wise_files,
)
from bot.domain.payout_methods import PayoutMethod, Provider


def _paypal(creator_id: int, amount: int, currency: str = "EUR") -> PayoutLine:
    method = PayoutMethod(Provider.PAYPAL, email=f"c{creator_id}@example.com")
    return PayoutLine(creator_id, amount, currency, method, f"handle{creator_id}")


def _wise(creator_id: int, amount: int, **details: str) -> PayoutLine:
    method = PayoutMethod(Provider.WISE, **details)
    return PayoutLine(creator_id, amount, "EUR", method, f"handle{creator_id}")


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(1250, "EUR", "12.50"), (5, "EUR", "0.05"), (100000, "USD", "1000.00"),
     (1000, "JPY", "1000"), (1234, "BHD", "1.234")],
)  # fmt: skip
def test_amounts_use_a_dot_and_the_currency_digits(minor: int, currency: str, text: str) -> None:
    """Amounts have a dot decimal and exactly the currency's minor digits."""
    assert format_amount(minor, currency) == text


def test_paypal_file_has_no_header_and_crlf_lines() -> None:
    """PayPal: no header; recipient, amount, currency, customer id, note, wallet; CRLF."""
    [file] = paypal_files(7, [_paypal(3, 4500), _paypal(12, 1250)])
    assert file.filename == "paypal-batch-7-1.csv"
    assert file.content == (
        b"c3@example.com,45.00,EUR,creator-3,Creator commission batch 7,PAYPAL\r\n"
        b"c12@example.com,12.50,EUR,creator-12,Creator commission batch 7,PAYPAL\r\n"
    )
    assert (file.rows, file.total_minor, file.currency) == (2, 5750, "EUR")


def test_paypal_yen_has_no_decimals() -> None:
    """1 000 yen is written ``1000``."""
    [file] = paypal_files(2, [_paypal(1, 1000, "JPY")])
    assert (
        file.content == b"c1@example.com,1000,JPY,creator-1,Creator commission batch 2,PAYPAL\r\n"
    )


def test_paypal_one_currency_per_file() -> None:
    """Two currencies make two files, each with only its own rows."""
    files = paypal_files(4, [_paypal(1, 100, "USD"), _paypal(2, 200, "EUR"), _paypal(3, 300)])
    assert [(f.filename, f.currency, f.rows) for f in files] == [
        ("paypal-batch-4-1.csv", "EUR", 2),
        ("paypal-batch-4-2.csv", "USD", 1),
    ]
    assert b"USD" not in files[0].content and b"EUR" not in files[1].content


def test_paypal_splits_at_5000_rows() -> None:
    """5 001 payees make a file of 5 000 rows and one of 1, with every row kept once."""
    files = paypal_files(9, [_paypal(n, 100) for n in range(1, 5002)])
    assert [(f.filename, f.rows) for f in files] == [
        ("paypal-batch-9-1.csv", 5000),
        ("paypal-batch-9-2.csv", 1),
    ]
    assert files[0].content.count(b"\r\n") == 5000
    assert files[1].content == (
        b"c5001@example.com,1.00,EUR,creator-5001,Creator commission batch 9,PAYPAL\r\n"
    )


def test_wise_email_file() -> None:
    """Wise by e-mail: the given header, then name, e-mail, reference, PERSON, target, amount."""
    [file] = wise_files(7, [_wise(3, 4500, email="anna@example.com", name="Anna Jansen")])
    assert file.filename == "wise-batch-7-1.csv"
    assert file.content == (
        b"name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,"
        b"sourceCurrency,targetCurrency\r\n"
        b"Anna Jansen,anna@example.com,Payout batch 7,PERSON,target,45.00,EUR,EUR\r\n"
    )


def test_wise_without_name_uses_the_handle() -> None:
    """A Wise e-mail recipient without a name is named by their handle."""
    [file] = wise_files(1, [_wise(5, 100, email="bert@example.com")])
    assert file.content.splitlines()[1] == (
        b"handle5,bert@example.com,Payout batch 1,PERSON,target,1.00,EUR,EUR"
    )


def test_wise_iban_file() -> None:
    """Wise to a bank account: IBAN in place of the e-mail column; names are quoted if needed."""
    line = _wise(8, 2000, iban="NL91ABNA0417164300", name="Jansen, Anna")
    [file] = wise_files(3, [line], iban=True)
    assert file.filename == "wise-iban-batch-3-1.csv"
    assert file.content == (
        b"name,IBAN,paymentReference,receiverType,amountCurrency,amount,"
        b"sourceCurrency,targetCurrency\r\n"
        b'"Jansen, Anna",NL91ABNA0417164300,Payout batch 3,PERSON,target,20.00,EUR,EUR\r\n'
    )


def test_batch_files_by_provider() -> None:
    """A batch gives a PayPal file, a Wise e-mail file and a Wise IBAN file, as needed."""
    files = payout_files(
        5,
        [
            _wise(2, 300, iban="DE89370400440532013000", name="Bert Meyer"),
            _paypal(1, 100),
            _wise(3, 200, email="cleo@example.com"),
        ],
    )
    assert [f.filename for f in files] == [
        "paypal-batch-5-1.csv",
        "wise-batch-5-1.csv",
        "wise-iban-batch-5-1.csv",
    ]


def test_non_ascii_names_are_utf8() -> None:
    """Names keep their accents, encoded as UTF-8 without a byte order mark."""
    [file] = wise_files(1, [_wise(1, 100, email="z@example.com", name="Zoë Öztürk")])
    assert file.content.startswith(b"name,")
    assert "Zoë Öztürk".encode() in file.content
