"""AP reads. Scoping happens here, once: every AP page and API read goes through the two
``*_visible_to`` selectors (AP staff see everything; a supplier's users see their own company's).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from invoice_portal.accounts.models import User
from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.companies.models import Company
from invoice_portal.core.money import ZERO
from invoice_portal.invoices.models import Direction as InvoiceDirection
from invoice_portal.invoices.models import Invoice, InvoiceLine, Kind, ReceivedStatus
from invoice_portal.orders.models import Direction, Order, OrderLine, PurchaseOrderStatus, Receipt
from invoice_portal.payables.models import EInvoiceIntake, IntakeStatus, ReceivedAttachment

OPEN_PO = (PurchaseOrderStatus.OPEN, PurchaseOrderStatus.PARTLY_RECEIVED, PurchaseOrderStatus.RECEIVED)


def _active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_supplier_user(user: Any) -> bool:
    return _active(user) and user.company_id is not None and user_has_perm(user, "supplier.view")


def purchase_orders_visible_to(user: Any) -> QuerySet[Order]:
    """Purchase orders ``user`` may see: all with ``ap.view`` (staff), their own company's as a supplier user."""
    orders = Order.objects.filter(direction=Direction.PURCHASE)
    if not _active(user):
        return orders.none()
    if user.company_id is None:
        return orders if user_has_perm(user, "ap.view") else orders.none()
    return orders.filter(company_id=user.company_id) if user_has_perm(user, "supplier.view") else orders.none()


def received_invoices_visible_to(user: Any) -> QuerySet[Invoice]:
    """Received documents ``user`` may see: all with ``ap.view`` (staff), their own company's as a supplier user."""
    documents = Invoice.objects.filter(direction=InvoiceDirection.RECEIVED)
    if not _active(user):
        return documents.none()
    if user.company_id is None:
        return documents if user_has_perm(user, "ap.view") else documents.none()
    return documents.filter(company_id=user.company_id) if user_has_perm(user, "supplier.view") else documents.none()


def supplier_choices() -> QuerySet[Company]:
    """The companies AP may address a purchase order or an invoice to."""
    return Company.objects.filter(is_supplier=True).order_by("name")


def requester_choices() -> QuerySet[User]:
    """Our active staff: who may request a purchase order (and accept its retrofit or review its invoices)."""
    return User.objects.filter(company__isnull=True, is_active=True).order_by("email")


def staff_member_by_email(email: str) -> User | None:
    """The active member of our staff with this email address, or None."""
    return User.objects.filter(email=email.strip().lower(), company__isnull=True, is_active=True).first() if email else None


def waiting_einvoices() -> QuerySet[EInvoiceIntake]:
    """E-invoices from senders who are no supplier of ours yet, oldest first (without their XML)."""
    return EInvoiceIntake.objects.filter(status=IntakeStatus.WAITING).defer("xml").order_by("pk")


def retrofit_orders_for(user: Any) -> QuerySet[Order]:
    """Retrofit orders whose invoices wait for ``user`` (their requester) to accept or reject them."""
    if not _active(user) or user.company_id is not None:
        return Order.objects.none()
    waiting = Invoice.objects.filter(direction=InvoiceDirection.RECEIVED, ap_status=ReceivedStatus.PENDING_INITIAL_ACCEPTANCE)
    return Order.objects.filter(direction=Direction.PURCHASE, requester=user, invoices__in=waiting).distinct().select_related("company")


@dataclass(frozen=True)
class ApFilters:
    supplier: str = ""  # name (contains) or external id (exact)
    supplier_id: int | None = None
    po: str = ""  # PO number (contains)
    number: str = ""  # supplier's invoice number (contains)
    status: str = ""
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


