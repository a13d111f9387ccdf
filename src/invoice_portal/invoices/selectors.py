"""Reads of invoice documents: lines with their statuses, the buyer scope, the dashboard filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.utils import timezone

from invoice_portal.core.ids import parse_id
from invoice_portal.core.pagination import CAP, counted
from invoice_portal.invoices.line_statuses import header_status, invoice_line_grosses
from invoice_portal.invoices.models import (
    CustomerLineStatus,
    Direction,
    Dispute,
    DisputeStatus,
    EnterpriseLineStatus,
    Invoice,
    InvoiceLine,
    Kind,
    Source,
    Status,
)
from invoice_portal.orders.models import OrderSource

if TYPE_CHECKING:
    from invoice_portal.invoices.wording import Wording


@dataclass(frozen=True)
class LineView:
    """A line with its share of the total and its two stored statuses (``invoices.line_statuses``)."""

    line: InvoiceLine
    gross: Decimal

    @property
    def code(self) -> str:
        return self.line.customer_status

    @property
    def customer_status(self) -> str:
        return CustomerLineStatus(self.line.customer_status).label

    @property
    def customer_colour(self) -> str:
        return CustomerLineStatus.colour(self.line.customer_status)

    @property
    def enterprise_code(self) -> str:
        return self.line.enterprise_status

    @property
    def seller_status(self) -> str:
        return EnterpriseLineStatus(self.line.enterprise_status).label

    @property
    def enterprise_colour(self) -> str:
        return EnterpriseLineStatus.colour(self.line.enterprise_status)


def open_disputes() -> QuerySet[Dispute]:
    return Dispute.objects.filter(status=DisputeStatus.OPEN)


def with_flags(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate the derived badges: ``has_open_dispute`` (and ``is_overdue`` is a property)."""
    return invoices.annotate(has_open_dispute=Exists(open_disputes().filter(invoice=OuterRef("pk"))))


