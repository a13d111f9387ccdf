"""The PDF of one of the supplier's own invoices as we recorded it (another company's: 404)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from invoice_portal.core.downloads import file_download
from invoice_portal.payables import selectors
from invoice_portal.payables.pdf import received_invoice_pdf
from invoice_portal.supplier.permissions import supplier_required


@require_GET
@supplier_required("supplier.view")
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = selectors.received_invoice_for(request.user, pk)
    if invoice is None:
        raise Http404("No such invoice.")
    pdf = received_invoice_pdf(invoice)
    return file_download(pdf.content, filename=pdf.filename, content_type="application/pdf")