def received_invoice_list(base: QuerySet[Invoice], f: ApFilters) -> QuerySet[Invoice]:
    qs = base.select_related("company", "order")
    if f.supplier:
        qs = qs.filter(Q(company__name__icontains=f.supplier) | Q(company__external_id=f.supplier))
    if f.supplier_id:
        qs = qs.filter(company_id=f.supplier_id)
    if f.po:
        qs = qs.filter(order__po_number__icontains=f.po)
    if f.number:
        qs = qs.filter(number__icontains=f.number)
    if f.status:
        qs = qs.filter(ap_status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.date_from:
        qs = qs.filter(issue_date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(issue_date__lte=f.date_to)
    if f.amount_min is not None:
        qs = qs.filter(total__gte=f.amount_min)
    if f.amount_max is not None:
        qs = qs.filter(total__lte=f.amount_max)
    return qs.order_by("-pk")


def status_counts(base: QuerySet[Invoice]) -> dict[str, int]:
    counts = dict(base.values_list("ap_status").annotate(n=Count("pk")).order_by())
    return {s.value: counts.get(s.value, 0) for s in ReceivedStatus}


def purchase_order_list(base: QuerySet[Order], *, q: str = "", status: str = "", supplier_id: int | None = None) -> QuerySet[Order]:
    qs = base.select_related("company", "requester")
    if q:
        qs = qs.filter(Q(po_number__icontains=q) | Q(company__name__icontains=q) | Q(external_id=q))
    if status:
        qs = qs.filter(po_status=status)
    if supplier_id:
        qs = qs.filter(company_id=supplier_id)
    return qs.order_by("-order_date", "-pk")


@dataclass(frozen=True)
class PoLineView:
    line: OrderLine
    received: Decimal
    invoiced: Decimal

    @property
    def open_to_receive(self) -> Decimal:
        return max(self.line.quantity - self.received, ZERO)


def po_line_views(order: Order) -> list[PoLineView]:
    """Each PO line with what was received and what live invoices billed on it (two grouped queries)."""
    from invoice_portal.payables.services.received import invoiced_by_line

    received = dict(Receipt.objects.filter(order_line__order=order).values_list("order_line_id").annotate(s=Sum("quantity")).order_by())
    invoiced = invoiced_by_line(order)
    return [PoLineView(ln, received.get(ln.pk) or ZERO, invoiced.get(ln.pk, ZERO)) for ln in order.lines.order_by("line_no")]


def po_receipts(order: Order) -> list[Receipt]:
    return list(Receipt.objects.filter(order_line__order=order).select_related("order_line", "received_by").order_by("received_on", "pk"))


def po_invoices(order: Order, base: QuerySet[Invoice]) -> list[Invoice]:
    return list(base.filter(order=order).order_by("-pk"))


def purchase_order_for(user: Any, pk: int) -> Order | None:
    """One purchase order ``user`` may see (the AP and supplier pages' and the API's single lookup), or None."""
    return purchase_orders_visible_to(user).select_related("company", "requester").filter(pk=pk).first()


def received_invoice_for(user: Any, pk: int) -> Invoice | None:
    """One received document ``user`` may see, with its lines and PO, or None."""
    return received_invoice_detail(received_invoices_visible_to(user), pk)


def received_invoice_detail(base: QuerySet[Invoice], pk: int) -> Invoice | None:
    lines = InvoiceLine.objects.select_related("order_line").order_by("line_no")
    return (
        base.select_related("company", "order", "order__requester", "related_invoice", "created_by")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .filter(pk=pk)
        .first()
    )


def receipts_by_po_line(invoice: Invoice) -> dict[int, Decimal]:
    ids = [ln.order_line_id for ln in invoice.lines.all() if ln.order_line_id]
    rows = Receipt.objects.filter(order_line_id__in=ids).values_list("order_line_id").annotate(s=Sum("quantity")).order_by()
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    out.update(dict(rows))
    return out


def attachments_of(invoice: Invoice) -> list[ReceivedAttachment]:
    return list(ReceivedAttachment.objects.filter(invoice=invoice).defer("content").order_by("pk"))


def attachment_of(invoice: Invoice, attachment_pk: int) -> ReceivedAttachment | None:
    """One file of ``invoice`` (which the caller already found through its own scoping), or None."""
    return ReceivedAttachment.objects.filter(invoice=invoice, pk=attachment_pk).first()


def attachment_content_type(attachment: ReceivedAttachment) -> str:
    return "application/pdf" if attachment.kind == "pdf" else "application/xml"


def supplier_amounts(company_id: int) -> dict[str, Decimal]:
    """What a supplier is owed: accepted (or exported) and unpaid, by currency."""
    rows = (
        Invoice.objects.filter(direction=InvoiceDirection.RECEIVED, company_id=company_id, kind=Kind.INVOICE,
                               ap_status__in=[ReceivedStatus.ACCEPTED, ReceivedStatus.DOWNLOADED])
        .values_list("currency").annotate(s=Sum("balance")).order_by("currency")
    )  # fmt: skip
    return {c: s for c, s in rows if s}
