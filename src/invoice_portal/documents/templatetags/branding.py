"""The seller's logo in a document's header, embedded so the PDF renderer fetches nothing."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from invoice_portal.core.models import PortalSettings
from invoice_portal.documents.pdf import logo_data_uri

register = template.Library()


@register.simple_tag
def document_logo(seller: PortalSettings) -> SafeString:
    """``<img>`` of the logo as a ``data:`` URI, or nothing when the seller has no logo."""
    uri = logo_data_uri(seller)
    return format_html('<img class="logo" src="{}" alt="{}">', uri, seller.seller_name) if uri else SafeString("")