def overdue(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.filter(status__in=[Status.OPEN, Status.PARTIALLY_PAID], due_date__lt=timezone.localdate())


def line_views(invoice: Invoice, lines: Iterable[InvoiceLine] | None = None) -> list[LineView]:
    """Each line with its share of the total (VAT and discount included) and its customer and enterprise status.

    A caller that has the document's lines already passes them, to spare reading them again.
    """
    rows = sorted(lines, key=lambda ln: ln.line_no) if lines is not None else list(invoice.lines.order_by("line_no"))
    return [LineView(line=row, gross=gross) for row, gross in zip(rows, invoice_line_grosses(invoice, rows), strict=True)]


def invoice_summary_status(invoice: Invoice, views: list[LineView] | None = None, wording: Wording | None = None) -> str:
    """The invoice's status as the seed's table 5 summarizes its lines (``line_statuses.header_status``); a credit
    note has no line statuses and reads its own status.

    Pass the ``line_views`` a page has computed already to spare reading the lines again, and the request's
    ``wording`` to read a credit note's (or a zero-total document's) status in the Admin's words."""
    if invoice.kind == Kind.CREDIT_NOTE or invoice.nothing_to_pay:
        return wording.of(invoice) if wording is not None else invoice.status_label
    rows = [v.line for v in views] if views is not None else list(invoice.lines.all())
    return header_status([(ln.customer_status, ln.enterprise_status) for ln in rows]).label


# --- Scoping: the one door every buyer-facing read goes through ------------------------------------


def invoices_visible_to(user: Any, permission: str = "portal.view") -> QuerySet[Invoice]:
    """The issued documents ``user`` may see under ``permission``.

    Seller staff with ``invoices.view`` see every document. A company user sees, at the
    level their role grants the permission: the invoices of orders they placed (own), their
    company's (company), or their company's and its subsidiaries' (tree) — never a company
    outside that tree, and never drafts. Anyone else sees nothing.
    """
    from invoice_portal.accounts.permissions import Level
    from invoice_portal.accounts.selectors import user_has_perm, user_perm_level
    from invoice_portal.companies.selectors import company_tree_ids

    documents = Invoice.objects.filter(direction=Direction.ISSUED)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return documents.none()
    if user.company_id is None:
        return documents if user_has_perm(user, "invoices.view") else documents.none()
    level = user_perm_level(user, permission)
    if level is None:
        return documents.none()
    documents = documents.exclude(status=Status.DRAFT)
    if level is Level.OWN:
        return documents.filter(company_id=user.company_id, order__placed_by=user)
    if level is Level.COMPANY:
        return documents.filter(company_id=user.company_id)
    return documents.filter(company_id__in=company_tree_ids(user.company_id))


# --- Dashboard filters, shared by the seller pages, the buyer portal, the API and CSV exports ---------


@dataclass(frozen=True)
class InvoiceFilters:
    number: str = ""
    customer: str = ""  # company name (contains) or external id (exact)
    company_id: int | None = None
    order: str = ""  # order id or the order's external id
    status: str = ""
    kind: str = ""
    direction: str = ""
    source: str = ""
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    overdue: bool | None = None
    disputed: bool | None = None
    on_hold: bool | None = None  # collection hold on an unpaid invoice (no reminders)
    tab: str = ""  # buyer portal: "web" (store orders), "erp", or "" for all
    sort: str = "-issue_date"


# The portal's Web / ERP tabs (seed 001), decided by who created the invoice, never by the order alone:
# ERP = created by the ERP (pushed or imported), whether or not it is for a web order; Web = created here for a
# store order. So an ERP invoice for a store order is in ERP only, and no invoice is in both tabs.
ERP_TAB = Q(source__in=[Source.ERP, Source.CSV])
WEB_TAB = Q(order__source=OrderSource.BIGCOMMERCE) & ~ERP_TAB
TABS = {"web": WEB_TAB, "erp": ERP_TAB}

SORTS = {
    "issue_date": ("issue_date", "id"), "-issue_date": ("-issue_date", "-id"),
    "due_date": ("due_date", "id"), "-due_date": ("-due_date", "-id"),
    "number": ("number", "id"), "-number": ("-number", "-id"),
    "total": ("total", "id"), "-total": ("-total", "-id"),
    "balance": ("balance", "id"), "-balance": ("-balance", "-id"),
    "customer": ("company__name", "id"), "-customer": ("-company__name", "-id"),
}  # fmt: skip


def invoice_filter(invoices: QuerySet[Invoice], filters: InvoiceFilters) -> QuerySet[Invoice]:
    """Apply the dashboard filters and sort to an already scoped queryset (see ``invoices_visible_to``)."""
    return _sorted(invoice_filter_unsorted(invoices, filters), filters)[0]


def invoice_filter_unsorted(invoices: QuerySet[Invoice], filters: InvoiceFilters) -> QuerySet[Invoice]:
    f = filters
    if f.number:
        invoices = invoices.filter(number__istartswith=f.number.strip())
    if f.customer:
        term = f.customer.strip()
        invoices = invoices.filter(Q(company__name__icontains=term) | Q(company__external_id=term))
    if f.company_id is not None:
        invoices = invoices.filter(company_id=f.company_id)
    if f.order:
        term = f.order.strip()
        by_external = Q(order__external_id=term)
        order_id = parse_id(term)
        invoices = invoices.filter(by_external if order_id is None else by_external | Q(order_id=order_id))
    if f.status:
        invoices = invoices.filter(status=f.status)
    if f.kind:
        invoices = invoices.filter(kind=f.kind)
    if f.direction:
        invoices = invoices.filter(direction=f.direction)
    if f.source:
        invoices = invoices.filter(source=f.source)
    if f.issued_from:
        invoices = invoices.filter(issue_date__gte=f.issued_from)
    if f.issued_to:
        invoices = invoices.filter(issue_date__lte=f.issued_to)
    if f.due_from:
        invoices = invoices.filter(due_date__gte=f.due_from)
    if f.due_to:
        invoices = invoices.filter(due_date__lte=f.due_to)
    if f.overdue is True:
        invoices = overdue(invoices)
    elif f.overdue is False:
        invoices = invoices.exclude(pk__in=overdue(Invoice.objects.all()).values("pk"))
    if f.disputed is not None:
        has_dispute = Exists(open_disputes().filter(invoice=OuterRef("pk")))
        invoices = invoices.filter(has_dispute if f.disputed else ~has_dispute)
    if f.on_hold is True:
        invoices = invoices.filter(on_hold=True, status__in=[Status.OPEN, Status.PARTIALLY_PAID])
    elif f.on_hold is False:
        invoices = invoices.exclude(on_hold=True, status__in=[Status.OPEN, Status.PARTIALLY_PAID])
    if f.tab in TABS:
        invoices = invoices.filter(TABS[f.tab])
    return invoices


def _sorted(invoices: QuerySet[Invoice], f: InvoiceFilters) -> tuple[QuerySet[Invoice], bool]:
    """The filtered rows in the requested order, and whether they are a narrow number search (see below)."""
    order = SORTS.get(f.sort, SORTS["-issue_date"])
    if f.number:
        # Numbers rise with issue dates, so a prefix's matches sit together in date order; offered the
        # date index, the planner walks it under the page's LIMIT hoping to meet them early (seconds at
        # 1M rows). A prefix that matches few documents is found by the number index and sorted
        # instead (milliseconds); a broad one is left to the planner. Telling them apart is the list
        # page's capped count, so the rows carry it and the page does not count them again.
        invoices, matches = counted(invoices, NARROW_MATCHES)
        if matches <= NARROW_MATCHES:
            return invoices.order_by(*_unindexed(order)), True
    return invoices.order_by(*order), False


NARROW_MATCHES = CAP


def _unindexed(order: tuple[str, ...]) -> list[OrderBy]:
    """The same order written so that no index can provide it.

    Used when a selective filter has its own index: sorting its matches is cheap, while a planner
    offered an index in the sort order may walk it under a LIMIT hoping to meet them early.
    """
    terms = []
    for name in order:
        field = name.lstrip("-")
        expression = Coalesce(F(field), F(field))
        terms.append(expression.desc() if name.startswith("-") else expression.asc())
    return terms


def invoice_list(invoices: QuerySet[Invoice], filters: InvoiceFilters) -> QuerySet[Invoice]:
    """Filtered, sorted rows ready for a list page: company and order loaded, dispute badge annotated."""
    rows, narrow = _sorted(invoice_filter_unsorted(invoices, filters), filters)
    if narrow:
        # A narrow number search sorts all its matches: joined first, the planner would join every match
        # (hashing the whole company table) before the sort and the page's LIMIT, a cost that grows with the
        # tables. The page's companies and orders are read afterwards instead (two queries of ≤ 50 ids).
        return with_flags(rows).prefetch_related("company", "order")
    return with_flags(rows).select_related("company", "order")
