"""Holds, buyer review, delegated approval and rejection of received invoices: each a transition of
``payables.statuses``, one service each, audited.

- On Hold → the AP clerk (``ap.enter``) corrects what was keyed wrongly and matches again
  (``received_invoice_correct``), sends it to the PO's requester (``received_invoice_send_to_buyer``:
  Pending Order Acceptance) or rejects it (``received_invoice_reject``).
- The requester accepts with a comment (``received_invoice_buyer_accept``): within their own approver
  limit the invoice is accepted, above it the invoice goes to Pending Delegated Approval with the
  approver whose limit covers it (the smallest such limit); or rejects it.
- The approver (or the colleague they delegated to for today) approves or rejects, with a comment.
- Rejected is final: the service refuses any further move (``check_transition``) and a database
  trigger refuses any change of a rejected invoice's AP status or reason (migration 0004).

Limits compare with the invoice's total (what would be paid) in the invoice's own currency: a limit is
never converted, an invoice in another currency needs an approver with a limit in that currency. An
approver's delegation hands their approvals, with their limits, to a colleague for a date range.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from invoice_portal.accounts.models import User
from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import Conflict, PermissionDenied, ValidationFailed
from invoice_portal.core.locks import lock_one
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Direction, Invoice, ReceivedStatus, Status
from invoice_portal.invoices.services.documents import invoice_update
from invoice_portal.payables.models import ApprovalStep, ApproverLimit, payables_settings
from invoice_portal.payables.services.emails import notify_step_opened
from invoice_portal.payables.services.received import Route, _apply_route, received_invoice_reroute, received_view
from invoice_portal.payables.statuses import check_transition

Stage, Decision = ApprovalStep.Stage, ApprovalStep.Decision


def user_limit(user: Any, currency: str) -> Decimal | None:
    """``user``'s approval limit in ``currency`` (None: they have none in it; a limit in another currency never counts)."""
    if getattr(user, "pk", None) is None:
        return None
    row = ApproverLimit.objects.filter(user_id=user.pk, currency=currency).first()
    return row.limit if row is not None else None


def approver_for(amount: Decimal, currency: str) -> User | None:
    """The active approver with the smallest limit in ``currency`` that still covers ``amount`` (``ap.approve`` required)."""
    rows = ApproverLimit.objects.filter(currency=currency, limit__gte=amount, user__is_active=True, user__company__isnull=True)
    for row in rows.select_related("user").order_by("limit", "user_id"):
        if user_has_perm(row.user, "ap.approve"):
            return row.user
    return None


def auto_accepts(invoice: Invoice) -> bool:
    """Whether a matched invoice is accepted without a person: no auto-accept limit set, or its total within it.

    The limit is in the operator's default currency and never converted: when it is set, an invoice in
    any other currency goes to an approver with a limit in that currency.
    """
    limit = payables_settings().auto_accept_limit
    if limit is None:
        return True
    return invoice.currency == portal_settings().default_currency and invoice.total <= limit


def acting_for(user: Any, *, on: dt.date | None = None) -> list[int]:
    """The users ``user`` may act for today: themself, and everyone who delegated to them for a period covering today."""
    on = on or timezone.localdate()
    delegators = ApproverLimit.objects.filter(delegate_id=user.pk, delegate_from__lte=on, delegate_until__gte=on)
    return list(dict.fromkeys([user.pk, *delegators.values_list("user_id", flat=True)]))


