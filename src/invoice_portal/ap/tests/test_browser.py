"""Accounts payable in a real browser (Playwright driving the system's Chromium against a live server).

Two tasks end to end: a supplier flips a purchase order into an invoice and submits it; the AP clerk
keys a retrofit invoice with the supplier's PDF and the requester accepts the retrofit order. Screenshots
go to ``artifacts/ap/`` (``SCREENSHOT_DIR`` overrides).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from invoice_portal.browser_testing import requires_chromium, screenshot
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.orders.models import OrderSource
from invoice_portal.payables.models import ReceivedAttachment
from invoice_portal.payables.testing import ApPersonas, make_po, receive_all

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def shot(page: Any, name: str) -> None:
    screenshot(page, name, default_dir=Path(settings.PROJECT_DIR) / "artifacts" / "ap")


def test_a_supplier_flips_a_po_and_submits_it(people: ApPersonas, open_as: Callable[[Any], Any]) -> None:
    po = make_po(supplier=people.northwind, lines=[("10", "5.00"), ("2", "100.00")], external_id="PO-BROWSER")
    receive_all(po)
    foreign = make_po(supplier=people.initech)
    first, second = po.lines.order_by("line_no")

    page = open_as(people.sue)
    expect(page.get_by_role("heading", name="Northwind Traders")).to_be_visible()
    page.get_by_role("link", name="Create invoice").first.click()
    expect(page.get_by_role("heading", name="Invoice purchase order PO-BROWSER")).to_be_visible()
    expect(page.locator(f"#id_qty_{first.pk}")).to_have_value("10")
    page.fill("#id_number", "NW-BROWSER-1")
    page.fill(f"#id_qty_{first.pk}", "8")
    page.uncheck(f"#id_take_{second.pk}")
    shot(page, "supplier-flip")
    page.get_by_role("button", name="Submit invoice").click()

    expect(page.get_by_role("heading", name="Invoice NW-BROWSER-1")).to_be_visible()
    expect(page.locator(".badge").first).to_have_text("Invoice accepted")
    shot(page, "supplier-invoice")
    invoice = Invoice.objects.get(number="NW-BROWSER-1")
    assert [(ln.order_line_id, ln.quantity) for ln in invoice.lines.all()] == [(first.pk, 8)]
    assert invoice.total == 40
    page.goto("/supplier/invoices/")
    expect(page.get_by_role("link", name="NW-BROWSER-1")).to_be_visible()
    response = page.goto(f"/supplier/orders/{foreign.pk}/")
    assert response is not None
    assert response.status == 404
    assert check_books() == []


def test_the_clerk_keys_a_retrofit_invoice_and_the_requester_accepts_it(people: ApPersonas, open_as: Callable[[Any], Any]) -> None:
    clerk = open_as(people.clerk)
    expect(clerk.get_by_role("heading", name="Received invoices")).to_be_visible()
    clerk.get_by_role("link", name="Retrofit invoice").first.click()
    clerk.select_option("#id_supplier", label="Northwind Traders")
    clerk.fill("#id_number", "NW-RETRO-1")
    clerk.select_option("#id_requester", label=str(people.approver))
    clerk.fill("#id_desc_0", "Emergency plumbing")
    clerk.fill("#id_qty_0", "3")
    clerk.fill("#id_unit_0", "HUR")
    clerk.fill("#id_price_0", "80.00")
    clerk.set_input_files("#id_pdf", files=[{"name": "nw-retro-1.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    shot(clerk, "ap-retrofit")
    clerk.get_by_role("button", name="Submit").click()
    expect(clerk.locator("h1 .badge")).to_have_text("Pending initial acceptance")
    invoice = Invoice.objects.get(number="NW-RETRO-1")
    assert invoice.order is not None
    assert invoice.order.source == OrderSource.RETROFIT
    assert bytes(ReceivedAttachment.objects.get(invoice=invoice).content) == PDF

    requester = open_as(people.approver)
    requester.goto("/ap/")
    requester.get_by_role("link", name="Waiting for my acceptance").click()
    card = requester.get_by_role("region", name=f"Retrofit order {invoice.order.po_number}")
    expect(card).to_contain_text("Emergency plumbing")
    card.get_by_label("Comment").fill("Yes, the pipe burst on Sunday")
    shot(requester, "ap-acceptance")
    card.get_by_role("button", name="Accept order").click()
    expect(requester.get_by_text("Nothing waits for you.")).to_be_visible()

    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    clerk.goto(f"/ap/invoices/{invoice.pk}/")
    expect(clerk.locator("h1 .badge")).to_have_text("Invoice accepted")
    expect(clerk.locator("table.audit")).to_contain_text("retrofit")
    assert check_books() == []
