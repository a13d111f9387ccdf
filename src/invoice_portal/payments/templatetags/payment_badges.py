"""``{% payment_badge status %}``: a payment status as a coloured badge (``{% load payment_badges %}``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.payments.models import PaymentStatus

register = template.Library()


@register.simple_tag
def payment_badge(status: str, label: str = "") -> SafeString:
    return badge_html(label or PaymentStatus(status).label, PaymentStatus.colour(status))
