"""Money: exact decimals in a currency's minor units.

The one rounding rule of the project: amounts are quantized to the currency's minor
units with ROUND_HALF_UP (commercial rounding, as EN 16931 examples use), per line first
and then summed. Input is never rounded silently: an amount with more decimals than its
currency allows is refused.

Reading amounts people type (``to_decimal``, the one parsing rule behind forms, the API and imports):
digits 0-9 with an optional sign and decimals; the grouping the app itself writes ("1,000.00" in
``INPUT_LOCALE``, whose symbols come from babel) is accepted when every group has three digits, and
anything else with a group symbol ("1,5", "1.000,00") is refused as ambiguous; scientific notation
("1e9") is refused. An installation caps every amount it records (``settings.MONEY_MAX_AMOUNT``,
``check_amount_limit``) and the UI asks for confirmation above ``settings.MONEY_CONFIRM_ABOVE``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    list_currencies,
)
from django.conf import settings

from invoice_portal.core.errors import InvalidAmount, InvalidCurrency

ZERO = Decimal("0")
# Quantities and unit prices may carry more precision than the currency (e.g. 0.0125 EUR per unit).
QUANTITY_PLACES = 4
UNIT_PRICE_PLACES = 4
# VAT rates such as 8.875 % (New York City) need three decimals.
TAX_RATE_PLACES = 3
# What the amount columns hold (18 digits, 4 decimals): no product or sum may pass it. The business cap per
# installation is lower (``amount_limit``).
MAX_AMOUNT = Decimal("999999999999.9999")
# The locale the app writes amounts in (``format_money``) and so reads them back in.
INPUT_LOCALE = "en_US"


# ISO 4217 codes that name no money: XXX ("no currency") and XTS (reserved for testing).
PSEUDO_CURRENCIES = frozenset({"XXX", "XTS"})
# An amount as text: ASCII digits only (Decimal() would read "١٢" as 12), an optional sign and decimals.
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})
_AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SCIENTIFIC = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+")
# The current ISO 4217 currencies (list one, 2026: BGN gone with the euro, ANG replaced by XCG, STD by STN),
# with its fund codes (BOV, CLF, USN…: documents are priced in them, and EN 16931's BR-CL-04 list has them),
# without precious metals, SDRs, the test code and "no currency". babel's list
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
    "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
    # Fund codes of the same list (EN 16931's BR-CL-04 list has them): Chile's Unidad de Fomento (4 decimals), etc.
    "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",
})  # fmt: skip


@cache
def known_currencies() -> frozenset[str]:
    return (frozenset(list_currencies()) & ISO_4217_CURRENT) - PSEUDO_CURRENCIES


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
        number = _read_number(value, field=field)
    else:
        raise InvalidAmount(f"{field}: '{value}' is not a number.", field=field)
    if not number.is_finite():
        raise InvalidAmount(f"{field}: '{value}' is not a finite number.", field=field)
    if not allow_negative and number < 0:
        raise InvalidAmount(f"{field}: must not be negative.", field=field)
    if abs(number) > MAX_AMOUNT:
        raise InvalidAmount(f"{field}: {value} is too large.", field=field)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places and number != number.quantize(_exponent(places)):
        raise InvalidAmount(f"{field}: {value} has more than {places} decimal places.", field=field)
    return number.quantize(_exponent(places)) if -exponent > places else number


@cache
def _grouping(locale: str) -> tuple[str, str, re.Pattern[str]]:
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    grouped = re.compile(rf"([+-]?)([0-9]{{1,3}}(?:{re.escape(group)}[0-9]{{3}})+)(?:{re.escape(decimal)}([0-9]*))?")
    return group, decimal, grouped


def _read_number(value: str, *, field: str) -> Decimal:
    text = value.strip()
    if text.lstrip("+-").lower() in _NOT_FINITE:
        raise InvalidAmount(f"{field}: '{value}' is not a finite number.", field=field)
    if len(text) > 40:
        raise InvalidAmount(f"{field}: '{value[:40]}' is not a number written with the digits 0-9.", field=field)
    if _SCIENTIFIC.fullmatch(text):
        raise InvalidAmount(
            f"{field}: '{text}' is written in scientific notation; write the amount out in digits, e.g. 1000000.00.",
            field=field,
        )
    group, decimal, grouped = _grouping(INPUT_LOCALE)
    if group in text:
        match = grouped.fullmatch(text)
        if match is None:
            example = format_decimal(Decimal("1000.5"), format="#,##0.00", locale=INPUT_LOCALE)
            raise InvalidAmount(
                f"{field}: '{text}' is ambiguous; write thousands as {example} ('{group}' groups three digits, "
                f"'{decimal}' starts the decimals) or without grouping.",
                field=field,
            )
        sign, whole, fraction = match.groups()
        text = f"{sign}{whole.replace(group, '')}" + (f".{fraction}" if fraction is not None else "")
    elif decimal != ".":
        text = text.replace(decimal, ".", 1)
    if not _AMOUNT_TEXT.fullmatch(text):
        raise InvalidAmount(f"{field}: '{value[:40]}' is not a number written with the digits 0-9.", field=field)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise InvalidAmount(f"{field}: '{value}' is not a number.", field=field) from None


def amount_limit() -> Decimal:
    """The largest amount this installation records in one payment, remittance advice or document."""
    return Decimal(settings.MONEY_MAX_AMOUNT)


def check_amount_limit(amount: Decimal, currency: str, *, field: str) -> Decimal:
    """Refuse an amount above the installation's maximum (``settings.MONEY_MAX_AMOUNT``), in words a clerk reads."""
    limit = amount_limit()
    if abs(amount) > limit:
        raise InvalidAmount(
            f"{field}: {format_money(amount, currency)} is above this installation's maximum of "
            f"{format_money(limit, currency)}; check the amount (an administrator sets the maximum).",
            field=field,
        )
    return amount


def needs_confirmation(amount: Decimal) -> bool:
    """Whether the UI asks "Record … of $X?" before saving this amount (``settings.MONEY_CONFIRM_ABOVE``)."""
    return abs(amount) > Decimal(settings.MONEY_CONFIRM_ABOVE)


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
