"""The Invoice Responses we wrote to a supplier (``documents.einvoice.ap_responses``): their XML, from the AP invoice page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from invoice_portal.ap.permissions import ap_required
from invoice_portal.core.downloads import file_download
from invoice_portal.documents.selectors import sent_response_visible_to


@require_GET
@ap_required("ap.view")
def response_download(request: HttpRequest, pk: int, response_pk: int) -> HttpResponse:
    response = sent_response_visible_to(request.user, pk, response_pk)
    if response is None:
        raise Http404("No such Invoice Response.")
    return file_download(bytes(response.xml), filename=response.filename, content_type="application/xml")
