"""Badges for AP statuses and small filters the AP and supplier pages share."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.invoices.models import ReceivedStatus
from invoice_portal.orders.models import PurchaseOrderStatus

register = template.Library()


@register.simple_tag
def ap_badge(status: str) -> SafeString:
    if not status:
        return badge_html("—", "grey")
    return badge_html(ReceivedStatus(status).label, ReceivedStatus.colour(status))


@register.simple_tag
def po_badge(status: str) -> SafeString:
    if not status:
        return badge_html("—", "grey")
    return badge_html(PurchaseOrderStatus(status).label, PurchaseOrderStatus.colour(status))


@register.filter
def field_of(form: Any, name: str) -> Any:
    """``form|field_of:"qty_12"``: the bound field of a dynamically named form field."""
    return form[name]
