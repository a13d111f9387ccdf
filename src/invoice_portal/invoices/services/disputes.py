"""Line disputes: the buyer objects to a line; the seller credits it or rejects the dispute."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import Conflict, ValidationFailed
from invoice_portal.core.locks import lock_one
from invoice_portal.invoices.line_statuses import line_statuses_sync
from invoice_portal.invoices.models import Dispute, DisputeReason, DisputeStatus, Invoice, InvoiceLine, Kind, Status
from invoice_portal.invoices.services.memos import credit_note_create
from invoice_portal.notifications.services import notify_dispute_closed, notify_dispute_opened


@transaction.atomic
def dispute_open(*, actor: Any, line: InvoiceLine, reason: str, text: str) -> Dispute:
    invoice = line.invoice
    if invoice.kind == Kind.CREDIT_NOTE or invoice.status in (Status.DRAFT, Status.CANCELED):
        raise Conflict(f"Lines of {invoice} cannot be disputed.")
    if reason not in DisputeReason.values:
        raise ValidationFailed(f"reason: one of {', '.join(DisputeReason.values)}.", field="reason")
    if not text.strip():
        raise ValidationFailed("text: say what is wrong with the line.", field="text")
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                invoice=invoice, line=line, raised_by=actor if getattr(actor, "pk", None) else None, reason=reason, text=text.strip()
            )
    except IntegrityError:
        raise Conflict(f"Line {line.line_no} of {invoice} is already disputed.") from None
    # Locked, and read again: the statuses follow what is allocated now (a payment may be landing meanwhile).
    line_statuses_sync(lock_one(Invoice, invoice.pk))
    audit_record(
        actor=actor, obj=invoice, action="dispute.open", after={"dispute": dispute.pk, "line": line.line_no, "reason": reason, "text": text}
    )
    notify_dispute_opened(dispute)
    return dispute


def _close(dispute: Dispute, *, actor: Any, status: str, comment: str) -> Dispute:
    claimed = Dispute.objects.filter(pk=dispute.pk, status=DisputeStatus.OPEN).update(
        status=status, resolution_comment=comment, resolved_by=actor if getattr(actor, "pk", None) else None, resolved_at=timezone.now()
    )
    if not claimed:
        raise Conflict("This dispute is no longer open.")
    dispute.refresh_from_db()
    # The line's statuses follow the money again; what the buyer said before the dispute no longer holds.
    line_statuses_sync(lock_one(Invoice, dispute.invoice_id), claims_void=True)
    return dispute


@transaction.atomic
def dispute_reject(*, actor: Any, dispute: Dispute, comment: str) -> Dispute:
    if not comment.strip():
        raise ValidationFailed("comment: tell the buyer why the dispute is rejected.", field="comment")
    dispute = _close(dispute, actor=actor, status=DisputeStatus.REJECTED, comment=comment.strip())
    audit_record(actor=actor, obj=dispute.invoice, action="dispute.reject", after={"dispute": dispute.pk, "comment": comment})
    notify_dispute_closed(dispute)
    return dispute


@transaction.atomic
def dispute_resolve_by_credit(*, actor: Any, dispute: Dispute, amount: object | None = None, comment: str = "") -> Dispute:
    """Credit the disputed line (whole, or a net amount at the line's VAT rate) and close the dispute."""
    line = dispute.line
    if amount is None:
        credit = credit_note_create(actor=actor, invoice=dispute.invoice, lines={line.pk: None}, notes=comment)
    else:
        credit = credit_note_create(
            actor=actor, invoice=dispute.invoice, amount=amount, tax_category=line.tax_category, tax_rate=line.tax_rate,
            description=f"Credit for line {line.line_no}: {line.description}", notes=comment,
        )  # fmt: skip
    dispute = _close(dispute, actor=actor, status=DisputeStatus.CREDITED, comment=comment)
    Dispute.objects.filter(pk=dispute.pk).update(credit_note=credit)
    dispute.credit_note = credit
    audit_record(actor=actor, obj=dispute.invoice, action="dispute.credit", after={"dispute": dispute.pk, "credit_note": credit.pk})
    dispute.invoice.refresh_from_db()
    notify_dispute_closed(dispute)
    return dispute
