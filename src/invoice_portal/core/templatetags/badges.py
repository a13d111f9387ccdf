"""Status badges in templates: one coloured ``<span>`` whose colour comes from the status's ``TextChoices``."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.payments.models import PaymentStatus

register = template.Library()


def badge_html(label: str, colour: str) -> SafeString:
    # The trailing newline is the whitespace between two badges written back to back in a template.
    return format_html('<span class="badge badge-{}">{}</span>\n', colour, label)


@register.simple_tag
def badge(label: str, colour: str = "grey") -> SafeString:
    return badge_html(label, colour)


@register.simple_tag
def invoice_badge(status: str, label: str = "") -> SafeString:
    return badge_html(label or Status(status).label, Status.colour(status))


@register.simple_tag
def document_badge(document: Invoice) -> SafeString:
    """The status badge of an invoice, debit note or credit note, in the words of its kind ("Applied", not "Paid")."""
    return badge_html(document.status_label, Status.colour(document.status))


@register.simple_tag
def payment_badge(status: str, label: str = "") -> SafeString:
    return badge_html(label or PaymentStatus(status).label, PaymentStatus.colour(status))


@register.simple_tag
def message_badge(status: str) -> SafeString:
    from invoice_portal.notifications.models import MessageStatus

    return badge_html(MessageStatus(status).label, MessageStatus.colour(status))
