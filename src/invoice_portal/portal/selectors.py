"""Reads of the buyer portal. Every read of invoices starts from ``invoices_visible_to`` with the
permission of the page's action; payments and statements are derived from that scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from invoice_portal.accounts.models import User
from invoice_portal.accounts.permissions import Level
from invoice_portal.accounts.selectors import user_perm_level
from invoice_portal.companies.models import Company
from invoice_portal.companies.selectors import company_tree_ids
from invoice_portal.core.money import ZERO, quantize
from invoice_portal.invoices.models import Dispute, Invoice, Kind, Status
from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list, invoices_visible_to, with_flags
from invoice_portal.orders.models import Order
from invoice_portal.orders.selectors import WEB_SOURCES, orders_visible_to
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.payments.selectors import PaymentFilters, allocations_to, company_position, payment_filter
from invoice_portal.payments.statements import Statement, account_statement, aging_sums

LIVE = (Status.OPEN, Status.PARTIALLY_PAID)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _q(amount: Decimal | None, currency: str) -> Decimal:
    return quantize(amount or ZERO, currency)


def _company_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and getattr(user, "company_id", None) is not None)


# --- Invoices -------------------------------------------------------------------------------------


def portal_invoice_list(scope: QuerySet[Invoice], filters: InvoiceFilters, *, po_number: str = "") -> QuerySet[Invoice]:
    """The invoice list (and its CSV export): a scope from ``invoices_visible_to``, filtered and sorted.

    The PO number is the invoice's own or its order's (``InvoiceFilters`` has no PO field yet).
    """
    term = po_number.strip()
    if term:
        scope = scope.filter(Q(po_number__icontains=term) | Q(order__po_number__icontains=term))
    return invoice_list(scope, filters)


def visible_invoice(user: Any, pk: int, permission: str) -> Invoice | None:
    """One invoice inside the user's scope for ``permission``; None (the page's 404) otherwise."""
    return invoices_visible_to(user, permission).select_related("company", "order", "related_invoice").filter(pk=pk).first()


def is_visible(user: Any, invoice: Invoice, permission: str) -> bool:
    return invoices_visible_to(user, permission).filter(pk=invoice.pk).exists()


def scope_companies(scope: QuerySet[Invoice]) -> list[Company]:
    """The companies of a scope's invoices (for the company filter of a parent company's users); one query."""
    return list(Company.objects.filter(pk__in=scope.order_by().values("company_id")).order_by("name"))


@dataclass(frozen=True)
class PositionRow:
    """What is open and overdue in one currency, over the user's visible invoices."""

    currency: str
    open_balance: Decimal
    overdue_balance: Decimal
    open_count: int
    overdue_count: int
    credit: Decimal | None  # credit on the own company's account (None when the user may not pay)


def open_position(scope: QuerySet[Invoice], user: Any, *, with_credit: bool = False, today: dt.date | None = None) -> list[PositionRow]:
    """Open and overdue balances of a scope from ``invoices_visible_to``, per currency (one query), and the own company's credit.

    At company level this is exactly ``company_position`` of the company; a buyer who sees only the
    invoices of their own orders gets the figures of those invoices, never the company's.
    """
    day = _today(today)
    overdue = Q(due_date__lt=day)
    rows = (
        scope.filter(status__in=LIVE)
        .exclude(kind=Kind.CREDIT_NOTE)
        .values("currency")
        .annotate(
            open_balance=Sum("balance"),
            overdue_balance=Sum("balance", filter=overdue),
            n=Count("pk"),
            n_overdue=Count("pk", filter=overdue),
        )
        .order_by("currency")
    )
    by_currency: dict[str, dict[str, Any]] = {row["currency"]: dict(row) for row in rows}
    if with_credit and _company_user(user):
        own = getattr(user.company, "currency", None)
        for currency in {own, *by_currency} - {None}:
            by_currency.setdefault(str(currency), {"currency": currency})
    result = []
    for currency in sorted(by_currency):
        row = by_currency[currency]
        credit = company_position(user.company_id, currency).credit if with_credit else None
        if not row.get("n") and not credit:
            continue
        result.append(
            PositionRow(
                currency=currency,
                open_balance=_q(row.get("open_balance"), currency),
                overdue_balance=_q(row.get("overdue_balance"), currency),
                open_count=row.get("n") or 0,
                overdue_count=row.get("n_overdue") or 0,
                credit=credit,
            )
        )
    return result


def invoice_disputes(invoice: Invoice) -> QuerySet[Dispute]:
    return invoice.disputes.select_related("line", "credit_note").order_by("-created_at", "-pk")


# --- Orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    number: str = ""  # the order's number (its external id), prefix
    po_number: str = ""
    company_id: int | None = None
    source: str = ""  # "web" (the store) or "erp"
    ordered_from: dt.date | None = None
    ordered_to: dt.date | None = None
    sort: str = "-order_date"


