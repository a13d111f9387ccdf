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

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from ninja import Router, Schema
from ninja.responses import Status

from invoice_portal.api.access import caller, get_invoice_for_seller, require
from invoice_portal.api.auth import request_token
from invoice_portal.api.problems import from_domain_error, not_found
from invoice_portal.api.schemas import CREATE_ERRORS, READ_ONE_ERRORS, Id, responses
from invoice_portal.core.downloads import file_download
from invoice_portal.core.errors import DomainError, NotFound
from invoice_portal.documents.einvoice.intake import issued_einvoice_import
from invoice_portal.documents.einvoice.parse import MAX_BYTES, EInvoiceRefused, EInvoiceTooLarge
from invoice_portal.documents.models import InvoiceResponse, SentInvoiceResponse
from invoice_portal.documents.selectors import original_of, responses_of, sent_response_of, sent_responses_of
from invoice_portal.documents.services import invoice_response_receive
from invoice_portal.invoices.models import Invoice
from invoice_portal.payables.selectors import received_invoices_visible_to

router = Router()
responses_router = Router()

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


# --- Peppol Invoice Responses for our issued documents ----------------------------------------------------

RESPONSE_BODY_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {
                "schema": {"type": "string", "format": "binary"},
                "description": "A Peppol BIS Invoice Response 3 (UBL ApplicationResponse) about one of our issued documents",
            }
        },
    }
}


class InvoiceResponseOut(Schema):
    id: int
    invoice: int
    invoice_number: str
    code: str
    label: str
    needs_attention: bool
    response_id: str
    issue_date: dt.date
    effective_date: dt.date | None
    reason: str
    note: str
    sender_name: str
    sender_endpoint: str
    received_at: dt.datetime


def response_out(response: InvoiceResponse) -> dict[str, Any]:
    return {
        "id": response.pk, "invoice": response.invoice_id, "invoice_number": response.invoice.number or "", "code": response.code,
        "label": response.get_code_display(), "needs_attention": response.needs_attention, "response_id": response.response_id,
        "issue_date": response.issue_date, "effective_date": response.effective_date, "reason": response.reason,
        "note": response.note, "sender_name": response.sender_name, "sender_endpoint": response.sender_endpoint,
        "received_at": response.received_at,
    }  # fmt: skip


@responses_router.post(
    "",
    response=responses({200: InvoiceResponseOut, 201: InvoiceResponseOut}, (*CREATE_ERRORS, 413)),
    summary="Receive a buyer's Invoice Response (Peppol BIS 3, XML) for one of our issued documents",
    openapi_extra=RESPONSE_BODY_OPENAPI,
)
def receive_invoice_response(request: HttpRequest) -> Status:
    user = require(request, "invoices.edit")
    if not is_xml(request):
        raise EInvoiceRefused("Send the Invoice Response as XML (Content-Type: application/xml).")
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_BYTES:
        raise EInvoiceTooLarge(f"The document is {length:,} bytes; at most {MAX_BYTES:,} are accepted.")
    response, created = invoice_response_receive(actor=user, xml=request.body)
    return Status(201 if created else 200, response_out(response))


@router.get(
    "/{invoice_id}/responses",
    response=responses({200: list[InvoiceResponseOut]}, READ_ONE_ERRORS),
    summary="The buyer's Invoice Responses for an issued document, newest first (seller staff)",
)
def list_invoice_responses(request: HttpRequest, invoice_id: Id) -> list[dict[str, Any]]:
    invoice = get_invoice_for_seller(request, invoice_id, "invoices.view")
    return [response_out(r) for r in responses_of(invoice)]


# --- Our Invoice Responses for the documents we received -------------------------------------------------

received_responses_router = Router()


class SentInvoiceResponseOut(Schema):
    id: int
    received_invoice: int
    supplier: int
    invoice_number: str
    code: str
    label: str
    ap_status: str
    response_id: str
    issue_date: dt.date
    reason: str
    created_at: dt.datetime
    xml_url: str


def _received_for_reader(request: HttpRequest, invoice_id: int) -> Invoice:
    """A received invoice the caller may read: AP staff with ``ap.view``; a supplier user (``supplier.view``) their own."""
    user = caller(request)
    require(request, "ap.view" if user.is_seller_staff else "supplier.view")
    invoice = received_invoices_visible_to(user).select_related("company").filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(f"No received invoice {invoice_id} that you can see.")
    return invoice


def sent_response_out(response: SentInvoiceResponse, invoice: Invoice) -> dict[str, Any]:
    return {
        "id": response.pk, "received_invoice": invoice.pk, "supplier": invoice.company_id, "invoice_number": invoice.number or "",
        "code": response.code,
        "label": response.get_code_display(), "ap_status": response.ap_status, "response_id": response.response_id,
        "issue_date": response.issue_date, "reason": response.reason, "created_at": response.created_at,
        "xml_url": f"/api/v1/received-invoices/{invoice.pk}/responses/{response.pk}/xml",
    }  # fmt: skip


@received_responses_router.get(
    "/{invoice_id}/responses",
    response=responses({200: list[SentInvoiceResponseOut]}, READ_ONE_ERRORS),
    summary="Our Invoice Responses (Peppol BIS 3) to the supplier about a received invoice, newest first (AP staff, the supplier)",
)
def list_sent_invoice_responses(request: HttpRequest, invoice_id: Id) -> list[dict[str, Any]]:
    invoice = _received_for_reader(request, invoice_id)
    return [sent_response_out(r, invoice) for r in sent_responses_of(invoice)]


@received_responses_router.get(
    "/{invoice_id}/responses/{response_id}/xml",
    response=responses({200: None}, READ_ONE_ERRORS),
    summary="One of them as its UBL ApplicationResponse XML (AP staff, the supplier)",
)
def get_sent_invoice_response_xml(request: HttpRequest, invoice_id: Id, response_id: Id) -> HttpResponse:
    invoice = _received_for_reader(request, invoice_id)
    response = sent_response_of(invoice, response_id)
    if response is None:
        return not_found(f"Received invoice {invoice_id} has no Invoice Response {response_id}.")
    return file_download(bytes(response.xml), filename=response.filename, content_type="application/xml")