def approval_route(invoice: Invoice, *, accepted_by: Any, reason: str) -> Route:
    """A matched (or buyer-accepted) invoice: accepted within the limit that applies, else to an approver whose limit covers it.

    Matched automatically (``accepted_by`` None) the limit is the organization's auto-accept limit
    (``auto_accepts``); accepted by a person it is that person's approver limit in the invoice's currency
    (none in it: 0). The approver is found among the limits in the invoice's currency.
    """
    if accepted_by is None:
        if auto_accepts(invoice):
            return Route(ReceivedStatus.ACCEPTED, reason)
    elif invoice.total <= (user_limit(accepted_by, invoice.currency) or Decimal(0)):
        return Route(ReceivedStatus.ACCEPTED, reason)
    approver = approver_for(invoice.total, invoice.currency)
    if approver is None:
        if accepted_by is None:
            return Route(
                ReceivedStatus.ON_HOLD, f"Matched, but no approver's limit covers {invoice.total.normalize():f} {invoice.currency}."
            )
        raise Conflict(f"No approver's limit covers {invoice.total.normalize():f} {invoice.currency}.", code="no_approver")
    return Route(ReceivedStatus.PENDING_DELEGATED_APPROVAL, f"Waiting for approval by {approver.email}.", approver=approver)


def approval_step_open(*, invoice: Invoice, assignee: Any, stage: str = Stage.APPROVAL, comment: str = "") -> ApprovalStep:
    """The step that waits for ``assignee``; they (or their delegate for today) get an email saying so."""
    if assignee is None:
        raise ValidationFailed("Nobody to send the invoice to.")
    step = ApprovalStep.objects.create(invoice=invoice, stage=stage, assignee=assignee)
    notify_step_opened(invoice, assignee=assignee, stage=stage, comment=comment)
    return step


def pending_step(invoice: Invoice) -> ApprovalStep | None:
    return ApprovalStep.objects.filter(invoice=invoice, decision=Decision.PENDING).first()


def _locked_received(invoice: Invoice) -> Invoice:
    invoice = lock_one(Invoice, invoice.pk)
    if invoice.direction != Direction.RECEIVED:
        raise ValidationFailed("Not a received invoice.")
    return invoice


def _comment(comment: str, *, required: bool) -> str:
    comment = (comment or "").strip()[:1000]
    if required and not comment:
        raise ValidationFailed("comment: say why; the next person (or the supplier) reads it.", field="comment")
    return comment


def _require(actor: Any, perm: str, what: str) -> None:
    if getattr(actor, "pk", None) is None or not user_has_perm(actor, perm):
        raise PermissionDenied(f"You may not {what}.", code="forbidden")


def _decide_step(invoice: Invoice, actor: Any, decision: str, comment: str, stage: str) -> ApprovalStep:
    step = pending_step(invoice)
    if step is None or step.stage != stage:
        raise Conflict(f"{invoice} is not waiting for a {Stage(stage).label.lower()}.", code="no_pending_step")
    if step.assignee_id not in acting_for(actor):
        raise PermissionDenied(f"{invoice} waits for {step.assignee.email}, not for you.", code="not_the_assignee")
    step.decision, step.decided_by, step.comment, step.decided_at = decision, actor, comment, timezone.now()
    step.save(update_fields=["decision", "decided_by", "comment", "decided_at"])
    return step


def _move(invoice: Invoice, *, actor: Any, action: str, route: Route, extra: dict[str, Any] | None = None) -> Invoice:
    check_transition(action, invoice.ap_status, route.status, label=str(invoice))
    before = received_view(invoice)
    _apply_route(invoice, route)
    fields = ["ap_status", "ap_reason", "updated_at"]
    if route.status == ReceivedStatus.REJECTED:
        invoice.status, invoice.canceled_at = Status.CANCELED, timezone.now()
        fields += ["status", "canceled_at"]
    invoice.save(update_fields=fields)
    after = {**received_view(invoice), **(extra or {})}
    audit_record(actor=actor, obj=invoice, action=f"received_invoice.{action}", before=before, after=after)
    return invoice


@transaction.atomic
def received_invoice_send_to_buyer(*, actor: Any, invoice: Invoice, comment: str = "") -> Invoice:
    """On Hold → Pending Order Acceptance: the PO's requester reviews the exceptions."""
    _require(actor, "ap.enter", "send invoices to the buyer")
    invoice = _locked_received(invoice)
    check_transition("send_to_buyer", invoice.ap_status, label=str(invoice))
    requester = invoice.order.requester if invoice.order is not None else None
    if requester is None:
        raise ValidationFailed(f"{invoice} has no purchase order with a requester to send it to.")
    comment = _comment(comment, required=False)
    reason = f"Sent to {requester.email} for review: {invoice.ap_reason}"
    moved = _move(invoice, actor=actor, action="send_to_buyer", route=Route(ReceivedStatus.PENDING_ORDER_ACCEPTANCE, reason),
                  extra={"comment": comment})  # fmt: skip
    approval_step_open(invoice=moved, assignee=requester, stage=Stage.BUYER, comment=comment)
    return moved


