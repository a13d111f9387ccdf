"""Reads for notifications: who receives what, which invoices are due a reminder, the message log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from invoice_portal.accounts.models import RoleGrant, User
from invoice_portal.companies.models import Company
from invoice_portal.core.prepared import Prepared
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Direction, Dispute, DisputeStatus, Invoice, Kind, Status
from invoice_portal.notifications.models import Message, NotificationSettings

# Reminders go out for debts: invoices and debit notes that are issued and not settled.
REMINDABLE_KINDS = (Kind.INVOICE, Kind.DEBIT_NOTE)
REMINDABLE_STATUSES = (Status.OPEN, Status.PARTIALLY_PAID)
# A step missed by more than this (the run did not happen, the schedule was changed) is skipped, not sent late.
CATCH_UP_DAYS = 7
# Buyer roles that receive a company's invoices when the company has no billing address of its own.
BILLING_ROLES = ("company_admin", "accounts_payable")


_SETTINGS = Prepared(lambda: NotificationSettings.objects.filter(pk=1))  # read by every issue and payment


def notification_settings() -> NotificationSettings:
    return _SETTINGS.first() or NotificationSettings.objects.get_or_create(pk=1)[0]


def _unique(addresses: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for address in addresses:
        address = (address or "").strip().lower()
        if address:
            seen.setdefault(address, None)
    return list(seen)


def company_recipients(company: Company, *, also: Iterable[str] = ()) -> list[str]:
    """Where a customer's mail goes: its billing address, or else its company admins and accounts payable."""
    if company.email:
        return _unique([company.email, *also])
    users = User.objects.filter(company=company, is_active=True, role__code__in=BILLING_ROLES).order_by("email")
    return _unique([*users.values_list("email", flat=True), *also])


def invoice_recipients(invoice: Invoice) -> list[str]:
    """The customer's recipients, plus the person who placed the order the invoice bills."""
    placed_by = invoice.order.placed_by if invoice.order_id and invoice.order else None
    extra = [placed_by.email] if placed_by is not None and placed_by.is_active else []
    return company_recipients(invoice.company, also=extra)


def seller_recipients() -> list[str]:
    """Who hears of disputes: the seller's contact address, or else the staff who may resolve them."""
    contact = portal_settings().seller_email
    if contact:
        return [contact.lower()]
    roles = RoleGrant.objects.filter(permission="disputes.resolve").values_list("role_id", flat=True)
    return _unique(
        User.objects.filter(company__isnull=True, is_active=True, role_id__in=roles).order_by("email").values_list("email", flat=True)
    )


def open_dispute_exists() -> Exists:
    return Exists(Dispute.objects.filter(invoice_id=OuterRef("pk"), status=DisputeStatus.OPEN))


def reminder_blocker(invoice: Invoice) -> str | None:
    """Why ``invoice`` gets no reminder now, or None when it may get one. The one statement of that rule."""
    if invoice.direction != Direction.ISSUED or invoice.kind not in REMINDABLE_KINDS:
        return f"{invoice} is not an invoice we are owed money on."
    if invoice.status not in REMINDABLE_STATUSES:
        return f"{invoice} is {invoice.get_status_display().lower()}; only unpaid invoices are reminded."
    if invoice.on_hold:
        return f"{invoice} is on hold ({invoice.hold_reason}); release the hold first."
    if Dispute.objects.filter(invoice=invoice, status=DisputeStatus.OPEN).exists():
        return f"{invoice} has an open dispute; reminders wait until it is resolved."
    return None


@dataclass(frozen=True)
class DueReminder:
    invoice_id: int
    offset: int


def reminders_due(today: dt.date, offsets: Iterable[int]) -> list[DueReminder]:
    """Each unpaid invoice whose schedule step fell due within the catch-up window and was not sent yet.

    The same rule as ``reminder_blocker``, in SQL: not on hold, no open dispute. Per invoice only the
    latest step reached is returned, so a late run sends one reminder, not a backlog.
    """
    latest: dict[int, int] = {}
    for offset in sorted(set(offsets)):
        # due_date + offset ∈ (today - CATCH_UP_DAYS, today]
        newest_due = today - dt.timedelta(days=offset)
        oldest_due = newest_due - dt.timedelta(days=CATCH_UP_DAYS - 1)
        # This step, or a later one, was sent already (a late step never follows a later one).
        sent = Message.objects.filter(invoice_id=OuterRef("pk"), reminder_offset__gte=offset)
        invoices = (
            Invoice.objects.filter(
                direction=Direction.ISSUED, status__in=REMINDABLE_STATUSES, kind__in=REMINDABLE_KINDS,
                due_date__gte=oldest_due, due_date__lte=newest_due, on_hold=False,
            )
            .exclude(open_dispute_exists())
            .exclude(Exists(sent))
        )  # fmt: skip
        for pk in invoices.values_list("pk", flat=True).iterator():
            latest[pk] = offset  # offsets ascend: a later step overrides an earlier one
    return [DueReminder(invoice_id=pk, offset=offset) for pk, offset in sorted(latest.items())]


def invoice_messages(invoice: Invoice) -> QuerySet[Message]:
    return Message.objects.filter(invoice=invoice).order_by("-created_at", "-pk")


def message_list(*, kind: str = "", status: str = "", search: str = "") -> QuerySet[Message]:
    messages = Message.objects.select_related("invoice", "company", "payment").order_by("-created_at", "-pk")
    if kind:
        messages = messages.filter(kind=kind)
    if status:
        messages = messages.filter(status=status)
    if search:
        term = search.strip()
        messages = messages.filter(Q(subject__icontains=term) | Q(company__name__icontains=term) | Q(invoice__number__istartswith=term))
    return messages
