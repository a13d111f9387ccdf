from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoice_portal.core.errors import InvalidAmount, InvalidCurrency
from invoice_portal.core.money import as_str, check_currency, format_money, minor_digits, parse_money, quantize


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
    assert parse_money("1E+1", "USD") == Decimal("10")
    assert parse_money(12, "USD") == Decimal("12")


@pytest.mark.parametrize("code", ["XXX", "XTS"])
def test_the_pseudo_currencies_are_refused(code: str) -> None:
    with pytest.raises(InvalidCurrency, match="no real currency"):
        check_currency(code)
    with pytest.raises(InvalidCurrency):
        parse_money("1", code)


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
