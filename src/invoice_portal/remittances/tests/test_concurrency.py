"""Remittance advice under real concurrency (PostgreSQL row locks): confirmed into exactly one payment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.core.errors import AllocationExceedsBalance, Conflict
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.models import Payment
from invoice_portal.remittances.services import remittance_confirm, remittance_submit
from invoice_portal.testing import at_once, make_invoice, make_personas, pay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_clerks_confirming_the_same_remittance_record_one_payment() -> None:
    roles_ensure_builtin()
    p = make_personas()
    invoice = make_invoice(company=p.acme, amount="100.00")
    advice = remittance_submit(
        actor=p.bob, amount="100.00", method="wire", reference="WIRE-RACE", paid_on=timezone.localdate(),
        invoices_amounts=[(invoice, "100.00")],
    )  # fmt: skip
    results = at_once([lambda: remittance_confirm(actor=p.finance, remittance=advice.pk) for _ in range(4)])
    assert sum(isinstance(r, Payment) for r in results) == 1
    assert all(isinstance(r, (Payment, Conflict)) for r in results), results
    assert Payment.objects.filter(reference="WIRE-RACE").count() == 1
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("0")
    assert check_books() == []


def test_a_remittance_confirmed_while_the_invoice_is_paid_never_overpays_it() -> None:
    roles_ensure_builtin()
    p = make_personas()
    invoice = make_invoice(company=p.acme, amount="100.00")
    advice = remittance_submit(
        actor=p.bob, amount="80.00", method="check", reference="CHK-RACE", paid_on=timezone.localdate(),
        invoices_amounts=[(invoice, "80.00")],
    )  # fmt: skip
    results = at_once(
        [lambda: remittance_confirm(actor=p.finance, remittance=advice.pk), lambda: pay(company=p.acme, invoices=[(invoice, "60.00")])]
    )
    confirmed, offline = results
    assert isinstance(confirmed, Payment), results  # the remittance always goes through, capped at what is left
    invoice = Invoice.objects.get(pk=invoice.pk)
    if isinstance(offline, AllocationExceedsBalance):  # the remittance came first: 60.00 no longer fits in the 20.00 left
        assert invoice.allocated_total == Decimal("80.00")
    else:  # the offline payment came first: the remittance takes the 40.00 left, the rest is credit on account
        assert isinstance(offline, Payment)
        assert (invoice.allocated_total, confirmed.unallocated) == (Decimal("100.00"), Decimal("40.00"))
    assert invoice.allocated_total <= invoice.total
    assert check_books() == []
