"""The Invoice Responses we wrote to a supplier about a received invoice, listed on the AP and supplier pages."""

from __future__ import annotations

from typing import Any

from django import template

from invoice_portal.documents.einvoice.ap_responses import why_none
from invoice_portal.documents.selectors import sent_responses_of
from invoice_portal.invoices.models import Invoice

register = template.Library()


@register.inclusion_tag("documents/partials/sent_responses.html")
def sent_invoice_responses(invoice: Invoice, download_url_name: str, *, audience: str = "ap") -> dict[str, Any]:
    """Newest first, each with its XML download (``download_url_name`` takes the invoice's and the response's pk);
    when there are none, why (no participant id) in the words of ``audience`` ("ap" or "supplier")."""
    responses = sent_responses_of(invoice)
    return {
        "invoice": invoice, "responses": responses, "url_name": download_url_name, "supplier_view": audience == "supplier",
        "why_none": "" if responses else why_none(invoice),
    }  # fmt: skip
