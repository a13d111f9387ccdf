"""AP matching in a real browser: an invoice over tolerance → on hold → sent to the requester → accepted by
the requester above their limit → approved by approver@demo.test → exported in a transaction run.
Screenshots go to ``artifacts/ap/`` (``SCREENSHOT_DIR`` overrides)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from invoice_portal.browser_testing import (
    layout_problems_at_each_size,
    requires_chromium,
    screenshot,
)
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.payables.models import ApproverLimit, TransactionRunInvoice
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]


def shot(page: Any, name: str) -> None:
    screenshot(page, name, default_dir=Path(settings.PROJECT_DIR) / "artifacts" / "ap")


def test_over_tolerance_hold_requester_approver_run(people: ApPersonas, open_as: Callable[[Any], Any]) -> None:
    ApproverLimit.objects.create(user=people.requester, currency="USD", limit=Decimal("100"))
    ApproverLimit.objects.create(user=people.approver, currency="USD", limit=Decimal("10000"))
    po = make_po(supplier=people.northwind, requester=people.requester, external_id="PO-MATCH")
    receive_all(po)
    invoice = flip(po, actor=people.sue, number="NW-OVER-1", prices=["5.60", "100.00"])
    assert invoice.ap_status == ReceivedStatus.ON_HOLD

    clerk = open_as(people.clerk)
    clerk.goto("/ap/holds/")
    clerk.get_by_role("link", name="NW-OVER-1").click()
    expect(clerk.locator("h1 .badge")).to_have_text("On hold")
    expect(clerk.get_by_role("table", name="Matching result per line")).to_contain_text("line 1: price 5.6, ordered at 5")
    clerk.get_by_label("Note to the requester").fill("Price is 12 % over the PO")
    shot(clerk, "ap-hold")
    clerk.get_by_role("button", name="Send to requester").click()
    expect(clerk.locator("h1 .badge")).to_have_text("Pending order acceptance")

    requester = open_as(people.requester)
    requester.goto("/ap/approvals/")
    requester.get_by_role("link", name="NW-OVER-1").click()
    requester.get_by_label("Comment").fill("New price agreed with Northwind")
    shot(requester, "ap-buyer-accept")
    requester.get_by_role("button", name="Accept invoice").click()
    expect(requester.get_by_role("heading", name="Invoices waiting for me")).to_be_visible()
    expect(requester.get_by_text("Nothing waits for you.")).to_be_visible()
    assert Invoice.objects.get(pk=invoice.pk).ap_status == ReceivedStatus.PENDING_DELEGATED_APPROVAL

    approver = open_as(people.approver)
    approver.goto("/ap/approvals/")
    expect(approver.get_by_role("table", name="Invoices waiting for me")).to_contain_text("Delegated approval")
    approver.get_by_role("link", name="NW-OVER-1").click()
    approver.get_by_label("Comment").fill("OK")
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator("h1 .badge")).to_have_text("Invoice accepted")

    clerk.goto("/ap/runs/")
    clerk.get_by_role("button", name="Export 1 accepted invoice").click()
    expect(clerk.get_by_role("table", name="Transaction runs")).to_contain_text("NW-OVER-1")
    shot(clerk, "ap-run")
    ubl = clerk.get_by_role("link", name="UBL (zip)")
    with clerk.expect_download() as download:
        ubl.click()
    assert download.value.suggested_filename.endswith("-ubl.zip")
    assert layout_problems_at_each_size(clerk, name="ap-runs", shots=Path(settings.PROJECT_DIR) / "artifacts" / "ap") == []
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.ap_status == ReceivedStatus.DOWNLOADED
    assert TransactionRunInvoice.objects.filter(invoice=invoice).exists()
    assert check_books() == []
