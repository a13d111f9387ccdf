"""Payments to suppliers: allocated like customer payments, to the supplier's accepted invoices only, never beyond a balance."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import (
    AllocationExceedsBalance,
    AllocationExceedsPayment,
    AllocationNotAllowed,
    CurrencyMismatch,
    ValidationFailed,
)
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, ReceivedStatus, Status
from invoice_portal.payables.models import SupplierAllocation, SupplierPayment
from invoice_portal.payables.services.supplier_payments import supplier_payment_allocate, supplier_payment_record
from invoice_portal.payables.services.transaction_runs import transaction_run_create
from invoice_portal.payables.testing import ApPersonas, flip, make_held, make_po, receive_all
from invoice_portal.payments.models import Allocation
from invoice_portal.testing import make_company, refused

pytestmark = pytest.mark.django_db


def _accepted(ap: ApPersonas, supplier: Company | None = None) -> Invoice:
    po = make_po(supplier=supplier or ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.clerk)
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    return invoice


def test_a_payment_settles_accepted_invoices_and_keeps_the_rest_on_account(ap: ApPersonas) -> None:
    first, second = _accepted(ap), _accepted(ap)
    amount = first.total + Decimal("100.00")
    payment = supplier_payment_record(
        actor=ap.clerk, supplier=ap.northwind, amount=amount, method="wire", reference="TRF-1",
        allocations=[(first, first.total), (second, "50.00")],
    )  # fmt: skip
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.balance) == (Status.PAID, Decimal(0))
    assert (second.status, second.balance) == (Status.PARTIALLY_PAID, second.total - Decimal("50.00"))
    assert payment.allocated_total == first.total + Decimal("50.00")
    assert payment.unallocated == Decimal("50.00")
    # Paid on account now, allocated later (an accepted invoice already handed to the ERP may be paid too).
    transaction_run_create(actor=ap.clerk)
    second.refresh_from_db()
    assert second.ap_status == ReceivedStatus.DOWNLOADED
    supplier_payment_allocate(actor=ap.clerk, payment=payment, allocations=[{"invoice": second.pk, "amount": "50.00"}])
    assert SupplierAllocation.objects.get(payment=payment, invoice=second).amount == Decimal("100.00")
    assert not Allocation.objects.exists()  # the customer side never sees it
    assert check_books() == []


def test_never_more_than_an_invoices_balance_nor_the_payment(ap: ApPersonas) -> None:
    invoice = _accepted(ap)
    with refused(AllocationExceedsBalance, "still due on"):
        supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="100000", method="wire",
                                allocations=[(invoice, invoice.total + Decimal("0.01"))])  # fmt: skip
    with refused(AllocationExceedsPayment, "more than the payment of 10.00"):
        supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="10", method="wire", allocations=[(invoice, "10.01")])
    payment = supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount=invoice.total, method="wire",
                                      allocations=[(invoice, invoice.total - Decimal("1"))])  # fmt: skip
    with refused(AllocationExceedsPayment, "has 1.00 USD left to allocate, not 1.01"):
        supplier_payment_allocate(actor=ap.clerk, payment=payment, allocations=[(invoice, "1.01")])
    other = supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="5", method="check")
    with refused(AllocationExceedsBalance, "1.00 USD still due"):
        supplier_payment_allocate(actor=ap.clerk, payment=other, allocations=[(invoice, "1.01")])
    assert check_books() == []


def test_only_the_suppliers_own_accepted_invoices_in_its_currency(ap: ApPersonas) -> None:
    held = make_held(ap)
    with refused(AllocationNotAllowed, "on hold; only accepted invoices are paid"):
        supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="10", method="wire", allocations=[(held, "10")])
    initech_invoice = _accepted(ap, ap.initech)
    with refused(AllocationNotAllowed, "not a received invoice of Northwind"):
        supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="10", method="wire", allocations=[(initech_invoice, "10")])
    invoice = _accepted(ap)
    with refused(CurrencyMismatch, "the payment in EUR"):
        supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="10", currency="EUR", method="wire",
                                allocations=[(invoice, "10")])  # fmt: skip
    customer = make_company(name="Only a customer")
    with refused(ValidationFailed, "not a supplier"):
        supplier_payment_record(actor=ap.clerk, supplier=customer, amount="10", method="wire")
    with refused(ValidationFailed, "method"):
        supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="10", method="card")
    with refused(ValidationFailed, "amount"):
        supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="-1", method="wire")
    with refused(ValidationFailed, "amount"):
        supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="1.001", method="wire")
    assert not SupplierPayment.objects.exists()


def test_check_books_names_a_tampered_supplier_payment(ap: ApPersonas) -> None:
    invoice = _accepted(ap)
    payment = supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="20", method="wire", allocations=[(invoice, "20")])
    SupplierAllocation.objects.filter(payment=payment).update(amount=Decimal("15"))
    found = {(v.object, v.rule) for v in check_books()}
    assert (f"supplier payment {payment.pk}", "allocated") in found
    assert sum(rule == "allocated" for _, rule in found) == 2  # the payment and the invoice it settles
