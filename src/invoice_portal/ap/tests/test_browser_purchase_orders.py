"""AP keys a purchase order by hand in a real browser, records its receipt and closes it; the new AP and
supplier pages lay out at desktop and phone sizes. Screenshots go to ``artifacts/ap/`` (``SCREENSHOT_DIR`` overrides)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from invoice_portal.browser_testing import layout_problems_at_each_size, requires_chromium
from invoice_portal.orders.models import Order, PurchaseOrderStatus
from invoice_portal.payables.testing import ApPersonas, flip, make_po
from invoice_portal.testing import make_user

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]
SHOTS = Path(settings.PROJECT_DIR) / "artifacts" / "ap"


def test_the_clerk_keys_a_po_records_its_receipt_and_closes_it(people: ApPersonas, open_as: Callable[[Any], Any]) -> None:
    clerk = open_as(people.clerk)
    clerk.goto("/ap/orders/")
    clerk.get_by_role("link", name="New purchase order").click()
    clerk.select_option("#id_supplier", label="Northwind Traders")
    clerk.fill("#id_number", "PO-KEYED-1")
    clerk.select_option("#id_requester", label=str(people.requester))
    clerk.fill("#id_sku_0", "CH-100")
    clerk.fill("#id_desc_0", "Office chair")
    clerk.fill("#id_qty_0", "4")
    clerk.fill("#id_price_0", "120,00")  # a comma: refused beside the field, nothing saved
    clerk.fill("#id_rate_0", "20")
    clerk.fill("#id_desc_1", "Assembly")
    clerk.fill("#id_qty_1", "2")
    clerk.fill("#id_unit_1", "HUR")
    clerk.fill("#id_price_1", "45.50")
    clerk.get_by_role("button", name="Save purchase order").click()
    expect(clerk.locator("td.has-error .field-error")).to_have_count(1)
    assert not Order.objects.filter(po_number="PO-KEYED-1").exists()
    assert layout_problems_at_each_size(clerk, name="ap-po-new-error", shots=SHOTS) == []
    clerk.fill("#id_price_0", "120.00")
    clerk.get_by_role("button", name="Save purchase order").click()

    expect(clerk.get_by_role("heading", name="Purchase order PO-KEYED-1")).to_be_visible()
    expect(clerk.get_by_text("Keyed in AP")).to_be_visible()
    assert layout_problems_at_each_size(clerk, name="ap-po-keyed", shots=SHOTS) == []
    clerk.get_by_role("link", name="Record receipt").click()
    clerk.get_by_role("button", name="Record receipt").click()
    expect(clerk.locator("h1 .badge").first).to_have_text("Received")
    clerk.get_by_role("button", name="Close PO").click()
    expect(clerk.locator("h1 .badge").first).to_have_text("Closed")
    expect(clerk.get_by_role("button", name="Close PO")).to_have_count(0)
    order = Order.objects.get(po_number="PO-KEYED-1")
    assert order.po_status == PurchaseOrderStatus.CLOSED
    assert [f"{q.normalize():f}" for q in order.lines.order_by("line_no").values_list("receipts__quantity", flat=True)] == ["4", "2"]


def test_the_new_pages_lay_out_at_desktop_and_phone_sizes(people: ApPersonas, open_as: Callable[[Any], Any]) -> None:
    invoice = flip(make_po(supplier=people.northwind, requester=people.requester), actor=people.sue, number="NW-LAYOUT-1")
    admin = open_as(make_user(role="admin"))
    admin.goto("/ap/settings/discounts")
    admin.get_by_label("Enter received invoices as gross, discount and net").check()
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_text("Invoice discounts switched on.")).to_be_visible()
    assert layout_problems_at_each_size(admin, name="ap-discounts", shots=SHOTS) == []

    clerk = open_as(people.clerk)
    clerk.goto(f"/ap/invoices/{invoice.pk}/")
    with clerk.expect_download() as download:
        clerk.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == "NORTHWIND-NW-LAYOUT-1.pdf"
    clerk.goto("/ap/orders/new")
    assert layout_problems_at_each_size(clerk, name="ap-po-new", shots=SHOTS) == []

    sue = open_as(people.sue)
    sue.goto("/supplier/invoices/")
    sue.get_by_role("link", name="Invoice without a PO").click()
    expect(sue.get_by_role("heading", name="Invoice without a purchase order")).to_be_visible()
    assert layout_problems_at_each_size(sue, name="supplier-invoice-without-po", shots=SHOTS) == []
    sue.goto(f"/supplier/invoices/{invoice.pk}/")
    assert layout_problems_at_each_size(sue, name="supplier-invoice-pdf-link", shots=SHOTS) == []
