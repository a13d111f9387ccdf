"""Payments to suppliers in a real browser: the clerk records one (allocating it to an invoice), the supplier sees it under
"What was paid". Each page checked at 1366 px and 390 px (no sideways page scroll); screenshots to ``artifacts/ap/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from invoice_portal.browser_testing import layout_problems_at_each_size, requires_chromium
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Status
from invoice_portal.payables.models import SupplierPayment
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]
SHOTS = Path(settings.PROJECT_DIR) / "artifacts" / "ap"


def test_the_clerk_pays_a_supplier_and_the_supplier_sees_what_was_paid(people: ApPersonas, open_as: Callable[[Any], Any]) -> None:
    invoices = []
    for n in range(2):
        po = make_po(supplier=people.northwind, external_id=f"PO-PAY-{n}")
        receive_all(po)
        invoices.append(flip(po, actor=people.sue, number=f"NW-PAY-{n}"))
    first = invoices[0]

    page = open_as(people.clerk)
    page.goto("/ap/payments/")
    page.get_by_role("link", name="Record a payment").click()
    page.select_option("#id_supplier", str(people.northwind.pk))
    page.get_by_role("button", name="Next").click()
    page.fill("#id_amount", f"{first.total + 40}")
    page.fill("#id_reference", "TRF-BROWSER-1")
    page.fill(f"#pay_{first.pk}", f"{first.total}")
    assert layout_problems_at_each_size(page, name="supplier-payment-new", shots=SHOTS) == []
    page.fill("#id_amount", f"{first.total + 40}")
    page.fill("#id_reference", "TRF-BROWSER-1")
    page.fill(f"#pay_{first.pk}", f"{first.total}")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("heading", name="Payment #")).to_be_visible()
    expect(page.get_by_text("TRF-BROWSER-1")).to_be_visible()
    assert layout_problems_at_each_size(page, name="supplier-payment-detail", shots=SHOTS) == []
    page.goto("/ap/payments/")
    assert layout_problems_at_each_size(page, name="supplier-payments", shots=SHOTS) == []
    first.refresh_from_db()
    assert first.status == Status.PAID
    assert SupplierPayment.objects.get().unallocated == 40

    supplier = open_as(people.sam)
    supplier.get_by_role("link", name="What was paid").click()
    expect(supplier.get_by_text("TRF-BROWSER-1")).to_be_visible()
    expect(supplier.get_by_role("link", name="NW-PAY-0")).to_be_visible()
    assert layout_problems_at_each_size(supplier, name="supplier-what-was-paid", shots=SHOTS) == []
    assert check_books() == []
