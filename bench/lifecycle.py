"""The invoice lifecycle in-process, one document per transaction, through the project's own services.

Create (3 lines), issue (number, seal, audit, the customer's email written to the outbox), and a full
payment, each step timed over the same documents; the lifecycle rate is documents per second of the
three steps together. Emails are written and their delivery queued exactly as in production (the
customer has a billing address, and the settings email on issue).
"""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import connection

from bench.harness import emit
from invoice_portal.companies.models import Company
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import invoice_create, invoice_issue
from invoice_portal.notifications.models import Message
from invoice_portal.payments.services import payment_record

LINES = [
    {"description": "Hydraulic pump", "quantity": "2", "unit_price": "150.00", "tax_rate": "20"},
    {"description": "Seal kit", "quantity": "4", "unit_price": "12.50", "tax_rate": "20"},
    {"kind": "cost", "description": "Freight", "quantity": "1", "unit_price": "25.00", "tax_rate": "20"},
]


def _one(company: Company, reference: str) -> None:
    invoice = invoice_issue(actor=None, invoice=invoice_create(actor=None, company=company, lines=LINES))
    payment_record(actor=None, company=company, amount=str(invoice.total), currency="USD", method="wire", reference=reference,
                   allocations=[(invoice.pk, str(invoice.total))])  # fmt: skip


def run(documents: int = 300) -> None:
    stamp = time.time_ns()
    company = Company.objects.create(
        name="Bench Lifecycle", external_id=f"BENCH-LIFE-{stamp}", currency="USD", email=f"ap-{stamp}@bench.test"
    )
    _one(company, f"warm-{stamp}")  # untimed: first-use costs (URL resolver, templates) are not the steady state
    messages_before = Message.objects.filter(company=company).count()
    started = time.perf_counter()
    drafts = [invoice_create(actor=None, company=company, lines=LINES) for _ in range(documents)]
    created = time.perf_counter()
    issued = [invoice_issue(actor=None, invoice=draft) for draft in drafts]
    issued_at = time.perf_counter()
    for i, invoice in enumerate(issued):
        payment_record(
            actor=None, company=company, amount=str(invoice.total), currency="USD", method="wire",
            reference=f"life-{stamp}-{i}", allocations=[(invoice.pk, str(invoice.total))],
        )  # fmt: skip
    paid = time.perf_counter()
    emit("lifecycle.create_per_s", documents / (created - started), "docs/s", documents, lines=3)
    emit("lifecycle.issue_per_s", documents / (issued_at - created), "docs/s", documents)
    emit("lifecycle.pay_per_s", documents / (paid - issued_at), "docs/s", documents)
    emit("lifecycle.invoices_per_s", documents / (paid - started), "docs/s", documents)
    settled = Invoice.objects.filter(pk__in=[i.pk for i in issued], status="paid", balance=Decimal(0)).count()
    # Two emails per document: the invoice on issue, the receipt on payment.
    emails = Message.objects.filter(company=company).count() - messages_before
    emit("lifecycle.paid_documents", settled, "docs", documents, emails_written=emails)
    connection.close()
