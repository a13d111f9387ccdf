"""Statement of account and aging buckets of one company, shared by the seller app and the buyer portal.

A company's account is its own invoices: money of its payments or credit notes that settled another
company's invoices (a parent paying for a subsidiary) is not on it, and money another company paid or
credited on its invoices is. So the closing balance is what the company owes less its credit, as
``payments.selectors.company_position``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from invoice_portal.companies.models import Company
from invoice_portal.core.money import ZERO, quantize
from invoice_portal.invoices.models import Invoice, Kind, Status
from invoice_portal.invoices.wording import current_wording
from invoice_portal.payments.models import SETTLED_STATUSES, Allocation, Method, Payment, PaymentStatus

AGING_BUCKETS = ("current", "d1_30", "d31_60", "d61_90", "d90_plus")


def aging_sums(today: dt.date) -> dict[str, Sum]:
    """Sum of open balances per aging bucket (keys as ``AGING_BUCKETS``); a document without a due date counts as current."""
    day = dt.timedelta(days=1)
    return {
        "current": Sum("balance", filter=Q(due_date__gte=today) | Q(due_date__isnull=True)),
        "d1_30": Sum("balance", filter=Q(due_date__lt=today, due_date__gte=today - 30 * day)),
        "d31_60": Sum("balance", filter=Q(due_date__lt=today - 30 * day, due_date__gte=today - 60 * day)),
        "d61_90": Sum("balance", filter=Q(due_date__lt=today - 60 * day, due_date__gte=today - 90 * day)),
        "d90_plus": Sum("balance", filter=Q(due_date__lt=today - 90 * day)),
    }


@dataclass(frozen=True)
class StatementLine:
    date: dt.date
    description: str
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    invoice_id: int | None = None
    payment_id: int | None = None


@dataclass
class Statement:
    company: Company
    currency: str
    start: dt.date
    end: dt.date
    opening: Decimal
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)


def _settled_on_own(company: Company, own: QuerySet[Invoice]) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """What the company's own payments and credit notes settled on its own invoices, per payment and per credit note.

    The rest of what they settled went to other companies' invoices (a parent paying or crediting a subsidiary's).
    """
    own_sources = Q(payment__company_id=company.pk) | Q(credit_note__company_id=company.pk)
    rows = (
        Allocation.objects.filter(own_sources, invoice__in=own, amount__gt=0)
        .values_list("payment_id", "credit_note_id")
        .annotate(total=Sum("amount"))
    )
    payments: dict[int, Decimal] = {}
    notes: dict[int, Decimal] = {}
    for payment_id, note_id, total in rows:
        if payment_id is not None:
            payments[payment_id] = total
        elif note_id is not None:
            notes[note_id] = total
    return payments, notes


def _settled_by_others(company: Company, own: QuerySet[Invoice], end: dt.date) -> list[Allocation]:
    """Other companies' payments and credit notes settling the company's invoices (a parent paying for its subsidiary)."""
    theirs = Q(payment__isnull=False, payment__received_on__lte=end) & ~Q(payment__company_id=company.pk)
    theirs |= Q(credit_note__isnull=False, credit_note__issue_date__lte=end) & ~Q(credit_note__company_id=company.pk)
    return list(
        Allocation.objects.filter(theirs, invoice__in=own, amount__gt=0).select_related(
            "payment__company", "credit_note__company", "invoice"
        )
    )


def account_statement(company: Company, currency: str, *, documents: QuerySet[Invoice], start: dt.date, end: dt.date) -> Statement:
    """The company's statement of account: issued debits and credit notes, payments less refunds, with an
    opening balance and a running balance. Canceled documents and reversed or failed payments never moved
    the balance and are left out.

    ``documents`` are the issued, non-draft documents the reader may see; only the company's own in
    ``currency`` are taken.
    """
    own = documents.filter(company_id=company.pk, currency=currency)
    wording = current_wording()  # the document types in the Admin's words (seed 003)
    entries: list[tuple[dt.date, int, int, StatementLine]] = []
    paid_on_own, credited_on_own = _settled_on_own(company, own)
    for doc in own.exclude(status=Status.CANCELED).filter(issue_date__lte=end).order_by("issue_date", "pk"):
        assert doc.issue_date is not None
        is_credit = doc.kind == Kind.CREDIT_NOTE
        elsewhere = doc.allocated_total - credited_on_own.get(doc.pk, ZERO) if is_credit else ZERO
        debit, credit = (ZERO, doc.total - elsewhere) if is_credit else (doc.total, ZERO)
        line = StatementLine(doc.issue_date, wording.kind(doc.kind), doc.number or "", debit, credit, ZERO, invoice_id=doc.pk)
        entries.append((doc.issue_date, 0, doc.pk, line))
    # Refunded payments stay on the statement with what was kept (amount less refunds, possibly zero).
    statuses = [*SETTLED_STATUSES, PaymentStatus.REFUNDED]
    payments = Payment.objects.filter(company_id=company.pk, currency=currency, status__in=statuses, received_on__lte=end)
    for payment in payments.order_by("received_on", "pk"):
        elsewhere = payment.allocated_total - paid_on_own.get(payment.pk, ZERO)
        net = payment.amount - payment.refunded_amount - elsewhere
        label = f"{Method.customer_words(payment.method)} payment" + (" less refunds" if payment.refunded_amount else "")
        if elsewhere:
            label += ", less what it paid for other companies"
        line = StatementLine(payment.received_on, label, payment.reference, ZERO, net, ZERO, payment_id=payment.pk)
        entries.append((payment.received_on, 1, payment.pk, line))
    for allocation in _settled_by_others(company, own, end):
        if allocation.payment is not None:
            paid = allocation.payment
            day, label, reference = paid.received_on, f"{Method.customer_words(paid.method)} payment by {paid.company.name}", paid.reference
        else:
            note = allocation.credit_note
            assert note is not None
            assert note.issue_date is not None
            day, label, reference = note.issue_date, f"Credit note of {note.company.name}", note.number or ""
        line = StatementLine(day, f"{label} for {allocation.invoice}", reference, ZERO, allocation.amount, ZERO)
        entries.append((day, 1, allocation.pk, line))
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    opening = sum((e[3].debit - e[3].credit for e in entries if e[0] < start), ZERO)
    statement = Statement(company=company, currency=currency, start=start, end=end, opening=quantize(opening, currency))
    running = statement.opening
    for _, _, _, line in (e for e in entries if e[0] >= start):
        running += line.debit - line.credit
        statement.lines.append(
            StatementLine(
                line.date,
                line.description,
                line.reference,
                line.debit,
                line.credit,
                quantize(running, currency),
                line.invoice_id,
                line.payment_id,
            )
        )
    return statement
