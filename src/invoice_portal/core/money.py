"""Money: exact decimals in a currency's minor units.

The one rounding rule of the project: amounts are quantized to the currency's minor
units with ROUND_HALF_UP (commercial rounding, as EN 16931 examples use), per line first
and then summed. Input is never rounded silently: an amount with more decimals than its
currency allows is refused.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol, list_currencies

from invoice_portal.core.errors import InvalidAmount, InvalidCurrency

ZERO = Decimal("0")
# Quantities and unit prices may carry more precision than the currency (e.g. 0.0125 EUR per unit).
QUANTITY_PLACES = 4
UNIT_PRICE_PLACES = 4
# VAT rates such as 8.875 % (New York City) need three decimals.
TAX_RATE_PLACES = 3
MAX_AMOUNT = Decimal("999999999999.9999")


# ISO 4217 codes that name no money: XXX ("no currency") and XTS (reserved for testing).
PSEUDO_CURRENCIES = frozenset({"XXX", "XTS"})
# An amount as text: ASCII digits only (Decimal() would read "١٢" as 12), an optional sign and decimals.
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})
_AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# The current ISO 4217 currencies (list one, 2026: BGN gone with the euro, ANG replaced by XCG, STD by STN),
# without fund codes (BOV, CLF, USN…), precious metals, SDRs, the test code and "no currency". babel's list
# also holds withdrawn codes (DEM, HRK…), which no document may use; e-invoices refuse them (BR-CL-04).
ISO_4217_CURRENT = frozenset({
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BHD", "BIF", "BMD", "BND",
    "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE",
    "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD",
    "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY",
    "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD",
    "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF",
    "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES", "VED", "VND",
    "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG"
})  # fmt: skip


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies()) - PSEUDO_CURRENCIES
    return frozenset(list_currencies()) & ISO_4217_CURRENT


def check_currency(code: str) -> str:
    if isinstance(code, str) and code in PSEUDO_CURRENCIES:
        raise InvalidCurrency(f"'{code}' is an ISO 4217 code for no real currency; invoices need a currency of money.", field="currency")
    if not isinstance(code, str) or code.upper() != code or code not in known_currencies():
        raise InvalidCurrency(f"'{code}' is not an ISO 4217 currency code.", field="currency")
    return code


@cache
def minor_digits(currency: str) -> int:
    check_currency(currency)
    return int(get_currency_precision(currency))


@cache
def _exponent(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round an exact amount to the currency's minor units (the project's one rounding rule)."""
    return amount.quantize(_exponent(minor_digits(currency)), rounding=ROUND_HALF_UP)


def to_decimal(value: object, *, field: str, places: int, allow_negative: bool = False) -> Decimal:
    """Parse untrusted input into a Decimal with at most ``places`` decimals.

    Floats are refused on purpose: a float has already lost the exact value.
    """
    if isinstance(value, (bool, float)):
        raise InvalidAmount(f"{field}: give amounts as strings or decimals, not floating point numbers.", field=field)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").lower() in _NOT_FINITE:
            raise InvalidAmount(f"{field}: '{value}' is not a finite number.", field=field)
        if len(text) > 40 or not _AMOUNT_TEXT.fullmatch(text):
            raise InvalidAmount(f"{field}: '{value[:40]}' is not a number written with the digits 0-9.", field=field)
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
            raise InvalidAmount(f"{field}: '{value}' is not a number.", field=field) from None
    else:
        raise InvalidAmount(f"{field}: '{value}' is not a number.", field=field)
    if not number.is_finite():
        raise InvalidAmount(f"{field}: '{value}' is not a finite number.", field=field)
    if not allow_negative and number < 0:
        raise InvalidAmount(f"{field}: must not be negative (got {value}).", field=field)
    if abs(number) > MAX_AMOUNT:
        raise InvalidAmount(f"{field}: {value} is too large.", field=field)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places and number != number.quantize(_exponent(places)):
        raise InvalidAmount(f"{field}: {value} has more than {places} decimal places.", field=field)
    return number.quantize(_exponent(places)) if -exponent > places else number


def parse_money(value: object, currency: str, *, field: str = "amount", allow_negative: bool = False) -> Decimal:
    """An amount in ``currency``: exact, finite, within the currency's minor units."""
    digits = minor_digits(currency)
    return quantize(to_decimal(value, field=field, places=digits, allow_negative=allow_negative), currency)


def format_money(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    """The amount as the locale writes money ("$1,234.50"). A list page formats hundreds of them: for the
    portal's own locale (en_US: symbol, grouped digits, the currency's minor units, "-" before the symbol)
    it is written directly, the same text Babel's ``format_currency`` gives (``test_money`` compares them)."""
    if locale != "en_US" or not isinstance(amount, Decimal) or not amount.is_finite():
        return str(format_currency(amount, currency, locale=locale))
    symbol, digits = _en_us_currency(currency)
    rounded = abs(amount).quantize(_exponent(digits), rounding=ROUND_HALF_EVEN)
    return f"{'-' if amount.is_signed() else ''}{symbol}{rounded:,.{digits}f}"


@cache
def _en_us_currency(currency: str) -> tuple[str, int]:
    """The symbol and the minor digits Babel writes for ``currency`` in en_US (any code, as Babel takes any)."""
    return str(get_currency_symbol(currency, "en_US")), int(get_currency_precision(currency))


def as_str(amount: Decimal, currency: str) -> str:
    """The wire format: a plain string with exactly the currency's digits ("118.00")."""
    return f"{quantize(amount, currency):f}"
