"""Files a received invoice arrived with: checked by what they contain, not by their name."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction

from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.invoices.models import Direction, Invoice
from invoice_portal.payables.models import MAX_ATTACHMENT_BYTES, AttachmentKind, ReceivedAttachment


def sniff_kind(content: bytes) -> AttachmentKind | None:
    """PDF by its header and end-of-file marker; XML by its declaration or first element."""
    if content.startswith(b"%PDF-") and b"%%EOF" in content[-2048:]:
        return AttachmentKind.PDF
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:100]
    if head.startswith(b"<?xml") or (head.startswith(b"<") and not head.startswith(b"<!")):
        return AttachmentKind.XML
    return None


@transaction.atomic
def received_attachment_add(
    *, actor: Any, invoice: Invoice, filename: str, content: bytes, expect: str = AttachmentKind.PDF
) -> ReceivedAttachment:
    """Keep the supplier's PDF (or XML) byte for byte: at most 10 MB, and it must be what it claims to be."""
    if invoice.direction != Direction.RECEIVED:
        raise ValidationFailed("Attachments here belong to received invoices.")
    if not content:
        raise ValidationFailed("file: the file is empty.", field="file")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(f"file: {len(content) // 1024 // 1024} MB; at most {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB.", field="file")
    kind = sniff_kind(content)
    if kind != expect:
        raise ValidationFailed(f"file: not a {AttachmentKind(expect).label} file (checked by its content).", field="file")
    name = (filename or f"invoice.{kind}").replace("/", "_").replace("\\", "_").strip()[:200] or f"invoice.{kind}"
    digest = hashlib.sha256(content).hexdigest()
    attachment = ReceivedAttachment.objects.create(
        invoice=invoice, kind=kind, filename=name, content=content, size=len(content), sha256=digest,
        uploaded_by=actor if getattr(actor, "pk", None) is not None else None,
    )  # fmt: skip
    audit_record(
        actor=actor, obj=invoice, action="received_invoice.attach", after={"filename": name, "sha256": digest, "size": len(content)}
    )
    return attachment
