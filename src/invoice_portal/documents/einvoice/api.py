"""E-invoices over the API: the XML body of ``POST /api/v1/invoices`` and the original file of an imported document.

``POST /api/v1/invoices`` with ``Content-Type: application/xml`` (or ``text/xml``, or ``…+xml``) is
an e-invoice the ERP issued: ``xml_intake`` wraps that operation (a ninja view decorator, so it runs
before ninja parses the body as JSON) and hands XML bodies to ``issued_einvoice_import``; any other
body goes on to the JSON operation unchanged. The caller needs ``invoices.create`` and ``invoices.issue``.
Answers: 201 with the document (created), 200 with the document (this document was imported already),
problem+json otherwise: 400 unreadable XML, 413 too large, 422 EN 16931 violations (each rule's id,
message and location in ``errors`` and ``violations``), an unknown buyer, or content our documents
cannot hold; 409 another document with the same number, or an order invoiced already.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from ninja import Router

from invoice_portal.api.access import get_invoice_for_seller, require
from invoice_portal.api.auth import request_token
from invoice_portal.api.problems import from_domain_error, not_found
from invoice_portal.api.schemas import READ_ONE_ERRORS, Id, responses
from invoice_portal.core.errors import DomainError
from invoice_portal.documents.einvoice.intake import issued_einvoice_import
from invoice_portal.documents.einvoice.parse import MAX_BYTES, EInvoiceTooLarge
from invoice_portal.documents.selectors import original_of

router = Router()

XML_BODY_OPENAPI = {
    "requestBody": {
        "content": {
            "application/xml": {
                "schema": {"type": "string", "format": "binary"},
                "description": "A UBL 2.1 Invoice or CreditNote, or a UN/CEFACT CII CrossIndustryInvoice, issued by the ERP",
            }
        }
    }
}


def is_xml(request: HttpRequest) -> bool:
    content_type = (request.content_type or "").lower()
    return content_type in ("application/xml", "text/xml") or content_type.endswith("+xml")


def xml_intake(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Route an XML body of the wrapped create operation to the e-invoice import (see the module docstring)."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        token = request_token(request)
        if not is_xml(request) or token is None:
            return run(request, *args, **kwargs)  # JSON, or ninja's own 401
        request.auth = token.user  # type: ignore[attr-defined]
        try:
            return _import(request)
        except DomainError as exc:
            return from_domain_error(exc)
        except Exception as exc:
            operation = getattr(run, "__self__", None)
            if operation is None:
                raise
            response: HttpResponseBase = operation.api.on_exception(request, exc)
            return response

    return wrapper


def _import(request: HttpRequest) -> HttpResponse:
    from invoice_portal.invoices.api import InvoiceDetail, invoice_detail, reload

    user = require(request, "invoices.create", "invoices.issue")
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BYTES:  # refused before the body is read
        raise EInvoiceTooLarge(f"The document is {length:,} bytes; at most {MAX_BYTES:,} are accepted.")
    result = issued_einvoice_import(actor=user, xml=request.body)
    # A document just created still holds the lines it was written with; one found again is read back.
    body = invoice_detail(result.invoice, user, created=True) if result.created else invoice_detail(reload(result.invoice), user)
    response = JsonResponse(InvoiceDetail.model_validate(body).model_dump(mode="json"), status=201 if result.created else 200)
    response["Location"] = f"/api/v1/invoices/{result.invoice.pk}"
    return response


@router.get(
    "/{invoice_id}/original",
    response=responses({200: None}, READ_ONE_ERRORS),
    summary="The file an imported document came from, byte for byte (seller staff)",
)
def get_original(request: HttpRequest, invoice_id: Id) -> HttpResponse:
    invoice = get_invoice_for_seller(request, invoice_id, "invoices.view")
    attachment = original_of(invoice)
    if attachment is None:
        return not_found(f"{invoice} was not imported from a file.")
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.filename}"'
    return response
