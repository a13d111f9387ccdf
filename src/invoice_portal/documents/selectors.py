from __future__ import annotations

from invoice_portal.documents.models import AttachmentPurpose, DocumentAttachment
from invoice_portal.invoices.models import Invoice


def original_of(invoice: Invoice) -> DocumentAttachment | None:
    """The file ``invoice`` was imported from, if it was (kept byte for byte)."""
    return DocumentAttachment.objects.filter(invoice=invoice, purpose=AttachmentPurpose.ORIGINAL).first()


def attachments_of(invoice: Invoice) -> list[DocumentAttachment]:
    """The attachments of ``invoice`` without their content (for listing)."""
    return list(DocumentAttachment.objects.filter(invoice=invoice).defer("content").order_by("pk"))
