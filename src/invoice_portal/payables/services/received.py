"""Received invoices: create, submit (route), re-route, cancel; supplier credit invoices.

A received invoice is an ``invoices.Invoice`` with ``direction="received"``: its company is
the supplier, its number the supplier's own (unique per supplier), its order the purchase
order it bills. Totals, lines, audit and seal are the issued side's, written by the same
functions (``invoices.services.documents``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from invoice_portal.audit.services import audit_record, seal_append
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict, PermissionDenied, ValidationFailed
from invoice_portal.core.locks import lock_one
from invoice_portal.invoices.models import Direction, Invoice, Kind, ReceivedStatus, Source, Status
from invoice_portal.invoices.services.documents import check_credited_within_total, invoice_audit_view, invoice_content, invoice_create
from invoice_portal.orders.models import Direction as OrderDirection
from invoice_portal.orders.models import Order, OrderLine, OrderSource, PurchaseOrderStatus
from invoice_portal.payables.matching import Outcome
from invoice_portal.payables.models import ApprovalStep, payables_settings
from invoice_portal.payables.services.emails import notify_on_hold, notify_rejected
from invoice_portal.payables.services.matching import invoice_match
from invoice_portal.payables.services.matching import invoiced_by_line as matching_invoiced_by_line
from invoice_portal.payables.services.purchase_orders import check_supplier
from invoice_portal.payables.statuses import LIVE, check_transition

INTAKE_SOURCES = (Source.SUPPLIER_PORTAL, Source.MANUAL, Source.API, Source.UBL, Source.CII, Source.ERP, Source.CSV)


class DuplicateSupplierNumber(Conflict):
    code = "duplicate_supplier_number"


@dataclass(frozen=True)
class Route:
    status: ReceivedStatus
    reason: str = ""
    approver: Any = None  # who approves, when ``status`` is pending delegated approval


def received_view(invoice: Invoice) -> dict[str, Any]:
    return {**invoice_audit_view(invoice), "ap_status": invoice.ap_status, "ap_reason": invoice.ap_reason}


def invoiced_by_line(order: Order) -> dict[int, Decimal]:
    """Quantity billed so far per PO line by the live received invoices on ``order`` (credit invoices not subtracted)."""
    return matching_invoiced_by_line(order)


def received_invoice_route(invoice: Invoice) -> Route:
    """Where a submitted received invoice goes next: THE routing rule of AP, on three-way matching.

    - a credit invoice (its total was checked against the invoice it credits) is accepted;
    - no purchase order, or a non-invoice order → on hold, with the reason (a non-invoice
      order is recorded and marked, never paid);
    - otherwise ``payables.matching`` decides, line by line, and each line's result is stored:
      billed beyond what was received while the PO still waits for goods → pending receiving
      (the next receipt routes it again); any exception → on hold, each named; everything
      within tolerance → accepted, or pending delegated approval when its total is above the
      organization's auto-accept limit (``approval.approval_route``).
    """
    from invoice_portal.payables.services.approval import approval_route

    if invoice.kind == Kind.CREDIT_NOTE:
        return Route(ReceivedStatus.ACCEPTED)
    order = invoice.order
    if order is None:
        return Route(ReceivedStatus.ON_HOLD, "No purchase order: link one or create a retrofit order.")
    if order.no_invoice_expected:
        return Route(ReceivedStatus.ON_HOLD, f"Non-invoice order {order.po_number}: recorded, never paid.")
    result = invoice_match(invoice)
    if result.outcome == Outcome.NOT_RECEIVED:
        return Route(ReceivedStatus.PENDING_RECEIVING, result.summary())
    if result.outcome == Outcome.EXCEPTION:
        return Route(ReceivedStatus.ON_HOLD, result.summary())
    return approval_route(invoice, accepted_by=None, reason=result.summary())


def _check_order(order: Order, supplier: Company, currency: str) -> None:
    if order.direction != OrderDirection.PURCHASE:
        raise ValidationFailed("order: not a purchase order.", field="order")
    if order.company_id != supplier.pk:
        raise ValidationFailed("order: a purchase order of another supplier.", field="order")
    if order.po_status == PurchaseOrderStatus.CANCELED:
        raise ValidationFailed(f"order: purchase order {order.po_number} is canceled.", field="order")
    if order.currency != currency:
        raise ValidationFailed(f"currency: the purchase order is in {order.currency}.", field="currency")


def _check_lines_on_order(lines: list[dict[str, Any]], order: Order | None) -> None:
    own = set(OrderLine.objects.filter(order=order).values_list("pk", flat=True)) if order is not None else set()
    for i, raw in enumerate(lines):
        ref = raw.get("order_line_id", raw.get("order_line"))
        ref = getattr(ref, "pk", ref)
        if ref in (None, ""):
            continue
        try:
            ok = int(ref) in own
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValidationFailed(f"lines[{i}].order_line: not a line of the invoice's purchase order.", field=f"lines[{i}].order_line")


@transaction.atomic
def received_invoice_create(
    *,
    actor: Any,
    supplier: Company,
    number: str,
    lines: list[dict[str, Any]],
    issue_date: dt.date | None = None,
    due_date: dt.date | None = None,
    currency: str | None = None,
    order: Order | None = None,
    source: str = Source.SUPPLIER_PORTAL,
    kind: str = Kind.INVOICE,
    related_invoice: Invoice | None = None,
    discount: Any = "0",
    notes: str = "",
    external_id: str | None = None,
    submit: bool = True,
    allow_discount: bool = False,
    discount_tax_category: str = "",
    discount_tax_rate: Any = None,
) -> Invoice:
    """Record a supplier's invoice (or credit invoice) with the supplier's own number, and submit it.

    The number is unique per supplier (also in the database). A discount (gross − discount =
    net payable) needs the discount setting, unless the document states its own (``allow_discount``: an
    e-invoice's allowance). A credit invoice refers to a live received invoice
    of the same supplier and credits at most its total.
    """
    check_supplier(supplier)
    number = (number or "").strip()
    if not number:
        raise ValidationFailed("number: the supplier's invoice number is required.", field="number")
    if len(number) > 50:
        raise ValidationFailed("number: at most 50 characters.", field="number")
    if source not in INTAKE_SOURCES:
        raise ValidationFailed(f"source: one of {', '.join(INTAKE_SOURCES)}.", field="source")
    if kind not in (Kind.INVOICE, Kind.CREDIT_NOTE):
        raise ValidationFailed("kind: invoice or credit_note.", field="kind")
    currency = currency or (order.currency if order is not None else supplier.currency)
    if order is not None:
        order = lock_one(Order, order.pk)  # a cancel of the PO at the same moment waits, then sees this invoice
        _check_order(order, supplier, currency)
    _check_lines_on_order(lines, order)
    if not allow_discount and discount not in (None, "", "0", 0) and not payables_settings().discounts_enabled:
        raise ValidationFailed("discount: invoice discounts are switched off in the AP settings.", field="discount")
    if kind == Kind.CREDIT_NOTE:
        if related_invoice is None:
            raise ValidationFailed("related_invoice: a credit invoice credits one of the supplier's invoices.", field="related_invoice")
        related_invoice = lock_one(Invoice, related_invoice.pk)
        if related_invoice.direction != Direction.RECEIVED or related_invoice.kind != Kind.INVOICE:
            raise ValidationFailed("related_invoice: not a received invoice.", field="related_invoice")
        if related_invoice.ap_status not in LIVE:
            raise ValidationFailed(
                f"related_invoice: {related_invoice} is {related_invoice.get_ap_status_display().lower()}.", field="related_invoice"
            )
        order = order or related_invoice.order
    elif related_invoice is not None:
        raise ValidationFailed("related_invoice: only a credit invoice refers to another invoice.", field="related_invoice")
    if Invoice.objects.filter(direction=Direction.RECEIVED, company=supplier, number__iexact=number).exists():
        raise DuplicateSupplierNumber(f"number: {supplier} already sent an invoice numbered {number}.", field="number")
    header: dict[str, Any] = {
        "issue_date": issue_date or timezone.localdate(),
        "due_date": due_date,
        "discount": discount or "0",
        "notes": notes,
    }
    if header["due_date"] is None:
        header["due_date"] = header["issue_date"] + dt.timedelta(days=supplier.payment_terms_days)
    try:
        with transaction.atomic():
            invoice = invoice_create(
                actor=actor, company=supplier, lines=lines, kind=kind, direction=Direction.RECEIVED, source=source, currency=currency,
                order=order, related_invoice=related_invoice, external_id=external_id, **header,
            )  # fmt: skip
            invoice.number, invoice.ap_status = number, ReceivedStatus.DRAFT
            invoice.save(update_fields=["number", "ap_status", "updated_at"])
    except IntegrityError:
        # Another request recorded the same supplier number between the check and the insert.
        raise DuplicateSupplierNumber(f"number: {supplier} already sent an invoice numbered {number}.", field="number") from None
    if not invoice.lines.exists():
        raise ValidationFailed("lines: an invoice has at least one line.", field="lines")
    if kind == Kind.CREDIT_NOTE:
        assert related_invoice is not None
        check_credited_within_total(related_invoice)
    if submit:
        invoice = received_invoice_submit(actor=actor, invoice=invoice)
    return invoice


def _apply_route(invoice: Invoice, route: Route) -> None:
    """Put ``invoice`` where ``route`` says, open the approval step it needs, and email the next person.

    Arriving on hold emails the reviewers (not again while it stays on hold); an approval step emails
    its assignee (``approval_step_open``); a rejection emails the supplier (``payables.services.emails``).
    """
    from invoice_portal.payables.services.approval import approval_step_open

    previous = invoice.ap_status
    invoice.ap_status, invoice.ap_reason = route.status, route.reason[:500]
    if route.status == ReceivedStatus.PENDING_DELEGATED_APPROVAL:
        approval_step_open(invoice=invoice, assignee=route.approver)
    elif route.status == ReceivedStatus.ON_HOLD and previous != ReceivedStatus.ON_HOLD:
        notify_on_hold(invoice)
    elif route.status == ReceivedStatus.REJECTED:
        notify_rejected(invoice)


@transaction.atomic
def received_invoice_submit(*, actor: Any, invoice: Invoice) -> Invoice:
    """Draft → the first status: pending initial acceptance for a retrofit order, else ``received_invoice_route``.

    From here on the invoice is live money we may owe (``status`` open) and its content is sealed.
    """
    invoice = lock_one(Invoice, invoice.pk)
    check_transition("submit", invoice.ap_status, label=str(invoice))
    before = received_view(invoice)
    if invoice.order is not None and invoice.order.source == OrderSource.RETROFIT and invoice.kind == Kind.INVOICE:
        route = Route(ReceivedStatus.PENDING_INITIAL_ACCEPTANCE, "Retrofit order: waiting for the requester to accept it.")
    else:
        route = received_invoice_route(invoice)
    check_transition("submit", invoice.ap_status, route.status, label=str(invoice))
    _apply_route(invoice, route)
    invoice.status, invoice.submitted_at = Status.OPEN, timezone.now()
    invoice.save(update_fields=["ap_status", "ap_reason", "status", "submitted_at", "updated_at"])
    seal_append(invoice_id=invoice.pk, version=invoice.version, content=invoice_content(invoice))
    audit_record(actor=actor, obj=invoice, action="received_invoice.submit", before=before, after=received_view(invoice))
    return invoice


def received_invoice_reroute(*, actor: Any, invoice: Invoice, action: str) -> Invoice:
    """Route a locked invoice again (``rematch`` after a receipt, ``retrofit_accept``); audited when it moves."""
    check_transition(action, invoice.ap_status, label=str(invoice))
    route = received_invoice_route(invoice)
    check_transition(action, invoice.ap_status, route.status, label=str(invoice))
    if (route.status, route.reason) == (invoice.ap_status, invoice.ap_reason):
        return invoice
    before = received_view(invoice)
    _apply_route(invoice, route)
    invoice.save(update_fields=["ap_status", "ap_reason", "updated_at"])
    audit_record(actor=actor, obj=invoice, action=f"received_invoice.{action}", before=before, after=received_view(invoice))
    return invoice


def received_invoices_rematch(*, actor: Any, order: Order) -> list[Invoice]:
    """After a receipt: route again every invoice of ``order`` waiting in Pending Receiving (oldest first)."""
    moved = []
    waiting = Invoice.objects.filter(order=order, direction=Direction.RECEIVED, ap_status=ReceivedStatus.PENDING_RECEIVING)
    for pk in waiting.order_by("pk").values_list("pk", flat=True):
        invoice = lock_one(Invoice, pk)
        if invoice.ap_status == ReceivedStatus.PENDING_RECEIVING:
            moved.append(received_invoice_reroute(actor=actor, invoice=invoice, action="rematch"))
    return moved


@transaction.atomic
def received_invoice_cancel(*, actor: Any, invoice: Invoice, reason: str = "") -> Invoice:
    """Canceled by its creator before it is approved (the seed's rule); its supplier number stays used."""
    invoice = lock_one(Invoice, invoice.pk)
    if invoice.direction != Direction.RECEIVED:
        raise ValidationFailed("Not a received invoice.")
    if getattr(actor, "pk", None) is None or invoice.created_by_id != actor.pk:
        raise PermissionDenied(f"Only the person who entered {invoice} can cancel it.", code="not_the_creator")
    check_transition("cancel", invoice.ap_status, label=str(invoice))
    if invoice.allocated_total:
        raise Conflict(f"{invoice} has payments allocated to it.", code="invoice_has_allocations")
    credits = invoice.memos.filter(direction=Direction.RECEIVED).exclude(ap_status__in=[ReceivedStatus.CANCELED, ReceivedStatus.REJECTED])
    if credits.exists():
        raise Conflict(f"{invoice} has live credit invoices; cancel them first.", code="invoice_has_credits")
    before = received_view(invoice)
    invoice.ap_status, invoice.ap_reason = ReceivedStatus.CANCELED, (reason or "Canceled by its creator.")[:500]
    invoice.status, invoice.canceled_at = Status.CANCELED, timezone.now()
    invoice.save(update_fields=["ap_status", "ap_reason", "status", "canceled_at", "updated_at"])
    ApprovalStep.objects.filter(invoice=invoice, decision=ApprovalStep.Decision.PENDING).update(
        decision=ApprovalStep.Decision.CANCELED, decided_by=actor, decided_at=timezone.now()
    )
    audit_record(actor=actor, obj=invoice, action="received_invoice.cancel", before=before, after=received_view(invoice))
    return invoice


def received_invoices_sweep(*, actor: Any = None) -> list[Invoice]:
    """Match again every invoice waiting in Pending Receiving (one transaction each): catches any a receipt missed."""
    moved = []
    waiting = Invoice.objects.filter(direction=Direction.RECEIVED, ap_status=ReceivedStatus.PENDING_RECEIVING)
    for pk in waiting.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            invoice = lock_one(Invoice, pk)
            if invoice.ap_status != ReceivedStatus.PENDING_RECEIVING:
                continue
            after = received_invoice_reroute(actor=actor, invoice=invoice, action="rematch")
            if after.ap_status != ReceivedStatus.PENDING_RECEIVING:
                moved.append(after)
    return moved
