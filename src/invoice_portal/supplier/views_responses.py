"""The Invoice Responses we wrote about the supplier's invoice (``documents.einvoice.ap_responses``): their XML.

"Sent" to the supplier means this: their invoice page lists them and this download hands them out (and the
API: ``GET /api/v1/received-invoices/{id}/responses``). Another company's invoice is a 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from invoice_portal.core.downloads import file_download
from invoice_portal.documents.selectors import sent_response_visible_to
from invoice_portal.supplier.permissions import supplier_required


@require_GET
@supplier_required("supplier.view")
def response_download(request: HttpRequest, pk: int, response_pk: int) -> HttpResponse:
    response = sent_response_visible_to(request.user, pk, response_pk)
    if response is None:
        raise Http404("No such Invoice Response.")
    return file_download(bytes(response.xml), filename=response.filename, content_type="application/xml")
