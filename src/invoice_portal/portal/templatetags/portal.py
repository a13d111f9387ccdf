"""Template helpers of the portal: permission checks, the portal's own status badges, navigation.

Money, plain badges and sortable headers come from the core libraries (``{% load money badges sorting %}``);
the status badges of invoices and payments from their apps (``{% load invoice_badges payment_badges %}``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.invoices.models import CustomerLineStatus, DisputeStatus
from invoice_portal.payments.models import CheckoutStatus
from invoice_portal.portal.navigation import NavLink, nav_for
from invoice_portal.portal.permissions import portal_can
from invoice_portal.remittances.models import RemittanceStatus

register = template.Library()

_DISPUTE_COLOURS: dict[str, str] = {
    DisputeStatus.OPEN.value: "amber",
    DisputeStatus.CREDITED.value: "green",
    DisputeStatus.REJECTED.value: "red",
}


@register.filter
def can(user: Any, code: str) -> bool:
    return portal_can(user, code)


@register.simple_tag
def checkout_badge(status: str) -> SafeString:
    return badge_html(CheckoutStatus(status).label, CheckoutStatus.colour(status))


@register.simple_tag
def dispute_badge(status: str) -> SafeString:
    return badge_html(DisputeStatus(status).label, _DISPUTE_COLOURS.get(status, "grey"))


@register.simple_tag
def remittance_badge(status: str) -> SafeString:
    return badge_html(RemittanceStatus(status).label, RemittanceStatus.colour(status))


@register.simple_tag
def line_badge(code: str, label: str) -> SafeString:
    return badge_html(label, CustomerLineStatus.colour(code))


@register.simple_tag(takes_context=True)
def portal_nav(context: template.Context) -> list[NavLink]:
    request = context.get("request")
    if request is None:
        return []
    match = getattr(request, "resolver_match", None)
    return nav_for(request.user, match.url_name if match and match.url_name else "")


@register.filter
def allocated_elsewhere(payment: Any) -> Decimal:
    """What a payment settled on invoices the user does not see (``shown`` holds the visible allocations)."""
    shown = sum((a.amount for a in getattr(payment, "shown", [])), Decimal(0))
    return max(Decimal(0), payment.allocated_total - shown)
