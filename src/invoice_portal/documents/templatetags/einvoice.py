from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.documents.models import ResponseCode

register = template.Library()

# On the seller's pages the code reads as what the buyer did with the invoice.
_SELLER_LABELS = {"UQ": "Under query by buyer", "RE": "Rejected by buyer", "AP": "Accepted by buyer", "PD": "Paid (buyer says)"}


@register.simple_tag
def response_badge(code: str | None) -> SafeString:
    if not code:
        return SafeString("")
    return badge_html(_SELLER_LABELS.get(code, ResponseCode(code).label), ResponseCode.colour(code))
