from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from invoice_portal.documents.models import ATTENTION_CODES, AttachmentPurpose, DocumentAttachment, InvoiceResponse, SentInvoiceResponse
from invoice_portal.invoices.models import Invoice
from invoice_portal.payables.selectors import received_invoices_visible_to


def original_of(invoice: Invoice) -> DocumentAttachment | None:
    """The file ``invoice`` was imported from, if it was (kept byte for byte)."""
    return DocumentAttachment.objects.filter(invoice=invoice, purpose=AttachmentPurpose.ORIGINAL).first()


def attachments_of(invoice: Invoice) -> list[DocumentAttachment]:
    """The attachments of ``invoice`` without their content (for listing)."""
    return list(DocumentAttachment.objects.filter(invoice=invoice).defer("content").order_by("pk"))


def responses_of(invoice: Invoice) -> list[InvoiceResponse]:
    """The Invoice Responses the buyer sent about ``invoice``, newest first (without their XML)."""
    return list(InvoiceResponse.objects.filter(invoice=invoice).defer("xml").order_by("-issue_date", "-pk"))


def latest_response_code() -> Subquery:
    """The code of an invoice's latest response, for annotating invoice querysets (``OuterRef("pk")``)."""
    latest = InvoiceResponse.objects.filter(invoice=OuterRef("pk")).order_by("-issue_date", "-pk").values("code")[:1]
    return Subquery(latest)


def needing_attention(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """``invoices`` whose latest Invoice Response says under query or rejected."""
    return invoices.annotate(response_code=latest_response_code()).filter(response_code__in=ATTENTION_CODES)


def latest_response(invoice: Invoice) -> InvoiceResponse | None:
    return InvoiceResponse.objects.filter(invoice=invoice).defer("xml").order_by("-issue_date", "-pk").first()


def with_response_status(invoices: QuerySet[Invoice], *, attention: bool | None = None) -> QuerySet[Invoice]:
    """``invoices`` annotated with ``response_code`` (their latest Invoice Response's code, or None), and with
    ``attention`` only those that need it (latest UQ or RE: True) or those that do not (False)."""
    invoices = invoices.annotate(response_code=latest_response_code())
    if attention is True:
        return invoices.filter(response_code__in=ATTENTION_CODES)
    if attention is False:
        # Most documents have no response at all: ``NOT (NULL IN (...))`` is not true in SQL, so they are kept by name.
        return invoices.filter(Q(response_code__isnull=True) | ~Q(response_code__in=ATTENTION_CODES))
    return invoices


def sent_responses_of(invoice: Invoice) -> list[SentInvoiceResponse]:
    """The Invoice Responses we wrote to the supplier about the received ``invoice``, newest first (without their XML)."""
    return list(SentInvoiceResponse.objects.filter(invoice=invoice).defer("xml").order_by("-pk"))


def sent_response_of(invoice: Invoice, response_pk: int) -> SentInvoiceResponse | None:
    """One of them with its XML; None when ``response_pk`` is not one of ``invoice``'s (a download's lookup)."""
    return SentInvoiceResponse.objects.filter(invoice=invoice, pk=response_pk).first()


def sent_response_visible_to(user: Any, invoice_pk: int, response_pk: int) -> SentInvoiceResponse | None:
    """Response ``response_pk`` of received invoice ``invoice_pk``, if ``user`` may see that invoice (AP staff: any;
    a supplier's user: their company's); None otherwise, or when the response belongs to another invoice."""
    return SentInvoiceResponse.objects.filter(pk=response_pk, invoice_id=invoice_pk, invoice__in=received_invoices_visible_to(user)).first()
