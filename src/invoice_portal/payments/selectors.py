"""Reads of payments: filters for the dashboards and the API, credit on account."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from invoice_portal.core.money import ZERO, quantize
from invoice_portal.invoices.models import Invoice, Kind, Status
from invoice_portal.payments.models import SETTLED_STATUSES, Allocation, Payment


@dataclass(frozen=True)
class PaymentFilters:
    payment_id: int | None = None
    customer: str = ""
    company_id: int | None = None
    status: str = ""
    method: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    sort: str = "-received_on"


SORTS = {
    "received_on": ("received_on", "id"), "-received_on": ("-received_on", "-id"),
    "amount": ("amount", "id"), "-amount": ("-amount", "-id"),
}  # fmt: skip


def payment_filter(payments: QuerySet[Payment], filters: PaymentFilters) -> QuerySet[Payment]:
    f = filters
    if f.payment_id is not None:
        payments = payments.filter(pk=f.payment_id)
    if f.customer:
        term = f.customer.strip()
        payments = payments.filter(Q(company__name__icontains=term) | Q(company__external_id=term))
    if f.company_id is not None:
        payments = payments.filter(company_id=f.company_id)
    if f.status:
        payments = payments.filter(status=f.status)
    if f.method:
        payments = payments.filter(method=f.method)
    if f.received_from:
        payments = payments.filter(received_on__gte=f.received_from)
    if f.received_to:
        payments = payments.filter(received_on__lte=f.received_to)
    return payments.select_related("company").order_by(*SORTS.get(f.sort, SORTS["-received_on"]))


def allocations_by_invoice(invoice_ids: Iterable[int]) -> dict[int, list[tuple[dt.datetime, Decimal]]]:
    """(when, amount) of every live allocation to each of these invoices, in one query (for ``promise_status``)."""
    found: dict[int, list[tuple[dt.datetime, Decimal]]] = defaultdict(list)
    rows = Allocation.objects.filter(invoice_id__in=set(invoice_ids), amount__gt=0).values_list("invoice_id", "created_at", "amount")
    for invoice_id, at, amount in rows:
        found[invoice_id].append((at, amount))
    return found


def allocations_to(invoice: Invoice) -> QuerySet[Allocation]:
    """The payment history of an invoice: every allocation with its payment or credit note."""
    return invoice.allocations.filter(amount__gt=0).select_related("payment", "credit_note").order_by("created_at", "pk")


@dataclass(frozen=True)
class AccountPosition:
    currency: str
    open_balance: Decimal  # what the company owes on live debit documents
    overdue_balance: Decimal
    unallocated_payments: Decimal
    unapplied_credit_notes: Decimal

    @property
    def credit(self) -> Decimal:
        return self.unallocated_payments + self.unapplied_credit_notes


def company_position(company_id: int, currency: str) -> AccountPosition:
    """What one company owes and holds as credit, in one currency."""
    live = Invoice.objects.filter(
        company_id=company_id, currency=currency, direction="issued", status__in=[Status.OPEN, Status.PARTIALLY_PAID]
    )
    debit = live.exclude(kind=Kind.CREDIT_NOTE)
    open_balance = debit.aggregate(s=Sum("balance"))["s"] or ZERO
    overdue_balance = debit.filter(due_date__lt=timezone.localdate()).aggregate(s=Sum("balance"))["s"] or ZERO
    credit_notes = live.filter(kind=Kind.CREDIT_NOTE).aggregate(s=Sum("balance"))["s"] or ZERO
    unallocated = (
        Payment.objects.filter(company_id=company_id, currency=currency, status__in=SETTLED_STATUSES).aggregate(
            s=Sum(F("amount") - F("refunded_amount") - F("allocated_total"))
        )["s"]
        or ZERO
    )
    return AccountPosition(
        currency=currency,
        open_balance=quantize(open_balance, currency),
        overdue_balance=quantize(overdue_balance, currency),
        unallocated_payments=quantize(unallocated, currency),
        unapplied_credit_notes=quantize(credit_notes, currency),
    )
