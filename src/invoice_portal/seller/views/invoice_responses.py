"""The buyer's Peppol Invoice Responses on the seller's invoice page: upload one the buyer sent by other means."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from invoice_portal.core.errors import DomainError
from invoice_portal.documents.einvoice.parse import MAX_BYTES
from invoice_portal.documents.einvoice.response import read_invoice_response
from invoice_portal.documents.services import invoice_response_receive
from invoice_portal.seller.forms import InvoiceResponseUploadForm
from invoice_portal.seller.permissions import seller_required
from invoice_portal.seller.views.invoices import invoice_page, visible_invoice


@require_POST
@seller_required("invoices.edit")
def response_upload(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = visible_invoice(request, pk)
    form = InvoiceResponseUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:
                raise DomainError(f"The file is {upload.size:,} bytes; at most {MAX_BYTES:,} are accepted.")
            xml = upload.read()
            if read_invoice_response(xml).document_number != invoice.number:
                raise DomainError(f"This response is about another document, not {invoice}.")
            response, created = invoice_response_receive(actor=request.user, xml=xml)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            verb = "recorded" if created else "was recorded already"
            messages.success(request, f"The buyer's response “{response.get_code_display()}” {verb}.")
            return redirect(reverse("seller:invoice_detail", args=[pk]) + "#responses")
    return invoice_page(request, invoice, response_form=form, status=422)
