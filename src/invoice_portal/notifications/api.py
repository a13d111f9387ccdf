"""The API of emails and reminders on an invoice: send it, remind of it, hold or release its reminders, list what was sent.

Mounted under ``/invoices`` beside the invoices router; each call is one service call.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from invoice_portal.api.access import caller, get_invoice_for_seller
from invoice_portal.api.schemas import READ_ONE_ERRORS, TEXT_PATTERN, WRITE_ERRORS, Id, Text, responses
from invoice_portal.invoices.services import invoice_hold, invoice_release_hold
from invoice_portal.notifications.models import Message
from invoice_portal.notifications.selectors import invoice_messages
from invoice_portal.notifications.services import invoice_remind, invoice_send

router = Router()

HoldReason = Annotated[str, Field(min_length=1, max_length=300, pattern=TEXT_PATTERN, description="Why reminders are paused")]


class MessageOut(Schema):
    id: int
    kind: str = Field(description="invoice, reminder, payment_receipt, dispute_opened, dispute_closed or invitation")
    status: str = Field(description="queued, sending, sent or failed")
    to: list[str]
    subject: str
    reminder_offset: int | None = Field(None, description="The schedule step (days from the due date) of a scheduled reminder")
    created_at: dt.datetime
    sent_at: dt.datetime | None
    attempts: int
    last_error: str


class HoldIn(Schema):
    reason: HoldReason


class HoldOut(Schema):
    invoice: int
    on_hold: bool
    hold_reason: Text


def message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk, "kind": message.kind, "status": message.status, "to": list(message.to), "subject": message.subject,
        "reminder_offset": message.reminder_offset, "created_at": message.created_at, "sent_at": message.sent_at,
        "attempts": message.attempts, "last_error": message.last_error,
    }  # fmt: skip


@router.post(
    "/{invoice_id}/send",
    response=responses({202: MessageOut}, WRITE_ERRORS),
    summary="Email an issued document to the customer, PDF attached (queued; delivered by the worker)",
)
def send_invoice(request: HttpRequest, invoice_id: Id) -> Status:
    invoice = get_invoice_for_seller(request, invoice_id, "invoices.send")
    return Status(202, message_out(invoice_send(actor=caller(request), invoice=invoice)))


@router.post(
    "/{invoice_id}/remind",
    response=responses({202: MessageOut}, WRITE_ERRORS),
    summary="Remind the customer of an unpaid invoice now (refused while disputed or on hold)",
)
def remind_invoice(request: HttpRequest, invoice_id: Id) -> Status:
    invoice = get_invoice_for_seller(request, invoice_id, "invoices.send")
    return Status(202, message_out(invoice_remind(actor=caller(request), invoice=invoice)))


@router.get("/{invoice_id}/messages", response=responses({200: list[MessageOut]}, READ_ONE_ERRORS), summary="Emails about an invoice")
def list_invoice_messages(request: HttpRequest, invoice_id: Id) -> list[dict[str, Any]]:
    invoice = get_invoice_for_seller(request, invoice_id, "invoices.view")
    return [message_out(m) for m in invoice_messages(invoice)[:100]]


@router.post("/{invoice_id}/hold", response=responses({200: HoldOut}, WRITE_ERRORS), summary="Put an unpaid invoice on hold (no reminders)")
def hold_invoice(request: HttpRequest, invoice_id: Id, payload: HoldIn) -> dict[str, Any]:
    invoice = get_invoice_for_seller(request, invoice_id, "payments.record")
    held = invoice_hold(actor=caller(request), invoice=invoice, reason=payload.reason)
    return {"invoice": held.pk, "on_hold": held.on_hold, "hold_reason": held.hold_reason}


@router.delete(
    "/{invoice_id}/hold", response=responses({200: HoldOut}, WRITE_ERRORS), summary="Release a hold: reminders follow the schedule again"
)
def release_invoice_hold(request: HttpRequest, invoice_id: Id) -> dict[str, Any]:
    invoice = get_invoice_for_seller(request, invoice_id, "payments.record")
    released = invoice_release_hold(actor=caller(request), invoice=invoice)
    return {"invoice": released.pk, "on_hold": released.on_hold, "hold_reason": released.hold_reason}
