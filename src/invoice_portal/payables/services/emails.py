"""Emails of accounts payable: to the next person in the chain, and to the supplier on rejection.

Each is a ``notifications`` outbox row written in the transition's own transaction (delivered by the
worker after commit; nothing is sent if the transition rolls back):

- an invoice goes **on hold** → the staff who may review it (active staff whose role grants ``ap.enter``,
  the Create Invoice role); once per arrival on hold, not again while it stays there;
- it is **sent to the requester** (buyer review) or **routed for approval** → the step's assignee, or,
  while that person has delegated their approvals for today, their delegate instead;
- it is **rejected** (final) → the supplier: its billing address, else its active users who may see its
  invoices, plus a supplier user who submitted it; the comment is in the email.

Recipients are always read from the invoice's own supplier (for the supplier) or our own staff
(company empty): nobody of another company is ever addressed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from invoice_portal.accounts.models import RoleGrant, User
from invoice_portal.core.money import format_money
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Invoice
from invoice_portal.notifications.models import Message, MessageKind
from invoice_portal.notifications.services import message_queue

REVIEW_PERMISSION = "ap.enter"
SUPPLIER_READ_PERMISSION = "supplier.view"


def _unique(addresses: list[str]) -> list[str]:
    return list(dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()))


def _users_with(permission: str, *, company_id: int | None) -> list[str]:
    roles = RoleGrant.objects.filter(permission=permission).values_list("role_id", flat=True)
    users = User.objects.filter(is_active=True, role_id__in=roles)
    users = users.filter(company__isnull=True) if company_id is None else users.filter(company_id=company_id)
    return _unique(list(users.order_by("email").values_list("email", flat=True)))


def reviewers() -> list[str]:
    """Our staff who review held invoices (the Create Invoice role: ``ap.enter``)."""
    return _users_with(REVIEW_PERMISSION, company_id=None)


def acting_person(user: Any) -> Any:
    """Who acts for ``user`` today: their delegate while a delegation covers today (and the delegate is active), else themself."""
    from invoice_portal.payables.models import ApproverLimit

    today = timezone.localdate()
    row = (
        ApproverLimit.objects.filter(user_id=user.pk, delegate__isnull=False, delegate_from__lte=today, delegate_until__gte=today)
        .select_related("delegate")
        .first()
    )
    if row is not None and row.delegate is not None and row.delegate.is_active and row.delegate.company_id is None:
        return row.delegate
    return user


def supplier_recipients(invoice: Invoice) -> list[str]:
    """The supplier's billing address, else its users who see its invoices; plus the supplier user who submitted it."""
    supplier = invoice.company
    creator = invoice.created_by
    extra = [creator.email] if creator is not None and creator.is_active and creator.company_id == supplier.pk else []
    if supplier.email:
        return _unique([supplier.email, *extra])
    return _unique([*_users_with(SUPPLIER_READ_PERMISSION, company_id=supplier.pk), *extra])


def _render(template: str, **context: Any) -> str:
    return render_to_string(f"payables/email/{template}.txt", {"seller": portal_settings(), **context}).strip() + "\n"


def _ap_url(invoice: Invoice) -> str:
    return f"{settings.PORTAL_BASE_URL}{reverse('ap:ap_invoice_detail', args=[invoice.pk])}"


def _amount(invoice: Invoice) -> str:
    return format_money(invoice.total, invoice.currency)


def notify_on_hold(invoice: Invoice) -> Message:
    """An invoice arrived on hold: the reviewers decide (correct and match again, send to the requester, or reject)."""
    return message_queue(
        kind=MessageKind.AP_REVIEW, to=reviewers(), invoice=invoice,
        subject=f"On hold: invoice {invoice.number} from {invoice.company.name} ({_amount(invoice)})",
        body=_render("next_person", invoice=invoice, comment="",
                     headline=f"invoice {invoice.number} from {invoice.company.name} is on hold and waits for a review.",
                     action="Correct and match it again, send it to the requester, or reject it", url=_ap_url(invoice)),
    )  # fmt: skip


def notify_step_opened(invoice: Invoice, *, assignee: Any, stage: str, comment: str = "") -> Message:
    """A buyer review or an approval waits for ``assignee`` (or the colleague acting for them today)."""
    from invoice_portal.payables.models import ApprovalStep

    person = acting_person(assignee)
    on_behalf = f" (on behalf of {assignee.email}, who delegated to you)" if person.pk != assignee.pk else ""
    if stage == ApprovalStep.Stage.BUYER:
        kind, verb, action = MessageKind.AP_REVIEW, "review", "Accept it (with a comment) or reject it"
    else:
        kind, verb, action = MessageKind.AP_APPROVAL, "approve", "Approve or reject it"
    return message_queue(
        kind=kind, to=_unique([person.email]), invoice=invoice, recipient_user=person,
        subject=f"Please {verb}: invoice {invoice.number} from {invoice.company.name} ({_amount(invoice)})",
        body=_render("next_person", invoice=invoice, comment=comment,
                     headline=f"invoice {invoice.number} from {invoice.company.name} waits for you to {verb} it{on_behalf}.",
                     action=action, url=_ap_url(invoice)),
    )  # fmt: skip


def notify_rejected(invoice: Invoice) -> Message:
    """Tell the supplier their invoice is rejected, with the comment (``ap_reason``)."""
    url = f"{settings.PORTAL_BASE_URL}{reverse('supplier:invoice_detail', args=[invoice.pk])}"
    return message_queue(
        kind=MessageKind.AP_REJECTED, to=supplier_recipients(invoice), invoice=invoice, company=invoice.company,
        subject=f"Your invoice {invoice.number} is rejected",
        body=_render("rejected", invoice=invoice, url=url),
    )  # fmt: skip
