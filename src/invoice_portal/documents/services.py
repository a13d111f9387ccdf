"""Writes of the documents app: attachments kept with invoice documents."""

from __future__ import annotations

import hashlib
from typing import Any

from invoice_portal.documents.models import AttachmentPurpose, DocumentAttachment
from invoice_portal.invoices.models import Invoice

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
