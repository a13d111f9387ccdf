"""Writes of the documents app: attachments kept with invoice documents, Invoice Responses received for them."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction

from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.documents.einvoice.response import read_invoice_response
from invoice_portal.documents.models import AttachmentPurpose, DocumentAttachment, InvoiceResponse
from invoice_portal.invoices.models import Direction, Invoice, Status

MAX_FILENAME = 200


def attachment_create(
    *, actor: Any, invoice: Invoice, content: bytes, filename: str, content_type: str, purpose: str = AttachmentPurpose.ORIGINAL
) -> DocumentAttachment:
    """Keep ``content`` byte for byte with ``invoice`` (runs in the caller's transaction, which audits the import)."""
    return DocumentAttachment.objects.create(
        invoice=invoice,
        purpose=purpose,
        filename=(filename or "document")[:MAX_FILENAME],
        content_type=content_type[:100],
        content=bytes(content),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_by=actor if getattr(actor, "pk", None) is not None else None,
    )


@transaction.atomic
def invoice_response_receive(*, actor: Any, xml: bytes) -> tuple[InvoiceResponse, bool]:
    """Store a buyer's Invoice Response for one of our issued documents; (response, created).

    The response names the document by its number; it must be one of our issued documents. The same
    bytes again are the response stored the first time (a re-delivery). Audited on the invoice; the
    latest response is the invoice's response status, and UQ or RE flags it for attention.
    """
    parsed = read_invoice_response(xml)
    invoice = Invoice.objects.filter(direction=Direction.ISSUED, number=parsed.document_number).exclude(status=Status.DRAFT).first()
    if invoice is None:
        raise ValidationFailed(f"DocumentReference: we issued no document numbered {parsed.document_number}.", field="DocumentReference")
    digest = hashlib.sha256(xml).hexdigest()
    existing = InvoiceResponse.objects.filter(invoice=invoice, sha256=digest).first()
    if existing is not None:
        return existing, False
    response = InvoiceResponse.objects.create(
        invoice=invoice, code=parsed.code, response_id=parsed.response_id[:200], issue_date=parsed.issue_date,
        effective_date=parsed.effective_date, reason="\n".join(c.describe() for c in parsed.clarifications),
        reasons=[{"code": c.code, "list": c.list_id, "text": c.text, "conditions": [list(p) for p in c.conditions]}
                 for c in parsed.clarifications],
        note=parsed.note, sender_name=parsed.sender.name[:200], sender_endpoint=parsed.sender.endpoint[:200], xml=bytes(xml),
        sha256=digest, received_by=actor if getattr(actor, "pk", None) is not None else None,
    )  # fmt: skip
    audit_record(
        actor=actor, obj=invoice, action="invoice.response_received",
        after={"response": response.pk, "code": response.code, "label": response.get_code_display(), "reason": response.reason,
               "note": response.note, "sender": response.sender_name, "issue_date": response.issue_date.isoformat()},
    )  # fmt: skip
    return response, True
