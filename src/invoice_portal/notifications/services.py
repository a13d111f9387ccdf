"""Every email the product sends: written as a ``Message`` row in the caller's transaction, delivered after commit.

The domain services call the ``notify_*`` functions at the end of a transition (an invoice
issued, a payment received, a dispute opened or closed); Sales and Finance call
``invoice_send`` and ``invoice_remind``; ``reminders_run`` works through the schedule. Each of
them only writes rows; ``message_deliver`` (a background task) sends one message and records
the outcome, retrying a failed delivery a few times before it marks the message failed.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from invoice_portal.audit.context import current_origin
from invoice_portal.audit.services import audit_record, snapshot
from invoice_portal.core.bulk import row_new, rows_insert
from invoice_portal.core.errors import Conflict, InvalidTransition, ValidationFailed
from invoice_portal.core.followups import followups_after_commit
from invoice_portal.core.money import format_money
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Direction, Dispute, Invoice, Status
from invoice_portal.invoices.wording import Wording, current_wording, status_words
from invoice_portal.notifications import selectors
from invoice_portal.notifications.models import Message, MessageKind, MessageStatus, NotificationSettings
from invoice_portal.payments.models import Allocation, Payment, PaymentStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_DELAYS = (dt.timedelta(minutes=1), dt.timedelta(minutes=10))
# Outbox sweep: a queued message whose task never ran, or a delivery that died mid-send, is tried again.
STALE_QUEUED = dt.timedelta(minutes=5)
STALE_SENDING = dt.timedelta(minutes=15)
MAX_REMINDER_OFFSET = 365
SENDABLE = (Status.OPEN, Status.PARTIALLY_PAID, Status.PAID)


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def _portal_url(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{path}"


def _render(kind: str, **context: Any) -> str:
    return render_to_string(f"notifications/email/{kind}.txt", {"seller": portal_settings(), **context}).strip() + "\n"


# --- Writing and delivering messages -----------------------------------------------------------------


def message_queue(
    *,
    kind: MessageKind,
    to: list[str],
    subject: str,
    body: str,
    actor: Any = None,
    invoice: Invoice | None = None,
    payment: Payment | None = None,
    company: Any = None,
    recipient_user: Any = None,
    reminder_offset: int | None = None,
    attach_pdf: bool = False,
) -> Message:
    """Log a message and have it delivered after the current transaction commits.

    A message with nobody to send to is logged as failed, so the seller sees who has no address.
    """
    message = row_new(
        Message, kind=kind, to=to, subject=subject[:300], body=body, created_by=_actor(actor), invoice=invoice, payment=payment,
        company=company if company is not None else (invoice.company if invoice is not None else None),
        recipient_user=recipient_user, reminder_offset=reminder_offset, attach_pdf=attach_pdf,
        status=MessageStatus.QUEUED if to else MessageStatus.FAILED,
        last_error="" if to else "No email address: give the customer a billing email, or a company admin.",
    )  # fmt: skip
    rows_insert(Message, [message])
    if to:
        _enqueue_on_commit(message.pk)
    return message


def _enqueue_on_commit(message_id: int) -> None:
    """Have the message delivered once the current transaction commits, and never if it rolls back.

    With the database task queue (production), the transaction's one follow-up task sends it
    (``core.followups``, which runs ``messages_deliver_new``): its row is written in this very
    transaction, visible to the workers together with the message or not at all. Any other backend
    (the immediate one in tests) is handed the message's own task after commit.
    """
    if not followups_after_commit():
        transaction.on_commit(lambda: _enqueue(message_id))


def messages_deliver_new(*, batch: int = 200) -> int:
    """Send the messages queued and never tried, oldest first (the follow-up of the transactions that wrote
    them). ``message_deliver`` claims each, so workers running this at once send each message once; a message
    whose attempt fails is tried again by its own delayed task, not here. Returns how many were sent."""
    sent = 0
    while True:
        new = list(Message.objects.filter(status=MessageStatus.QUEUED, attempts=0).order_by("pk").values_list("pk", flat=True)[:batch])
        sent += sum(message_deliver(message_id=pk) == MessageStatus.SENT for pk in new)
        if len(new) < batch:
            return sent


def _enqueue(message_id: int, *, delay: dt.timedelta | None = None) -> None:
    from invoice_portal.notifications.tasks import message_deliver_task

    task = message_deliver_task
    if delay is not None and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(message_id=message_id)


def _email(message: Message) -> EmailMessage:
    seller = portal_settings()
    email = EmailMessage(
        subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=list(message.to),
        reply_to=[seller.seller_email] if seller.seller_email else None,
    )  # fmt: skip
    if message.attach_pdf and message.invoice is not None and message.kind == MessageKind.INVOICE:
        # The document itself goes in the format its customer prefers (PDF, + UBL / XRechnung, or Factur-X).
        from invoice_portal.documents.einvoice.delivery import attachments

        for file in attachments(message.invoice).files:
            email.attach(file.filename, file.content, file.content_type)
    elif message.attach_pdf and message.invoice is not None:
        from invoice_portal.documents.pdf import invoice_pdf

        pdf = invoice_pdf(message.invoice)
        email.attach(pdf.filename, pdf.content, "application/pdf")
    return email


def message_deliver(*, message_id: int) -> str:
    """Send one queued message; safe to run twice (the second run finds it claimed and does nothing)."""
    claimed = Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    message = Message.objects.select_related("invoice__company").filter(pk=message_id).first()
    if message is None:
        return "missing"
    if not claimed:
        return message.status
    try:
        _email(message).send()
    except Exception as exc:  # noqa: BLE001 — whatever the mail server or the PDF says is recorded and retried
        retry = message.attempts < MAX_ATTEMPTS
        status = MessageStatus.QUEUED if retry else MessageStatus.FAILED
        Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(status=status, last_error=f"{exc}"[:2000] or repr(exc))
        log.warning("message %s: delivery attempt %s failed: %s", message_id, message.attempts, exc)
        if retry:
            _enqueue(message_id, delay=RETRY_DELAYS[min(message.attempts, len(RETRY_DELAYS)) - 1])
        return status
    Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return MessageStatus.SENT


@transaction.atomic
def message_retry(*, actor: Any, message: Message) -> Message:
    """Finance sends a failed message again (after fixing the address, it goes to the current recipients)."""
    claimed = (
        Message.objects.filter(pk=message.pk, status=MessageStatus.FAILED).exclude(to=[]).update(status=MessageStatus.QUEUED, attempts=0)
    )
    if not claimed:
        message.refresh_from_db()
        if message.status == MessageStatus.FAILED:
            raise Conflict("This message has nobody to send to; add an email address and send the document again.")
        raise InvalidTransition(f"This message is {message.get_status_display().lower()}; only failed messages are sent again.")
    message.refresh_from_db()
    audit_record(actor=actor, obj=message, action="message.retry", after={"to": message.to})
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def messages_sweep(*, now: dt.datetime | None = None) -> int:
    """Hand stale outbox rows to the worker again (a lost task, a worker killed mid-send). Returns how many."""
    now = now or timezone.now()
    stuck = Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - STALE_SENDING)
    stuck.update(status=MessageStatus.QUEUED)
    pending = list(Message.objects.filter(status=MessageStatus.QUEUED, created_at__lt=now - STALE_QUEUED).values_list("pk", flat=True))
    for pk in pending:
        _enqueue(pk)
    return len(pending)


# --- Documents and reminders -------------------------------------------------------------------------


def _document_message(invoice: Invoice, *, actor: Any, to: list[str] | None = None, wording: Wording | None = None) -> Message:
    """The document's email; its type is named in the Admin's words (``invoices.wording``)."""
    title = (wording or current_wording()).kind(invoice.kind)
    seller = portal_settings()
    to = selectors.invoice_recipients(invoice) if to is None else to
    return message_queue(
        kind=MessageKind.INVOICE, to=to, actor=actor, invoice=invoice, attach_pdf=True,
        subject=f"{title} {invoice.number} from {seller.seller_name}",
        body=_render("invoice", invoice=invoice, title=title, url=_portal_url(reverse("portal:invoice_detail", args=[invoice.pk]))),
    )  # fmt: skip


def _fresh(invoice: Invoice) -> Invoice:
    """The invoice as stored now (the caller's copy may predate a hold, a payment or a dispute)."""
    return Invoice.objects.select_related("company", "order__placed_by").get(pk=invoice.pk)


def _imported() -> bool:
    """Documents and payments that arrive by ERP import are not emailed automatically: the ERP is their
    system of record (and an import of history must not mail customers years of invoices). Sales sends
    them from the dashboard when the portal is to deliver them."""
    return current_origin().channel == "import"


@dataclass(frozen=True)
class IssuedEmail:
    """The customer's email for a document being issued, decided and addressed before its number is taken.

    ``invoice_issue`` prepares it among its reads and writes it (``write``) once the number is known,
    so the issue's serialized stretch holds no reads for it.
    """

    invoice: Invoice
    to: list[str]
    wording: Wording

    def write(self) -> Message:
        return _document_message(self.invoice, actor=None, to=self.to, wording=self.wording)


def invoice_issued_email(invoice: Invoice) -> IssuedEmail | None:
    """The email an issue sends to the customer, PDF attached, when the settings say so (None if none)."""
    if invoice.direction != Direction.ISSUED or _imported() or not selectors.notification_settings().email_on_issue:
        return None
    return IssuedEmail(invoice=invoice, to=selectors.invoice_recipients(invoice), wording=current_wording())


def notify_invoice_issued(invoice: Invoice) -> Message | None:
    """The customer's email for an issued document, written now (``invoice_issued_email`` then ``write``)."""
    email = invoice_issued_email(invoice)
    return None if email is None else email.write()


def invoice_send(*, actor: Any, invoice: Invoice) -> Message:
    """Email an issued document to the customer (again), PDF attached."""
    invoice = _fresh(invoice)
    if invoice.direction != Direction.ISSUED or invoice.status not in SENDABLE:
        raise InvalidTransition(f"{invoice} is {status_words(invoice)}; only issued documents are sent.")
    return _document_message(invoice, actor=actor)


def _reminder(invoice: Invoice, *, actor: Any, offset: int | None, today: dt.date | None = None, wording: Wording | None = None) -> Message:
    """A reminder of one unpaid document; its type is named in the Admin's words (``wording``, read once per run)."""
    today = today or timezone.localdate()
    title = (wording or current_wording()).kind(invoice.kind)
    days = (today - invoice.due_date).days if invoice.due_date else 0
    when = (
        f"due in {-days} day{'s' if days != -1 else ''}"
        if days < 0
        else ("due today" if days == 0 else f"{days} day{'s' if days != 1 else ''} overdue")
    )
    return message_queue(
        kind=MessageKind.REMINDER, to=selectors.invoice_recipients(invoice), actor=actor, invoice=invoice, attach_pdf=True,
        reminder_offset=offset, subject=f"Reminder: {title.lower()} {invoice.number} is {when}",
        body=_render("reminder", invoice=invoice, when=when, title=title, overdue=days > 0,
                     url=_portal_url(reverse("portal:invoice_detail", args=[invoice.pk]))),
    )  # fmt: skip


def invoice_remind(*, actor: Any, invoice: Invoice) -> Message:
    """Sales or Finance remind a customer of one unpaid invoice now (outside the schedule)."""
    invoice = _fresh(invoice)
    blocker = selectors.reminder_blocker(invoice)
    if blocker:
        raise InvalidTransition(blocker)
    return _reminder(invoice, actor=actor, offset=None)


@dataclass
class ReminderRun:
    sent: list[int] = field(default_factory=list)  # invoice ids reminded
    skipped: int = 0  # found due, but reminded by a concurrent run first


def reminders_run(*, today: dt.date | None = None) -> ReminderRun:
    """Send the schedule's reminders due today (``invoice-portal send-reminders``, run daily or more often).

    Each (invoice, step) is sent at most once — a unique constraint holds that under concurrent runs.
    """
    today = today or timezone.localdate()
    run = ReminderRun()
    offsets = selectors.notification_settings().reminder_offsets or []
    wording = current_wording()
    for due in selectors.reminders_due(today, offsets):
        invoice = _fresh(Invoice(pk=due.invoice_id))
        try:
            with transaction.atomic():
                _reminder(invoice, actor=None, offset=due.offset, today=today, wording=wording)
        except IntegrityError:
            run.skipped += 1
            continue
        run.sent.append(invoice.pk)
    return run


# --- Payments and disputes ---------------------------------------------------------------------------


def notify_payment_received(payment: Payment) -> Message | None:
    """A receipt and thank-you when money arrives (an offline payment recorded, a gateway payment confirmed)."""
    if not _sends_receipt(payment):
        return None
    allocations = list(payment.allocations.select_related("invoice").filter(amount__gt=0).order_by("invoice__number"))
    return message_queue(
        kind=MessageKind.PAYMENT_RECEIPT, to=selectors.company_recipients(payment.company), payment=payment,
        company=payment.company, subject=f"Payment received, thank you — {format_money(payment.amount, payment.currency)}",
        body=_receipt_body(payment, allocations),
    )  # fmt: skip


def _sends_receipt(payment: Payment) -> bool:
    return payment.status == PaymentStatus.SUCCEEDED and not _imported() and selectors.notification_settings().payment_receipts


def _receipt_body(payment: Payment, allocations: list[Allocation]) -> str:
    return _render("payment_receipt", payment=payment, allocations=allocations,
                   credit=payment.amount - payment.allocated_total, url=_portal_url(reverse("portal:payments")))  # fmt: skip


@dataclass
class ReceiptEmail:
    """The receipt of a payment being recorded, written before its invoices are locked (``payment_record``).

    It states each invoice's balance after the payment as read before the lock; ``confirm``, called under
    the locks once the invoices are settled, writes the body again only if a concurrent payment moved one
    of those balances in between, so the customer is always told the balance the payment left.
    """

    message: Message
    payment: Payment
    allocations: list[Allocation]

    def confirm(self, settled: dict[int, Invoice]) -> None:
        if all(a.invoice.balance == settled[a.invoice_id].balance for a in self.allocations):
            return
        for allocation in self.allocations:
            allocation.invoice.balance = settled[allocation.invoice_id].balance
        self.message.body = _receipt_body(self.payment, self.allocations)
        Message.objects.filter(pk=self.message.pk).update(body=self.message.body)


def payment_receipt_write(payment: Payment, *, paid: list[tuple[Invoice, Decimal]]) -> ReceiptEmail | None:
    """``notify_payment_received`` for a payment whose allocations (``paid``: each invoice as read, unlocked,
    and the amount it takes) are about to be settled: written now, from what the caller read (None if no receipt)."""
    if not _sends_receipt(payment):
        return None
    allocations = []
    for invoice, amount in sorted(paid, key=lambda pair: pair[0].number or ""):
        shown = copy.copy(invoice)
        shown.balance = invoice.balance - amount
        allocations.append(Allocation(payment=payment, invoice=shown, amount=amount))
    message = message_queue(
        kind=MessageKind.PAYMENT_RECEIPT, to=selectors.company_recipients(payment.company), payment=payment,
        company=payment.company, subject=f"Payment received, thank you — {format_money(payment.amount, payment.currency)}",
        body=_receipt_body(payment, allocations),
    )  # fmt: skip
    return ReceiptEmail(message=message, payment=payment, allocations=allocations)


def notify_dispute_opened(dispute: Dispute) -> Message:
    """Tell the seller's staff a buyer disputes a line (reminders for the invoice stop meanwhile)."""
    invoice = dispute.invoice
    return message_queue(
        kind=MessageKind.DISPUTE_OPENED, to=selectors.seller_recipients(), invoice=invoice, actor=dispute.raised_by,
        subject=f"{invoice.company} disputes line {dispute.line.line_no} of {invoice.number}",
        body=_render("dispute_opened", dispute=dispute, invoice=invoice,
                     url=_portal_url(reverse("seller:invoice_detail", args=[invoice.pk]))),
    )  # fmt: skip


def notify_dispute_closed(dispute: Dispute) -> Message:
    """Tell the buyer how their dispute ended: credited (with the credit note) or rejected (with the comment)."""
    invoice = dispute.invoice
    raised_by = dispute.raised_by
    extra = [raised_by.email] if raised_by is not None and raised_by.is_active else []
    return message_queue(
        kind=MessageKind.DISPUTE_CLOSED, to=selectors.company_recipients(invoice.company, also=extra), invoice=invoice,
        actor=dispute.resolved_by,
        subject=f"Your dispute on {invoice.number}, line {dispute.line.line_no}: {dispute.get_status_display().lower()}",
        body=_render("dispute_closed", dispute=dispute, invoice=invoice,
                     url=_portal_url(reverse("portal:invoice_detail", args=[invoice.pk]))),
    )  # fmt: skip


def notify_webhook_endpoint_disabled(*, to: list[str], url: str, reason: str, last_error: str) -> Message:
    """Tell the integration admins an outbound webhook endpoint was switched off after days of failed deliveries."""
    return message_queue(
        kind=MessageKind.WEBHOOK_DISABLED, to=to, subject=f"Webhook endpoint disabled: {url}"[:300],
        body=_render("webhook_disabled", url=url, reason=reason, last_error=last_error,
                     settings_url=_portal_url(reverse("webhooks:endpoint_list"))),
    )  # fmt: skip


# --- Invitations -------------------------------------------------------------------------------------


def invitation_send(*, actor: Any, user: Any) -> Message:
    """Invite a new user: a link to choose a password (valid as long as a password-reset link)."""
    if not user.is_active:
        raise InvalidTransition(f"{user.email} is deactivated; reactivate the user before inviting.")
    token = default_token_generator.make_token(user)
    link = _portal_url(reverse("password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)), token]))
    company = user.company
    return message_queue(
        kind=MessageKind.INVITATION, to=[user.email], actor=actor, company=company, recipient_user=user,
        subject=f"You are invited to {portal_settings().seller_name}'s invoice portal",
        body=_render("invitation", user=user, company=company, inviter=_actor(actor), link=link),
    )  # fmt: skip


# --- Settings ----------------------------------------------------------------------------------------


_OFFSET = re.compile(r"[+-]?[0-9]{1,4}")


def parse_offsets(text: str) -> list[int]:
    """``"-3, 1, 7"`` → ``[-3, 1, 7]``; a clear error for anything else."""
    offsets: set[int] = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        # ASCII digits only: int() also reads Arabic-Indic and other Unicode digits ("١٢" as 12).
        if not _OFFSET.fullmatch(part):
            raise ValidationFailed(
                f"reminder_offsets: '{part}' is not a whole number of days (write e.g. -3, 1, 7, 14).", field="reminder_offsets"
            )
        value = int(part)
        if abs(value) > MAX_REMINDER_OFFSET:
            raise ValidationFailed(f"reminder_offsets: {value} is more than a year from the due date.", field="reminder_offsets")
        offsets.add(value)
    if len(offsets) > 12:
        raise ValidationFailed("reminder_offsets: at most 12 reminders per invoice.", field="reminder_offsets")
    return sorted(offsets)


_SETTINGS_FIELDS = ("email_on_issue", "payment_receipts", "reminder_offsets")


@transaction.atomic
def notification_settings_update(
    *, actor: Any, email_on_issue: bool, payment_receipts: bool, reminder_offsets: str | list[int]
) -> NotificationSettings:
    offsets = parse_offsets(reminder_offsets) if isinstance(reminder_offsets, str) else parse_offsets(",".join(map(str, reminder_offsets)))
    NotificationSettings.objects.get_or_create(pk=1)
    current = NotificationSettings.objects.select_for_update().get(pk=1)
    before = snapshot(current, _SETTINGS_FIELDS)
    current.email_on_issue, current.payment_receipts, current.reminder_offsets = bool(email_on_issue), bool(payment_receipts), offsets
    current.save()
    audit_record(actor=actor, obj=current, action="settings.notifications", before=before, after=snapshot(current, _SETTINGS_FIELDS))
    return current
