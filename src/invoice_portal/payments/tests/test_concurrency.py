"""On PostgreSQL, under real concurrency: no overpayment, exact sums, gapless numbers, append-only audit."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from invoice_portal.audit.models import AuditEvent, DocumentSeal
from invoice_portal.core.errors import AllocationExceedsBalance, AllocationExceedsPayment, DomainError, ValidationFailed
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.invoices.services import invoice_create, invoice_issue
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.payments.services import payment_allocate, payment_record
from invoice_portal.testing import line, make_company, make_invoice

pytestmark = pytest.mark.postgres

THREADS = 16
concurrent_db = pytest.mark.django_db(transaction=True)


def run_at_once(work: Callable[[int], Any], threads: int = THREADS) -> list[tuple[str, Any]]:
    """Run ``work(i)`` in ``threads`` threads released at once.

    Each outcome is ("ok", result), ("refused", domain error) or ("crashed", any other error).
    """
    start = threading.Barrier(threads)
    outcomes: list[tuple[str, Any]] = [("crashed", "never ran")] * threads

    def worker(i: int) -> None:
        try:
            start.wait()
            outcomes[i] = ("ok", work(i))
        except DomainError as error:
            outcomes[i] = ("refused", error)
        except Exception as error:  # noqa: BLE001 - a crash (deadlock, integrity error) is reported, not swallowed
            outcomes[i] = ("crashed", error)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a thread hung (deadlock?)"
    return outcomes


def crashes(outcomes: list[tuple[str, Any]]) -> list[Any]:
    return [value for kind, value in outcomes if kind == "crashed"]


@concurrent_db
def test_sixteen_payments_racing_for_the_same_three_invoices_never_overpay_them():
    company = make_company(name="Race Inc")
    invoices = [make_invoice(company=company, amount=amount) for amount in ("100.00", "150.00", "200.00")]

    def pay(i: int) -> Payment:
        # Every thread names the invoices in its own order: the locks must still be taken in one order.
        shares = [(inv, str(Decimal(5 * (1 + (i + k) % 4)))) for k, inv in enumerate(invoices)]
        ordered = shares[i % 3 :] + shares[: i % 3]
        total = sum(Decimal(a) for _, a in ordered)
        return payment_record(actor=None, company=company, amount=str(total), currency="USD", method="wire", allocations=ordered)

    outcomes = run_at_once(pay)

    assert crashes(outcomes) == []
    refused = [value for kind, value in outcomes if kind == "refused"]
    assert refused, "the invoices cannot take every payment: some must be refused"
    assert all(isinstance(error, AllocationExceedsBalance) for error in refused), refused
    succeeded = [value for kind, value in outcomes if kind == "ok"]
    assert succeeded, "at least the first payment must go through"
    assert Payment.objects.count() == len(succeeded), "a refused payment leaves no row"
    for invoice in invoices:
        stored = Invoice.objects.get(pk=invoice.pk)
        allocated = sum((a.amount for a in Allocation.objects.filter(invoice=invoice)), Decimal(0))
        assert stored.allocated_total == allocated <= stored.total
        assert stored.balance == stored.total - allocated
        assert stored.status == (Status.PAID if allocated == stored.total else Status.PARTIALLY_PAID)
    assert check_books() == []


@concurrent_db
def test_sixteen_threads_spending_one_payments_credit_never_overspend_it_or_overpay_an_invoice():
    company = make_company(name="Race Inc")
    invoices = [make_invoice(company=company, amount=amount) for amount in ("100.00", "150.00", "200.00")]
    credit = payment_record(actor=None, company=company, amount="300.00", currency="USD", method="wire")

    def allocate(i: int) -> Payment:
        invoice = invoices[i % 3]
        return payment_allocate(actor=None, payment=credit, allocations=[(invoice, "30.00")])

    outcomes = run_at_once(allocate)

    assert crashes(outcomes) == []
    refused = [value for kind, value in outcomes if kind == "refused"]
    assert all(isinstance(error, AllocationExceedsBalance | AllocationExceedsPayment) for error in refused), refused
    credit.refresh_from_db()
    ok = sum(1 for kind, _ in outcomes if kind == "ok")
    assert credit.allocated_total == Decimal("30.00") * ok <= credit.amount
    assert ok == 10  # 300.00 of credit in steps of 30.00, and no invoice is too small for its share
    assert check_books() == []


@concurrent_db
def test_sixteen_threads_issuing_at_once_get_unique_gapless_numbers_and_burn_none():
    company = make_company(name="Numbers Ltd")
    drafts = [invoice_create(actor=None, company=company, lines=[line()] if i % 4 else []) for i in range(THREADS)]

    outcomes = run_at_once(lambda i: invoice_issue(actor=None, invoice=drafts[i]))

    assert crashes(outcomes) == []
    refused = [value for kind, value in outcomes if kind == "refused"]
    assert len(refused) == THREADS // 4
    assert all(isinstance(error, ValidationFailed) for error in refused), refused
    numbers = [n for n in Invoice.objects.values_list("number", flat=True) if n is not None]
    assert len(numbers) == len(set(numbers)) == THREADS - THREADS // 4
    assert all(re.fullmatch(r"INV-\d{4}-\d{6}", n) for n in numbers), numbers
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequence == list(range(1, len(numbers) + 1)), "numbers are sequential, none skipped by the failed issues"
    assert DocumentSeal.objects.count() == len(numbers)
    assert check_books() == [], "the seal chain stays linear under concurrent issuing"


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["audit_auditevent", "audit_documentseal"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_audit_events_and_seals_cannot_be_changed_or_removed_in_the_database(table, statement):
    make_invoice(company=make_company())
    assert AuditEvent.objects.exists()
    assert DocumentSeal.objects.exists()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table))
    assert AuditEvent.objects.count() == 2  # create and issue
    assert DocumentSeal.objects.count() == 1
