"""On PostgreSQL, under real concurrency: payments recorded in bulk and one by one never overpay an invoice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_portal.core.errors import AllocationExceedsBalance
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.payments.bulk import PaymentsRefused, payments_record_many
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.payments.services import payment_prepare, payment_record
from invoice_portal.payments.tests.test_concurrency import concurrent_db, crashes, run_at_once
from invoice_portal.testing import make_company, make_invoice

pytestmark = pytest.mark.postgres


@concurrent_db
def test_bulk_and_single_payments_racing_for_the_same_invoices_never_overpay_them() -> None:
    company = make_company(name="Race Inc")
    invoices = [make_invoice(company=company, amount=amount) for amount in ("100.00", "150.00", "200.00")]

    def work(i: int) -> list[Payment]:
        # Every thread names the invoices in its own order: the locks must still be taken in one order.
        shares = [(inv.pk, Decimal(5 * (1 + (i + k) % 4))) for k, inv in enumerate(invoices)]
        ordered = shares[i % 3 :] + shares[: i % 3]
        if i % 2:
            return [
                payment_record(
                    actor=None, company=company, amount=sum(a for _, a in ordered), currency="USD", method="wire", allocations=ordered
                )
            ]
        payments = [
            payment_prepare(actor=None, company=company, amount=a, currency="USD", method="wire", allocations=[(pk, a)])
            for pk, a in ordered
        ]
        try:
            return payments_record_many(actor=None, payments=payments)
        except PaymentsRefused as refused:  # nothing of the call was written; report what it refused
            raise next(iter(refused.refusals.values())) from None

    outcomes = run_at_once(work)

    assert crashes(outcomes) == []
    refused = [value for kind, value in outcomes if kind == "refused"]
    assert refused, "the invoices cannot take every payment: some must be refused"
    assert all(isinstance(error, AllocationExceedsBalance) for error in refused), refused
    succeeded = [p for kind, value in outcomes if kind == "ok" for p in value]
    assert succeeded, "at least the first call must go through"
    assert Payment.objects.count() == len(succeeded), "a refused call leaves no row"
    for invoice in invoices:
        stored = Invoice.objects.get(pk=invoice.pk)
        allocated = sum((a.amount for a in Allocation.objects.filter(invoice=invoice)), Decimal(0))
        assert stored.allocated_total == allocated <= stored.total
        assert stored.balance == stored.total - allocated
        assert stored.status == (Status.PAID if allocated == stored.total else Status.PARTIALLY_PAID)
    assert check_books() == []
