"""``{% invoice_badge status %}``: an invoice status as a coloured badge (``{% load invoice_badges %}``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.invoices.models import Invoice, Status

register = template.Library()


@register.simple_tag
def invoice_badge(status: str, label: str = "") -> SafeString:
    return badge_html(label or Status(status).label, Status.colour(status))


@register.simple_tag
def document_badge(document: Invoice) -> SafeString:
    """The status badge of an invoice, debit note or credit note, in the words of its kind ("Applied", not "Paid")."""
    return badge_html(document.status_label, document.status_colour)