ORDER_SORTS = {
    "order_date": ("order_date", "id"), "-order_date": ("-order_date", "-id"),
    "number": ("external_id", "id"), "-number": ("-external_id", "-id"),
    "total": ("total", "id"), "-total": ("-total", "-id"),
}  # fmt: skip


def portal_order_list(scope: QuerySet[Order], filters: OrderFilters) -> QuerySet[Order]:
    """The order list: a scope from ``orders_visible_to``, filtered and sorted, with how many visible invoices each has."""
    f = filters
    orders = scope
    if f.number:
        orders = orders.filter(external_id__istartswith=f.number.strip())
    if f.po_number:
        orders = orders.filter(po_number__icontains=f.po_number.strip())
    if f.company_id is not None:
        orders = orders.filter(company_id=f.company_id)
    if f.source == "web":
        orders = orders.filter(source__in=WEB_SOURCES)
    elif f.source == "erp":
        orders = orders.exclude(source__in=WEB_SOURCES)
    if f.ordered_from:
        orders = orders.filter(order_date__gte=f.ordered_from)
    if f.ordered_to:
        orders = orders.filter(order_date__lte=f.ordered_to)
    return orders.select_related("company").order_by(*ORDER_SORTS.get(f.sort, ORDER_SORTS["-order_date"]))


def order_scope_companies(scope: QuerySet[Order]) -> list[Company]:
    """The companies whose orders are in the scope (the company filter is offered when there are several)."""
    return list(Company.objects.filter(pk__in=scope.values("company_id")).order_by("name"))


def visible_order(user: Any, pk: int) -> Order | None:
    """One order, if the user may see it; None otherwise (the page answers 404)."""
    return orders_visible_to(user).select_related("company", "placed_by").filter(pk=pk).first()


def order_invoices(user: Any, order: Order) -> QuerySet[Invoice]:
    """The invoices of ``order`` the user may see (a user who sees the order may still not see every invoice of it)."""
    return with_flags(invoices_visible_to(user, "portal.view").filter(order=order)).order_by("issue_date", "pk")


def order_is_visible(user: Any, order_id: int | None) -> bool:
    return order_id is not None and orders_visible_to(user).filter(pk=order_id).exists()


# --- Payments -------------------------------------------------------------------------------------


def payments_visible_to(user: Any, permission: str = "portal.payment_history") -> QuerySet[Payment]:
    """The payments a company user may see under ``permission``, derived from the invoice scope.

    Own level: payments allocated to the invoices of the user's orders, and the online payments the
    user started. Company (tree) level: the company's (and subsidiaries') payments, credit on account
    included, and any payment allocated to their invoices (a parent company may pay a subsidiary's).
    """
    if not _company_user(user):
        return Payment.objects.none()
    level = user_perm_level(user, permission)
    if level is None:
        return Payment.objects.none()
    through_invoices = Q(
        pk__in=Allocation.objects.filter(invoice__in=invoices_visible_to(user, permission), amount__gt=0, payment__isnull=False).values(
            "payment_id"
        )
    )
    return Payment.objects.filter(_whole_payments(user, level) | through_invoices)


def _whole_payments(user: Any, level: Level, prefix: str = "") -> Q:
    """The payments a user sees whole (amount, reference, credit left): her company's, or at the own level those she made.

    Any other visible payment is seen only through the invoices it paid: a subsidiary's buyer sees
    what her parent company's payment allocated to her invoices, not the payment.
    """
    if level is Level.OWN:
        return Q(**{f"{prefix}company_id": user.company_id, f"{prefix}created_by": user})
    companies = company_tree_ids(user.company_id) if level is Level.TREE else {user.company_id}
    return Q(**{f"{prefix}company_id__in": companies})


def invoice_payment_history(user: Any, invoice: Invoice) -> QuerySet[Allocation]:
    """An invoice's allocations, each with ``payment_reference_visible`` (see ``portal_payment_list``)."""
    level = user_perm_level(user, "portal.payment_history")
    whole = _whole_payments(user, level, prefix="payment__") if level is not None and _company_user(user) else Q(pk__in=[])
    own_company = Q(payment__company_id=getattr(user, "company_id", None))
    return allocations_to(invoice).annotate(payment_reference_visible=ExpressionWrapper(whole | own_company, output_field=BooleanField()))


