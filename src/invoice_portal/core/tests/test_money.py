from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoice_portal.core.errors import InvalidAmount, InvalidCurrency
from invoice_portal.core.money import (
    as_str,
    check_amount_limit,
    check_currency,
    format_money,
    known_currencies,
    minor_digits,
    needs_confirmation,
    parse_money,
    quantize,
    to_decimal,
)


def test_currency_digits_come_from_iso_4217() -> None:
    assert minor_digits("USD") == 2
    assert minor_digits("JPY") == 0
    assert minor_digits("KWD") == 3


def test_rounding_is_half_up_to_the_minor_unit() -> None:
    assert quantize(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert quantize(Decimal("2.344"), "EUR") == Decimal("2.34")
    assert quantize(Decimal("0.5"), "JPY") == Decimal("1")


@pytest.mark.parametrize("value", ["-1.00", "1.001", "NaN", "Infinity", "-Infinity", "abc", "", 1.5, True, None, [1]])
def test_bad_amounts_are_refused(value: object) -> None:
    with pytest.raises(InvalidAmount):
        parse_money(value, "USD")


@pytest.mark.parametrize("value", ["١٢", "１２", "12.٥٠", "1_000", "²", " 1 2 "])
def test_amounts_are_written_with_ascii_digits_only(value: str) -> None:
    with pytest.raises(InvalidAmount, match="digits 0-9"):
        parse_money(value, "USD")


def test_plain_ascii_amounts_still_parse() -> None:
    assert parse_money(" 12.50 ", "USD") == Decimal("12.50")
    assert parse_money(12, "USD") == Decimal("12")


@pytest.mark.parametrize("code", ["XXX", "XTS"])
def test_the_pseudo_currencies_are_refused(code: str) -> None:
    with pytest.raises(InvalidCurrency, match="no real currency"):
        check_currency(code)
    with pytest.raises(InvalidCurrency):
        parse_money("1", code)


@pytest.mark.parametrize("code", ["DEM", "HRK", "FRF", "XAU", "XDR"])
def test_withdrawn_codes_and_metals_are_not_currencies(code: str) -> None:
    # babel knows them; ISO 4217's current list of currencies of money does not (the two rules merged once dropped this one).
    with pytest.raises(InvalidCurrency):
        check_currency(code)
    assert {"EUR", "USD", "JPY", "KWD", "CHF"} <= known_currencies()


@pytest.mark.parametrize(("code", "digits"), [("CLF", 4), ("CHE", 2), ("USN", 2), ("UYI", 0)])
def test_iso_4217_fund_codes_are_currencies_with_their_own_digits(code: str, digits: int) -> None:
    """Fund codes are current ISO 4217 codes and on EN 16931's currency list (BR-CL-04): documents may be priced in them."""
    assert check_currency(code) == code
    assert minor_digits(code) == digits


def test_over_precise_amount_is_refused_not_rounded() -> None:
    with pytest.raises(InvalidAmount, match="more than 0 decimal places"):
        parse_money("100.5", "JPY")


def test_trailing_zeros_beyond_the_digits_are_accepted() -> None:
    assert parse_money("10.5000", "USD") == Decimal("10.50")


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(InvalidCurrency):
        minor_digits("XYZ")
    with pytest.raises(InvalidCurrency):
        minor_digits("usd")


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_wire_format_round_trips_exactly(amount: Decimal) -> None:
    text = as_str(amount, "USD")
    assert parse_money(text, "USD") == amount
    assert len(text.split(".")[1]) == 2


@pytest.mark.parametrize("value", ["1e9", "1E9", "1E+1", "2.5e3", "-1e2", "1e-2"])
def test_scientific_notation_is_refused_in_plain_words(value: str) -> None:
    with pytest.raises(InvalidAmount, match="scientific notation; write the amount out in digits"):
        to_decimal(value, field="amount", places=2, allow_negative=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1,000.00", "1000.00"), ("1,000", "1000"), ("12,345,678.9", "12345678.9"), ("-1,000.50", "-1000.50"), (" 999,999.99 ", "999999.99")],
)
def test_the_grouping_the_app_writes_is_read_back(value: str, expected: str) -> None:
    assert to_decimal(value, field="amount", places=2, allow_negative=True) == Decimal(expected)


@pytest.mark.parametrize("value", ["1,5", "1,00", "1.000,00", "12,34,567", ",100", "1,000,0", "1,,000", "1,000.00,0"])
def test_ambiguous_grouping_is_refused_with_the_expected_form(value: str) -> None:
    with pytest.raises(InvalidAmount, match=r"ambiguous; write thousands as 1,000.50"):
        to_decimal(value, field="amount", places=2)


def test_the_installation_maximum_is_refused_in_words(settings: object) -> None:
    assert check_amount_limit(Decimal("999999999.99"), "USD", field="amount") == Decimal("999999999.99")
    with pytest.raises(InvalidAmount, match=r"\$1,000,000,000.00 is above this installation's maximum of \$999,999,999.99"):
        check_amount_limit(Decimal("1000000000"), "USD", field="amount")


def test_the_maximum_and_the_confirmation_threshold_are_settings(settings: object) -> None:
    settings.MONEY_MAX_AMOUNT = "5000.00"  # type: ignore[attr-defined]
    settings.MONEY_CONFIRM_ABOVE = "1000.00"  # type: ignore[attr-defined]
    with pytest.raises(InvalidAmount, match="maximum of"):
        check_amount_limit(Decimal("5000.01"), "USD", field="amount")
    assert not needs_confirmation(Decimal("1000.00"))
    assert needs_confirmation(Decimal("1000.01"))


@given(
    amount=st.one_of(
        *(st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=p, allow_nan=False) for p in (0, 2, 3, 4))
    ),
    currency=st.sampled_from(["USD", "EUR", "GBP", "JPY", "BHD", "CHF", "CAD", "SEK", "XYZ"]),
)
def test_money_is_written_as_babel_writes_it(amount: Decimal, currency: str) -> None:
    """The en_US fast path of ``format_money`` gives Babel's text exactly (rounding, sign, grouping, symbol)."""
    from babel.numbers import format_currency

    assert format_money(amount, currency) == format_currency(amount, currency, locale="en_US")


@pytest.mark.parametrize("amount", ["0", "-0.00", "0.005", "0.015", "-0.004", "1234567.895", "-1000", "999.999"])
def test_money_edge_cases_are_written_as_babel_writes_them(amount: str) -> None:
    from babel.numbers import format_currency

    for currency in ("USD", "JPY", "BHD"):
        assert format_money(Decimal(amount), currency) == format_currency(Decimal(amount), currency, locale="en_US")
