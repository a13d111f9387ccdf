"""Money in templates: always through core.money, with the currency's own digits."""

from __future__ import annotations

from decimal import Decimal

from django import template

from invoice_portal.core.money import as_str, format_money, minor_digits

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """With the currency sign, localized: "$1,234.50", "¥1,235"."""
    return "" if amount is None else format_money(amount, currency)


@register.filter
def amount(amount: Decimal | None, currency: str) -> str:
    """A plain figure with exactly the currency's digits, for tables whose header names the currency: "1234.50"."""
    return "" if amount is None else as_str(amount, currency)


@register.filter
def figure(value: Decimal | None) -> str:
    """A quantity, price or rate as written, without exponent or trailing zeros: 150, 0.0125, 8.875."""
    if value is None:
        return ""
    return f"{value.normalize():f}"


@register.filter
def price(value: Decimal | None, currency: str) -> str:
    """A unit price with at least the currency's digits and more only where it has them: 12.50, 0.0125."""
    if value is None:
        return ""
    digits = max(minor_digits(currency), -int(value.normalize().as_tuple().exponent))
    return f"{value:.{max(digits, 0)}f}"
