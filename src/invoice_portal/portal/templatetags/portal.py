"""Template helpers of the portal: permission checks, status badges, navigation, sorting links.

Money is formatted by the project's ``money`` library (``{% load money %}``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from invoice_portal.invoices.models import DisputeStatus, Status
from invoice_portal.payments.models import CheckoutStatus, PaymentStatus
from invoice_portal.portal.models import RemittanceStatus
from invoice_portal.portal.navigation import NavLink, nav_for
from invoice_portal.portal.permissions import portal_can

register = template.Library()

_DISPUTE_COLOURS: dict[str, str] = {
    DisputeStatus.OPEN.value: "amber",
    DisputeStatus.CREDITED.value: "green",
    DisputeStatus.REJECTED.value: "red",
}
_LINE_COLOURS = {"new": "blue", "paid": "green", "disputed": "amber"}
_SUMMARY_COLOURS = {"New": "blue", "Partially Paid": "amber", "Paid": "green", "Disputed": "amber"}


@register.filter
def can(user: Any, code: str) -> bool:
    return portal_can(user, code)


@register.inclusion_tag("portal/partials/badge.html")
def invoice_badge(status: str) -> dict[str, str]:
    return {"colour": Status.colour(status), "label": Status(status).label}


@register.inclusion_tag("portal/partials/badge.html")
def payment_badge(status: str) -> dict[str, str]:
    return {"colour": PaymentStatus.colour(status), "label": PaymentStatus(status).label}


@register.inclusion_tag("portal/partials/badge.html")
def checkout_badge(status: str) -> dict[str, str]:
    return {"colour": CheckoutStatus.colour(status), "label": CheckoutStatus(status).label}


@register.inclusion_tag("portal/partials/badge.html")
def dispute_badge(status: str) -> dict[str, str]:
    return {"colour": _DISPUTE_COLOURS.get(status, "grey"), "label": DisputeStatus(status).label}


@register.inclusion_tag("portal/partials/badge.html")
def remittance_badge(status: str) -> dict[str, str]:
    return {"colour": RemittanceStatus.colour(status), "label": RemittanceStatus(status).label}


@register.inclusion_tag("portal/partials/badge.html")
def line_badge(code: str, label: str) -> dict[str, str]:
    return {"colour": _LINE_COLOURS.get(code, "grey"), "label": label}


@register.inclusion_tag("portal/partials/badge.html")
def summary_badge(label: str) -> dict[str, str]:
    return {"colour": _SUMMARY_COLOURS.get(label, "grey"), "label": label}


@register.inclusion_tag("portal/partials/badge.html")
def badge(label: str, colour: str = "grey") -> dict[str, str]:
    return {"colour": colour, "label": label}


@register.simple_tag(takes_context=True)
def portal_nav(context: template.Context) -> list[NavLink]:
    request = context.get("request")
    if request is None:
        return []
    match = getattr(request, "resolver_match", None)
    return nav_for(request.user, match.url_name if match and match.url_name else "")


@register.filter
def sort_link(current: str, field: str) -> str:
    """The sort value a column header links to: ascending first, then descending."""
    return f"-{field}" if current == field else field


@register.filter
def sort_mark(current: str, field: str) -> str:
    if current == field:
        return "▲"
    if current == f"-{field}":
        return "▼"
    return ""


@register.filter
def aria_sort(current: str, field: str) -> str:
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return "none"


@register.filter
def allocated_elsewhere(payment: Any) -> Decimal:
    """What a payment settled on invoices the user does not see (``shown`` holds the visible allocations)."""
    shown = sum((a.amount for a in getattr(payment, "shown", [])), Decimal(0))
    return max(Decimal(0), payment.allocated_total - shown)
