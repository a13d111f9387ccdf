"""Reads that only the seller pages need: orders list, customers with balances, aging, DSO, flows.

Amounts are never added across currencies: every figure here is per currency.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from invoice_portal.accounts.models import Role, User
from invoice_portal.companies.models import Company
from invoice_portal.core.money import ZERO, quantize
from invoice_portal.invoices.models import Direction, Dispute, DisputeStatus, Invoice, Kind, Status
from invoice_portal.orders.models import Order
from invoice_portal.payments.models import SETTLED_STATUSES, Payment
from invoice_portal.payments.statements import AGING_BUCKETS, Statement, account_statement, aging_sums
from invoice_portal.remittances.models import PromiseStatus, PromiseToPay, RemittanceAdvice, RemittanceLine, RemittanceStatus
from invoice_portal.remittances.selectors import PromiseDue, PromiseView, promise_views_of

LIVE = (Status.OPEN, Status.PARTIALLY_PAID)
_MONEY = DecimalField(max_digits=18, decimal_places=4)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def live_debits() -> QuerySet[Invoice]:
    """Issued documents the customer still owes on: open or partially paid invoices and debit notes."""
    return Invoice.objects.filter(direction=Direction.ISSUED, status__in=LIVE).exclude(kind=Kind.CREDIT_NOTE)


def _q(amount: Decimal | None, currency: str) -> Decimal:
    return quantize(amount or ZERO, currency)


# --- Orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    q: str = ""  # order external id or customer name / external id
    source: str = ""
    status: str = ""
    flagged: bool = False
    invoiced: bool | None = None
    company_id: int | None = None


def order_list(filters: OrderFilters) -> QuerySet[Order]:
    """Sales orders for the order dashboard, each annotated with its live invoice count."""
    f = filters
    live_invoices = Invoice.objects.filter(order=OuterRef("pk"), kind=Kind.INVOICE).exclude(status=Status.CANCELED)
    orders = Order.objects.filter(direction="sales").select_related("company").annotate(is_invoiced=Exists(live_invoices))
    if f.q:
        term = f.q.strip()
        orders = orders.filter(Q(external_id=term) | Q(company__name__icontains=term) | Q(company__external_id=term))
    if f.source:
        orders = orders.filter(source=f.source)
    if f.status:
        orders = orders.filter(status=f.status)
    if f.flagged:
        orders = orders.filter(Q(flag_updated=True) | Q(flag_canceled=True))
    if f.invoiced is not None:
        orders = orders.filter(is_invoiced=f.invoiced)
    if f.company_id is not None:
        orders = orders.filter(company_id=f.company_id)
    return orders.order_by("-order_date", "-pk")


def order_statuses() -> list[str]:
    """The statuses mirrored from the sources, for the filter menu."""
    return sorted(set(Order.objects.values_list("status", flat=True).distinct()))


def order_invoices(order: Order) -> QuerySet[Invoice]:
    return order.invoices.order_by("pk")


def flagged_orders() -> QuerySet[Order]:
    return Order.objects.filter(Q(flag_updated=True) | Q(flag_canceled=True)).select_related("company").order_by("-updated_at")


# --- Invoices -------------------------------------------------------------------------------------


def open_invoices_for(company_id: int, currency: str | None = None) -> QuerySet[Invoice]:
    """What a customer can pay now, oldest due first (the offline payment form lists these)."""
    invoices = live_debits().filter(company_id=company_id)
    if currency:
        invoices = invoices.filter(currency=currency)
    return invoices.order_by(F("due_date").asc(nulls_last=True), "pk")


def invoice_memos(invoice: Invoice) -> QuerySet[Invoice]:
    return invoice.memos.order_by("pk")


def invoice_disputes(invoice: Invoice) -> QuerySet[Dispute]:
    return invoice.disputes.select_related("line", "raised_by", "resolved_by", "credit_note").order_by("-created_at")


def on_hold_count() -> int:
    """Unpaid invoices the seller put on hold (reminders paused)."""
    return Invoice.objects.filter(on_hold=True, direction=Direction.ISSUED, status__in=[Status.OPEN, Status.PARTIALLY_PAID]).count()


def open_dispute_list() -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(status=DisputeStatus.OPEN)
        .select_related("invoice", "invoice__company", "line", "raised_by")
        .order_by("created_at", "pk")
    )


# --- Money positions, aging, DSO, flows -----------------------------------------------------------


@dataclass(frozen=True)
class Buckets:
    """An AR aging split of what is owed, by days past due."""

    currency: str
    current: Decimal
    d1_30: Decimal
    d31_60: Decimal
    d61_90: Decimal
    d90_plus: Decimal

    @property
    def total(self) -> Decimal:
        return self.current + self.d1_30 + self.d31_60 + self.d61_90 + self.d90_plus

    @property
    def overdue(self) -> Decimal:
        return self.total - self.current

    def as_list(self) -> list[tuple[str, Decimal]]:
        return [
            ("Current", self.current), ("1–30", self.d1_30), ("31–60", self.d31_60),
            ("61–90", self.d61_90), ("90+", self.d90_plus),
        ]  # fmt: skip

    @property
    def buckets(self) -> list[tuple[str, Decimal]]:
        """The (label, amount) pairs under the name the statement PDF reads (it is shared with the portal's ``Aging``)."""
        return self.as_list()


BUCKET_LABELS = ("Current", "1–30", "31–60", "61–90", "90+")


def _buckets(row: Mapping[str, Any], currency: str) -> Buckets:
    return Buckets(
        currency=currency,
        **{name: _q(row.get(name), currency) for name in AGING_BUCKETS},
    )


def aging_totals(*, company_id: int | None = None, today: dt.date | None = None) -> list[Buckets]:
    """AR aging over every customer (or one), one row per currency."""
    invoices = live_debits()
    if company_id is not None:
        invoices = invoices.filter(company_id=company_id)
    rows = invoices.values("currency").annotate(**aging_sums(_today(today))).order_by("currency")
    return [_buckets(row, row["currency"]) for row in rows]


@dataclass(frozen=True)
class CustomerAging:
    company_id: int
    company_name: str
    external_id: str | None
    buckets: Buckets


def aging_by_customer(*, today: dt.date | None = None) -> list[CustomerAging]:
    """AR aging per customer and currency, largest overdue first."""
    rows = (
        live_debits()
        .values("company_id", "company__name", "company__external_id", "currency")
        .annotate(**aging_sums(_today(today)))
        .order_by("company__name", "currency")
    )
    result = [
        CustomerAging(row["company_id"], row["company__name"], row["company__external_id"], _buckets(row, row["currency"])) for row in rows
    ]
    return sorted(result, key=lambda r: (-r.buckets.overdue, -r.buckets.total, r.company_name))


@dataclass(frozen=True)
class CurrencyAmount:
    currency: str
    amount: Decimal
    count: int = 0


def open_balance_by_currency() -> list[CurrencyAmount]:
    rows = live_debits().values("currency").annotate(s=Sum("balance"), n=Count("pk")).order_by("currency")
    return [CurrencyAmount(r["currency"], _q(r["s"], r["currency"]), r["n"]) for r in rows]


def overdue_by_currency(*, today: dt.date | None = None) -> list[CurrencyAmount]:
    rows = (
        live_debits().filter(due_date__lt=_today(today)).values("currency").annotate(s=Sum("balance"), n=Count("pk")).order_by("currency")
    )
    return [CurrencyAmount(r["currency"], _q(r["s"], r["currency"]), r["n"]) for r in rows]


@dataclass(frozen=True)
class Dso:
    currency: str
    receivables: Decimal
    sales: Decimal
    days: int

    @property
    def value(self) -> Decimal | None:
        """Days sales outstanding: receivables ÷ net credit sales of the period × its days."""
        if self.sales <= ZERO:
            return None
        return (self.receivables / self.sales * self.days).quantize(Decimal("0.1"))


def days_sales_outstanding(*, days: int = 90, today: dt.date | None = None) -> list[Dso]:
    """DSO per currency over the last ``days`` days; sales are issued debits less credit notes."""
    end = _today(today)
    start = end - dt.timedelta(days=days - 1)
    issued = Invoice.objects.filter(direction=Direction.ISSUED, issue_date__gte=start, issue_date__lte=end).exclude(
        status__in=[Status.DRAFT, Status.CANCELED]
    )
    sales: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in issued.values("currency", "kind").annotate(s=Sum("total")).order_by():
        sign = -1 if row["kind"] == Kind.CREDIT_NOTE else 1
        sales[row["currency"]] += sign * (row["s"] or ZERO)
    receivables = {r.currency: r.amount for r in open_balance_by_currency()}
    return [
        Dso(currency=c, receivables=receivables.get(c, ZERO), sales=_q(sales.get(c), c), days=days)
        for c in sorted(set(sales) | set(receivables))
    ]


@dataclass
class MonthFlow:
    month: dt.date
    currency: str
    invoiced: Decimal = ZERO
    collected: Decimal = ZERO


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def monthly_flows(*, months: int = 12, today: dt.date | None = None) -> dict[str, list[MonthFlow]]:
    """Invoiced (issued debits) and collected (settled payments less refunds) per month, per currency."""
    end = _today(today)
    first = _month_start(end, months - 1)
    flows: dict[str, dict[dt.date, MonthFlow]] = {}

    def slot(currency: str, month: dt.date) -> MonthFlow:
        per_currency = flows.setdefault(currency, {_month_start(end, b): MonthFlow(_month_start(end, b), currency) for b in range(months)})
        return per_currency[month]

    invoiced = (
        Invoice.objects.filter(direction=Direction.ISSUED, issue_date__gte=first, issue_date__lte=end)
        .exclude(kind=Kind.CREDIT_NOTE)
        .exclude(status__in=[Status.DRAFT, Status.CANCELED])
        .annotate(month=TruncMonth("issue_date"))
        .values("month", "currency")
        .annotate(s=Sum("total"))
        .order_by()
    )
    for row in invoiced:
        slot(row["currency"], _as_date(row["month"])).invoiced = _q(row["s"], row["currency"])
    collected = (
        Payment.objects.filter(status__in=SETTLED_STATUSES, received_on__gte=first, received_on__lte=end)
        .annotate(month=TruncMonth("received_on"))
        .values("month", "currency")
        .annotate(s=Sum(F("amount") - F("refunded_amount"), output_field=_MONEY))
        .order_by()
    )
    for row in collected:
        slot(row["currency"], _as_date(row["month"])).collected = _q(row["s"], row["currency"])
    return {c: [per[m] for m in sorted(per)] for c, per in sorted(flows.items())}


# --- Customers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerFilters:
    q: str = ""
    with_balance: bool = False
    overdue: bool = False
    sort: str = "name"


CUSTOMER_SORTS = {
    "name": ("name", "pk"), "-name": ("-name", "-pk"),
    "balance": ("open_balance", "pk"), "-balance": ("-open_balance", "-pk"),
    "overdue": ("overdue_balance", "pk"), "-overdue": ("-overdue_balance", "-pk"),
}  # fmt: skip


def _company_sum(queryset: QuerySet[Invoice] | QuerySet[Payment], expression: CombinedExpression | F) -> Coalesce:
    """Sum over the rows of one company in the company's own currency, as a correlated subquery."""
    per_company = (
        queryset.filter(company_id=OuterRef("pk"), currency=OuterRef("currency"))
        .order_by()
        .values("company_id")
        .annotate(s=Sum(expression, output_field=_MONEY))
        .values("s")
    )
    return Coalesce(Subquery(per_company, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def customer_list(filters: CustomerFilters, *, today: dt.date | None = None) -> QuerySet[Company]:
    """Customers with open balance, overdue and credit on account, in each company's own currency."""
    f = filters
    live_credit_notes = Invoice.objects.filter(direction=Direction.ISSUED, status__in=LIVE, kind=Kind.CREDIT_NOTE)
    settled = Payment.objects.filter(status__in=SETTLED_STATUSES)
    companies = Company.objects.filter(is_customer=True).annotate(
        open_balance=_company_sum(live_debits(), F("balance")),
        overdue_balance=_company_sum(live_debits().filter(due_date__lt=_today(today)), F("balance")),
        unapplied_credit=_company_sum(live_credit_notes, F("balance")),
        unallocated_payments=_company_sum(settled, F("amount") - F("refunded_amount") - F("allocated_total")),
    )
    if f.q:
        term = f.q.strip()
        companies = companies.filter(Q(name__icontains=term) | Q(external_id__iexact=term))
    if f.with_balance:
        companies = companies.filter(open_balance__gt=0)
    if f.overdue:
        companies = companies.filter(overdue_balance__gt=0)
    return companies.select_related("parent").order_by(*CUSTOMER_SORTS.get(f.sort, CUSTOMER_SORTS["name"]))


def customer_currencies(company: Company) -> list[str]:
    """The currencies a customer has documents or payments in (its own currency first)."""
    used = set(Invoice.objects.filter(company=company).values_list("currency", flat=True).distinct())
    used |= set(Payment.objects.filter(company=company).values_list("currency", flat=True).distinct())
    used.discard(company.currency)
    return [company.currency, *sorted(used)]


def customer_statement(company: Company, currency: str, *, start: dt.date, end: dt.date) -> Statement:
    """A customer's statement of account over all its issued documents (see ``account_statement``)."""
    documents = Invoice.objects.filter(direction=Direction.ISSUED).exclude(status=Status.DRAFT)
    return account_statement(company, currency, documents=documents, start=start, end=end)


def recent_invoices(company_id: int, limit: int = 20) -> list[Invoice]:
    return list(Invoice.objects.filter(company_id=company_id, direction=Direction.ISSUED).select_related("order").order_by("-pk")[:limit])


def recent_payments(company_id: int, limit: int = 20) -> list[Payment]:
    return list(Payment.objects.filter(company_id=company_id).order_by("-received_on", "-pk")[:limit])


def customer_choices(query: str, limit: int = 20) -> list[Company]:
    """Customers matching a name (contains) or an external company id (exact), for the pickers."""
    term = query.strip()
    if not term:
        return []
    companies = Company.objects.filter(is_customer=True).filter(Q(name__icontains=term) | Q(external_id__iexact=term))
    return list(companies.order_by("name")[:limit])


# --- Remittance advice ----------------------------------------------------------------------------


def _remittances() -> QuerySet[RemittanceAdvice]:
    lines = Prefetch("lines", queryset=RemittanceLine.objects.select_related("invoice").order_by("pk"))
    return RemittanceAdvice.objects.select_related("company", "submitted_by", "reviewed_by", "payment").prefetch_related(lines)


def remittance_list(*, status: str = "") -> QuerySet[RemittanceAdvice]:
    """Remittance advice of every customer in one status (all when empty), with the invoices each names.

    Submitted advice is a queue, oldest first; reviewed advice is history, newest first.
    """
    remittances = _remittances()
    if status:
        remittances = remittances.filter(status=status)
    if status == RemittanceStatus.SUBMITTED:
        return remittances.order_by("created_at", "pk")
    return remittances.order_by("-created_at", "-pk")


def remittance_counts() -> dict[str, int]:
    """How many remittance advices are in each status (every status present, zero when none)."""
    counts = dict.fromkeys(RemittanceStatus.values, 0)
    counts.update(RemittanceAdvice.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return counts


def remittance_detail(pk: int) -> RemittanceAdvice | None:
    return _remittances().filter(pk=pk).first()


# --- Users and roles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserFilters:
    q: str = ""
    kind: str = ""  # "staff", "company" or "" for everyone
    active: bool | None = None


def user_list(filters: UserFilters) -> QuerySet[User]:
    f = filters
    users = User.objects.select_related("role", "company")
    if f.q:
        term = f.q.strip()
        users = users.filter(Q(email__icontains=term) | Q(full_name__icontains=term) | Q(company__name__icontains=term))
    if f.kind == "staff":
        users = users.filter(company__isnull=True)
    elif f.kind == "company":
        users = users.filter(company__isnull=False)
    if f.active is not None:
        users = users.filter(is_active=f.active)
    return users.order_by("company__name", "email")


def role_list() -> QuerySet[Role]:
    return Role.objects.annotate(user_count=Count("users", distinct=True), grant_count=Count("grants", distinct=True)).order_by(
        "audience", "name"
    )


def role_grants(role: Role) -> dict[str, str | None]:
    return dict(role.grants.values_list("permission", "level"))


# --- Promises to pay --------------------------------------------------------------------------------


def promises_for_seller(
    *, company_id: int | None = None, due: str = "", status: str = "", today: dt.date | None = None
) -> list[PromiseView]:
    """The buyers' promises for the seller app, by promised day (soonest first); ``due`` and ``status`` filter."""
    today = today or timezone.localdate()
    promises = PromiseToPay.objects.select_related("invoice__company", "user").order_by("date", "pk")
    if company_id is not None:
        promises = promises.filter(invoice__company_id=company_id)
    if due == PromiseDue.TODAY:
        promises = promises.filter(date=today)
    elif due == PromiseDue.OVERDUE:
        promises = promises.filter(date__lt=today)
    elif due == PromiseDue.UPCOMING:
        promises = promises.filter(date__gt=today)
    views = promise_views_of(promises, today=today)
    return [v for v in views if v.status == status] if status in PromiseStatus.values else views