def portal_payment_list(
    user: Any, filters: PaymentFilters, *, amount_min: Decimal | None = None, amount_max: Decimal | None = None
) -> QuerySet[Payment]:
    """The payment history page: visible payments, filtered and sorted, each with its allocations to visible invoices.

    ``seen_whole`` says whether the user sees the whole payment (amount, refunds, credit left); otherwise
    ``seen_allocated`` is what she may see of it: what it allocated to her visible invoices. Its reference
    (a check number) is shown when she sees it whole or it is her own company's payment, never another
    company's (a parent's wire that paid one cent of her invoice).

    ``shown_amount`` is the amount the page shows (the whole amount, or what was allocated to visible
    invoices): sorting by amount and the amount bounds use it, so the order and the filter never reveal
    what the user may not see of a payment.
    """
    visible = invoices_visible_to(user, "portal.payment_history")
    allocations = Allocation.objects.filter(invoice__in=visible, amount__gt=0).select_related("invoice").order_by("invoice__number", "pk")
    level = user_perm_level(user, "portal.payment_history")
    whole = _whole_payments(user, level) if level is not None and _company_user(user) else Q(pk__in=[])
    allocated_here = (
        Allocation.objects.filter(payment=OuterRef("pk"), invoice__in=visible, amount__gt=0)
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    amount_field = DecimalField(max_digits=18, decimal_places=4)
    payments = payment_filter(payments_visible_to(user), filters).annotate(
        seen_whole=ExpressionWrapper(whole, output_field=BooleanField()),
        reference_visible=ExpressionWrapper(whole | Q(company_id=getattr(user, "company_id", None)), output_field=BooleanField()),
        seen_allocated=Coalesce(Subquery(allocated_here), Value(ZERO), output_field=amount_field),
        shown_amount=Case(When(whole, then=F("amount")), default=F("seen_allocated"), output_field=amount_field),
    )
    if amount_min is not None:
        payments = payments.filter(shown_amount__gte=amount_min)
    if amount_max is not None:
        payments = payments.filter(shown_amount__lte=amount_max)
    if filters.sort in ("amount", "-amount"):
        payments = payments.order_by(*(("-shown_amount", "-id") if filters.sort == "-amount" else ("shown_amount", "id")))
    return payments.prefetch_related(Prefetch("allocations", queryset=allocations, to_attr="shown"))


def sees_company_credit(user: Any) -> bool:
    return user_perm_level(user, "portal.payment_history") in (Level.COMPANY, Level.TREE)


# --- Statement of account and aging ---------------------------------------------------------------


def statement_currencies(user: Any) -> list[str]:
    """The currencies the own company has documents or payments in (its own currency first)."""
    company = user.company
    used = set(invoices_visible_to(user, "portal.view").filter(company_id=company.pk).values_list("currency", flat=True).distinct())
    used |= set(Payment.objects.filter(company_id=company.pk).values_list("currency", flat=True).distinct())
    used.discard(company.currency)
    return [company.currency, *sorted(used)]


def scope_words(user: Any, permission: str = "portal.view") -> str:
    """What the user's lists cover, in words: the invoices page and the statement say the same, because both read
    ``invoices_visible_to(user, permission)`` (own orders, the company, or the company and its subsidiaries)."""
    from invoice_portal.accounts.permissions import Level
    from invoice_portal.accounts.selectors import user_perm_level

    company = user.company.name if getattr(user, "company", None) else ""
    level = user_perm_level(user, permission)
    if level is Level.OWN:
        return f"the invoices of the orders you placed for {company}"
    if level is Level.TREE:
        return f"{company} and its subsidiaries"
    return company


def portal_statement(user: Any, currency: str, *, start: dt.date, end: dt.date) -> Statement:
    """The own company's statement of account, from the documents the user may view (see ``account_statement``)."""
    return account_statement(user.company, currency, documents=invoices_visible_to(user, "portal.view"), start=start, end=end)


BUCKETS = (("current", "Current"), ("d1_30", "1–30 days"), ("d31_60", "31–60 days"), ("d61_90", "61–90 days"), ("d90_plus", "90+ days"))


@dataclass(frozen=True)
class Aging:
    """What the own company owes in one currency, split by days past due."""

    currency: str
    buckets: tuple[tuple[str, Decimal], ...]

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.buckets), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets[0][1]


def portal_aging(user: Any, *, today: dt.date | None = None) -> list[Aging]:
    """Aging of the own company's open debit documents, one row per currency; no due date counts as current."""
    rows = (
        invoices_visible_to(user, "portal.view")
        .filter(company_id=user.company_id, status__in=LIVE)
        .exclude(kind=Kind.CREDIT_NOTE)
        .values("currency")
        .annotate(**aging_sums(_today(today)))
        .order_by("currency")
    )
    result = []
    for row in rows:
        values: dict[str, Any] = dict(row)
        result.append(Aging(values["currency"], tuple((label, _q(values[key], values["currency"])) for key, label in BUCKETS)))
    return result


# --- The company's users --------------------------------------------------------------------------


def company_users(user: Any) -> QuerySet[User]:
    """The users of the acting user's own company, never another company's."""
    if not _company_user(user):
        return User.objects.none()
    return User.objects.filter(company_id=user.company_id).select_related("role").order_by("email")
