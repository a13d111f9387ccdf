"""Template helpers of the seller app: permission checks, navigation, audit trails, figures.

Money, badges and sortable headers come from the core libraries (``{% load money badges sorting %}``), the status
badges of invoices, payments and emails from their apps (``invoice_badges``, ``payment_badges``, ``message_badges``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.remittances.models import RemittanceStatus
from invoice_portal.seller.forms import plain_number
from invoice_portal.seller.navigation import NavLink, nav_for
from invoice_portal.seller.permissions import seller_can

register = template.Library()


@register.filter
def num(value: Decimal | None) -> str:
    """A quantity or rate without exponent or trailing zeros."""
    return "" if value is None else plain_number(value)


@register.filter
def can(user: Any, code: str) -> bool:
    return seller_can(user, code)


@register.simple_tag
def remittance_badge(status: str) -> SafeString:
    return badge_html(RemittanceStatus(status).label, RemittanceStatus.colour(status))


@register.simple_tag(takes_context=True)
def seller_nav(context: template.Context) -> list[NavLink]:
    request = context.get("request")
    if request is None:
        return []
    match = getattr(request, "resolver_match", None)
    return nav_for(request.user, match.url_name if match and match.url_name else "")


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def words(value: str) -> list[str]:
    return value.split()


@register.filter
def add_money(a: Decimal | None, b: Decimal | None) -> Decimal:
    return (a or Decimal(0)) + (b or Decimal(0))


@register.filter
def subtract(a: Decimal | None, b: Decimal | None) -> Decimal:
    return (a or Decimal(0)) - (b or Decimal(0))
