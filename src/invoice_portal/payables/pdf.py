"""The PDF of a received invoice as we recorded it: its lines against the PO's, gross / discount / net, status.

Rendered by the issued side's machinery (``documents.pdf.render_html_to_pdf``: the same stylesheet,
fonts and the same refusal to fetch anything), not cached: AP opens these rarely and the status on
it changes as the invoice moves.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.pdf import RenderedPdf, render_html_to_pdf
from invoice_portal.documents.wording import document_locale
from invoice_portal.invoices.models import Invoice, Kind
from invoice_portal.payables import selectors


def received_invoice_pdf(invoice: Invoice) -> RenderedPdf:
    """``invoice`` must come from ``selectors.received_invoice_detail`` (lines and PO prefetched, scoping done)."""
    buyer = portal_settings()
    received = selectors.receipts_by_po_line(invoice)
    rows = [(ln, ln.order_line, received[ln.order_line_id] if ln.order_line_id else None) for ln in invoice.lines.all()]
    context = {
        "invoice": invoice, "title": "Credit invoice" if invoice.kind == Kind.CREDIT_NOTE else "Supplier invoice",
        "supplier": invoice.company, "buyer": buyer, "rows": rows, "currency": invoice.currency,
        "locale": document_locale(buyer.seller_country or invoice.company.country), "generated_at": timezone.now(),
        "non_invoice_order": bool(invoice.order and invoice.order.no_invoice_expected),
    }  # fmt: skip
    content = render_html_to_pdf(render_to_string("payables/received_invoice_pdf.html", context))
    safe_number = "".join(c if c.isalnum() or c in "-_." else "-" for c in invoice.number or str(invoice.pk))
    return RenderedPdf(content, f"{invoice.company.external_id or invoice.company_id}-{safe_number}.pdf", from_cache=False)
