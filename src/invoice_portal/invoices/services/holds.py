"""Collection holds: the seller pauses reminders for one invoice, with a reason, and releases it later."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import InvalidTransition, ValidationFailed
from invoice_portal.core.locks import lock_one
from invoice_portal.invoices.models import Direction, Invoice, Status
from invoice_portal.invoices.wording import status_words

HOLDABLE = (Status.OPEN, Status.PARTIALLY_PAID)


@transaction.atomic
def invoice_hold(*, actor: Any, invoice: Invoice, reason: str) -> Invoice:
    """Put an unpaid issued invoice on hold: no reminders go out until the hold is released."""
    invoice = lock_one(Invoice, invoice.pk)
    reason = reason.strip()
    if invoice.direction != Direction.ISSUED or invoice.status not in HOLDABLE:
        raise InvalidTransition(f"{invoice} is {status_words(invoice)}; only unpaid invoices can be put on hold.")
    if invoice.on_hold:
        raise InvalidTransition(f"{invoice} is on hold already.")
    if not reason:
        raise ValidationFailed("hold_reason: say why reminders are paused.", field="hold_reason")
    if len(reason) > 300:
        raise ValidationFailed("hold_reason: at most 300 characters.", field="hold_reason")
    invoice.on_hold, invoice.hold_reason = True, reason
    invoice.save(update_fields=["on_hold", "hold_reason", "updated_at"])
    audit_record(actor=actor, obj=invoice, action="invoice.hold", before={"on_hold": False}, after={"on_hold": True, "reason": reason})
    return invoice


@transaction.atomic
def invoice_release_hold(*, actor: Any, invoice: Invoice) -> Invoice:
    """Release a hold: the reminder schedule applies again from its next step."""
    invoice = lock_one(Invoice, invoice.pk)
    if not invoice.on_hold:
        raise InvalidTransition(f"{invoice} is not on hold.")
    before = {"on_hold": True, "reason": invoice.hold_reason}
    invoice.on_hold, invoice.hold_reason = False, ""
    invoice.save(update_fields=["on_hold", "hold_reason", "updated_at"])
    audit_record(actor=actor, obj=invoice, action="invoice.release_hold", before=before, after={"on_hold": False})
    return invoice