@transaction.atomic
def received_invoice_buyer_accept(*, actor: Any, invoice: Invoice, comment: str) -> Invoice:
    """The requester accepts the exceptions (with a comment): accepted within their limit, else to an approver."""
    invoice = _locked_received(invoice)
    check_transition("buyer_accept", invoice.ap_status, label=str(invoice))
    comment = _comment(comment, required=True)
    _decide_step(invoice, actor, Decision.ACCEPTED, comment, Stage.BUYER)
    route = approval_route(invoice, accepted_by=actor, reason=f"Accepted by {actor.email}: {comment}")
    return _move(invoice, actor=actor, action="buyer_accept", route=route, extra={"comment": comment})


@transaction.atomic
def received_invoice_approve(*, actor: Any, invoice: Invoice, comment: str = "") -> Invoice:
    """Pending Delegated Approval → Invoice Accepted, by the assigned approver or their delegate for today."""
    _require(actor, "ap.approve", "approve invoices")
    invoice = _locked_received(invoice)
    check_transition("approve", invoice.ap_status, label=str(invoice))
    comment = _comment(comment, required=False)
    _decide_step(invoice, actor, Decision.ACCEPTED, comment, Stage.APPROVAL)
    reason = f"Approved by {actor.email}" + (f": {comment}" if comment else ".")
    return _move(invoice, actor=actor, action="approve", route=Route(ReceivedStatus.ACCEPTED, reason), extra={"comment": comment})


@transaction.atomic
def received_invoice_reject(*, actor: Any, invoice: Invoice, comment: str) -> Invoice:
    """Rejected (final) with a comment the supplier sees: by AP from On Hold, by the buyer or the approver waiting on it."""
    invoice = _locked_received(invoice)
    check_transition("reject", invoice.ap_status, label=str(invoice))
    comment = _comment(comment, required=True)
    if invoice.ap_status == ReceivedStatus.ON_HOLD:
        _require(actor, "ap.enter", "reject invoices on hold")
    else:
        stage = Stage.BUYER if invoice.ap_status == ReceivedStatus.PENDING_ORDER_ACCEPTANCE else Stage.APPROVAL
        _decide_step(invoice, actor, Decision.REJECTED, comment, stage)
    return _move(invoice, actor=actor, action="reject", route=Route(ReceivedStatus.REJECTED, comment), extra={"comment": comment})


@transaction.atomic
def received_invoice_correct(*, actor: Any, invoice: Invoice, lines: list[dict[str, Any]] | None = None) -> Invoice:
    """On Hold: AP corrects what was keyed wrongly (lines; the content is re-sealed) and matches again."""
    _require(actor, "ap.enter", "correct invoices")
    invoice = _locked_received(invoice)
    check_transition("rematch", invoice.ap_status, label=str(invoice))
    if invoice.ap_status != ReceivedStatus.ON_HOLD:
        raise Conflict(f"{invoice} is not on hold.", code="not_on_hold")
    if lines is not None:
        invoice = invoice_update(actor=actor, invoice=invoice, lines=lines)
    return received_invoice_reroute(actor=actor, invoice=lock_one(Invoice, invoice.pk), action="rematch")


def approval_queue(user: Any) -> Any:
    """Steps waiting for ``user`` (or for those who delegated to them today), oldest first."""
    return (
        ApprovalStep.objects.filter(decision=Decision.PENDING, assignee_id__in=acting_for(user))
        .filter(Q(stage=Stage.BUYER) | Q(stage=Stage.APPROVAL))
        .select_related("invoice", "invoice__company", "assignee")
        .order_by("created_at")
    )
