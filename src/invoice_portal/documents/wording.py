"""How a document a customer reads words its figures: amounts, tax categories and payment terms.

Documents are written in English; numbers follow the customer's country (``document_locale``), so a
German customer reads "1.234,50 €" and an American one "$1,234.50". Every amount on a PDF goes through
``money_words`` and every tax category through ``tax_words``: one place decides how they read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal

from invoice_portal.core.money import minor_digits, quantize
from invoice_portal.invoices.models import TaxCategory

DEFAULT_LOCALE = "en_US"

# EN 16931 category codes in the words a customer expects on an invoice; the standard rate names its rate.
_TAX_WORDS = {
    TaxCategory.ZERO: "Zero-rated",
    TaxCategory.EXEMPT: "Exempt from VAT",
    TaxCategory.REVERSE_CHARGE: "Reverse charge",
    TaxCategory.INTRA_EU: "Intra-community supply, VAT exempt",
    TaxCategory.EXPORT: "Export, VAT exempt",
    TaxCategory.NOT_SUBJECT: "Not subject to VAT",
}


@cache
def document_locale(country: str) -> str:
    """The locale a document's numbers are written in: English as used in the customer's country, else US English."""
    code = (country or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        return DEFAULT_LOCALE
    try:
        Locale.parse(f"en_{code}")
    except (UnknownLocaleError, ValueError):
        return DEFAULT_LOCALE
    return f"en_{code}"


def money_words(amount: Decimal, currency: str, locale: str) -> str:
    """An amount with its currency sign and the locale's grouping, in the currency's digits: "$1,234.50"."""
    return str(format_currency(quantize(amount, currency), currency, locale=locale))


def price_words(amount: Decimal, currency: str, locale: str) -> str:
    """A unit price: at least the currency's digits, more only where the price has them ("$0.0125")."""
    digits = max(minor_digits(currency), -int(amount.normalize().as_tuple().exponent))
    exact = amount.quantize(Decimal(1).scaleb(-digits)) if digits > 0 else amount
    return str(format_currency(exact, currency, locale=locale, decimal_quantization=False))


def figure_words(value: Decimal, locale: str) -> str:
    """A quantity or rate as written, grouped as the locale groups: "1,250", "2.5"."""
    return str(format_decimal(value.normalize(), locale=locale, decimal_quantization=False))


def tax_words(category: str, rate: Decimal, locale: str = DEFAULT_LOCALE) -> str:
    """A VAT category as a customer reads it: "VAT 10 %", "Zero-rated", "Reverse charge"."""
    words = _TAX_WORDS.get(TaxCategory(category)) if category in TaxCategory.values else None
    if words is not None:
        return words
    return f"VAT {figure_words(rate, locale)} %"


def payment_terms_words(issue_date: dt.date | None, due_date: dt.date | None) -> str:
    """The payment terms from the dates they set: "Net 30", "Due on receipt"; "" when a date is missing."""
    if issue_date is None or due_date is None:
        return ""
    days = (due_date - issue_date).days
    if days <= 0:
        return "Due on receipt"
    return f"Net {days}"
