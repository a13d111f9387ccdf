"""The seller app in a real browser (Playwright driving the system's Chromium against a live server).

Each test walks one clerk's task end to end, with htmx doing its part, and saves a screenshot of
the page it ends on under ``var/screenshots/`` (``SCREENSHOT_DIR`` overrides). Skipped where
Playwright or Chromium is not installed, unless ``INVOICE_PORTAL_REQUIRE_BROWSER`` is set.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from invoice_portal.accounts.models import RoleGrant
from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.browser_testing import (
    launched_chromium,
    layout_problems_at_each_size,
    requires_chromium,
    screenshot,
    signed_in_pages,
)
from invoice_portal.companies.models import Company
from invoice_portal.core.models import InvoicesPerOrder
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Dispute, Invoice
from invoice_portal.seller.tests.conftest import World, make_world
from invoice_portal.testing import line, make_invoice, make_personas

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]


SHOTS = Path(settings.PROJECT_DIR) / "var" / "screenshots"
# What must read on one line in a list: document numbers and customer ids.
ONE_LINE = "td.ident a, .ident"


def shot(page: Any, name: str) -> None:
    screenshot(page, name, default_dir=SHOTS)


def layout(page: Any, name: str, *, fits: str = "") -> list[str]:
    return layout_problems_at_each_size(page, one_line=ONE_LINE, fits=fits, name=name, shots=SHOTS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def world(browser: Any, transactional_db: Any) -> World:
    # A transactional test empties the tables afterwards, built-in roles included; put them back first.
    roles_ensure_builtin()
    return make_world(make_personas())


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    # The deliberate 403 probe (and the project stylesheet, see the report) log "Failed to load resource";
    # the missing favicon is not an error of ours.
    with signed_in_pages(
        browser, live_server.url, timeout_ms=10_000, accept_downloads=True, ignore_console=lambda text: "favicon" in text
    ) as open_page:
        yield open_page


def test_sales_invoices_a_flagged_order_edits_a_cost_line_and_issues_it(world: World, open_as: Callable[[Any], Any]) -> None:
    settings_row = portal_settings()
    settings_row.invoices_per_order = InvoicesPerOrder.MANY
    settings_row.save()
    page = open_as(world.p.sales)
    page.goto("/seller/orders/")
    assert layout(page, "layout-orders", fits=".table-wrap") == []
    page.goto("/seller/orders/?flagged=on")
    row = page.locator("tr", has_text="BC-1001")
    sync_api.expect(row.get_by_text("Updated after invoicing")).to_be_visible()
    row.get_by_role("button", name="Acknowledge").click()
    sync_api.expect(page.locator(".msg-success")).to_contain_text("Flags of order BC-1001 acknowledged")
    page.goto(f"/seller/orders/{world.flagged_order.pk}/")
    page.get_by_role("button", name="Create invoice").click()
    sync_api.expect(page.locator(".msg-success")).to_contain_text("Draft invoice created from order BC-1001")
    sync_api.expect(page.locator(".lines-editor tbody tr")).to_have_count(1)
    # The whole line table, "Remove" included, fits beside the navigation on a 1366 px screen.
    assert layout(page, "layout-editor", fits="#editor .table-wrap") == []

    page.get_by_role("button", name="Add cost line (shipping, fee)").click()  # htmx swaps the editor in place
    sync_api.expect(page.locator(".lines-editor tbody tr")).to_have_count(2)
    page.fill("#id_lines-1-description", "Freight")
    page.fill("#id_lines-1-unit_price", "12.50")
    sync_api.expect(page.locator(".preview-total")).to_have_text("$37.50")  # 1 × 25.00 left on the order + 12.50, live
    page.get_by_role("button", name="Save changes").click()
    sync_api.expect(page.locator(".msg-success")).to_contain_text("saved")
    page.get_by_role("link", name="Issue…").click()  # a confirmation first: the customer, the total, what happens
    sync_api.expect(page.locator("h1")).to_contain_text("Issue this invoice to")
    page.get_by_role("button", name=re.compile(r"^Issue \$37\.50 to ")).click()
    sync_api.expect(page.locator(".msg-success")).to_contain_text("Issued as INV-")
    shot(page, "1-sales-invoiced-flagged-order")

    invoice = Invoice.objects.filter(order=world.flagged_order).order_by("-pk").first()
    assert invoice is not None
    assert invoice.status == "open"
    assert str(invoice.total) == "37.5000"
    assert [ln.kind for ln in invoice.lines.order_by("line_no")] == ["item", "cost"]
    world.flagged_order.refresh_from_db()
    assert not world.flagged_order.is_flagged


def test_finance_records_one_check_over_two_invoices(world: World, open_as: Callable[[Any], Any]) -> None:
    page = open_as(world.p.finance)
    page.goto("/seller/payments/new/")
    page.fill("#id_q", "ACME-W")  # htmx lists the matches as you type; external ids match exactly
    sync_api.expect(page.locator("#matches")).to_contain_text("ACME West")
    page.fill("#id_q", "acme")
    page.locator("#matches").get_by_role("link", name="ACME Corp").click()
    page.fill("#id_amount", "170.00")
    page.select_option("#id_method", "check")
    page.fill("#id_reference", "CHK-4711")
    page.fill(f"#id_alloc_{world.open.pk}", "120.00")
    page.fill(f"#id_alloc_{world.overdue.pk}", "50.00")
    page.get_by_role("button", name="Record payment").click()
    sync_api.expect(page.locator(".msg-success")).to_contain_text("recorded")
    allocations = page.locator("section", has_text="Allocations")
    sync_api.expect(allocations.locator("tr", has_text=world.open.number or "")).to_contain_text("Partially paid")
    sync_api.expect(allocations.locator("tr", has_text=world.overdue.number or "")).to_contain_text("Paid")
    shot(page, "2-finance-check-over-two-invoices")

    page.goto(f"/seller/invoices/?number={world.open.number}")
    sync_api.expect(page.locator("#results tbody tr")).to_contain_text("Partially paid")
    page.goto("/seller/payments/")
    assert layout(page, "layout-payments", fits=".table-wrap") == []


def test_finance_credits_a_disputed_line_and_the_dispute_closes(world: World, open_as: Callable[[Any], Any]) -> None:
    page = open_as(world.p.finance)
    page.goto(f"/seller/invoices/{world.open.pk}/")
    disputes = page.locator("#disputes")
    sync_api.expect(disputes).to_contain_text("Agreed price was 90")
    disputes.get_by_label("Net amount to credit").fill("10.00")
    disputes.get_by_label("Comment").fill("Price corrected to the agreed 90")
    disputes.get_by_role("button", name="Issue credit note and close").click()
    sync_api.expect(page.locator(".msg-success")).to_contain_text("resolved by credit note CN-")
    sync_api.expect(page.locator("#disputes")).to_contain_text("Resolved by credit note")
    sync_api.expect(page.locator("h1")).not_to_contain_text("Disputed")
    shot(page, "3-finance-dispute-credited")

    dispute = Dispute.objects.get(pk=world.dispute.pk)
    assert dispute.status == "credited"
    assert dispute.credit_note is not None


def test_admin_switches_off_delete_for_sales(world: World, open_as: Callable[[Any], Any]) -> None:
    sales = open_as(world.p.sales)
    sales.goto(f"/seller/invoices/{world.draft.pk}/")
    sync_api.expect(sales.get_by_role("button", name="Delete draft")).to_be_visible()

    admin = open_as(world.p.admin)
    admin.goto("/seller/roles/")
    admin.get_by_role("link", name="Sales").click()
    admin.locator("tr", has_text="invoices.delete").get_by_role("button", name="Switch off").click()
    sync_api.expect(admin.locator(".msg-success")).to_contain_text("invoices.delete switched off for Sales")
    assert not RoleGrant.objects.filter(role__code="sales", permission="invoices.delete").exists()

    sales.reload()  # the next request of the same session already runs without the permission
    sync_api.expect(sales.get_by_role("button", name="Delete draft")).to_have_count(0)
    status = sales.evaluate(
        """async (url) => {
            const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
            const response = await fetch(url, {method: 'POST', headers: {'X-CSRFToken': token}});
            return response.status;
        }""",
        f"/seller/invoices/{world.draft.pk}/delete",
    )
    assert status == 403
    assert Invoice.objects.filter(pk=world.draft.pk).exists()
    shot(sales, "4-sales-without-delete")


def test_dashboard_filter_and_csv_export_give_the_same_rows(world: World, open_as: Callable[[Any], Any]) -> None:
    # A long customer name, a long customer id and seven-figure amounts: the list still shows every column on a
    # 1366 px screen, with numbers and ids on one line, and never scrolls the page sideways on a phone.
    Company.objects.filter(pk=world.p.acme.pk).update(name="ACME Corporation International Holdings", external_id="CUST-ACME-00012345")
    make_invoice(company=world.p.acme, lines=[line(description="Press", unit_price="1234567.89")])
    expected = {inv.number or "" for inv in Invoice.objects.filter(company__name__icontains="ACME", status="open")}
    assert len(expected) >= 2
    page = open_as(world.p.sales)
    page.goto("/seller/invoices/")
    page.select_option("#id_status", "open")  # htmx refreshes the results and the address bar
    page.fill("#id_customer", "ACME")
    sync_api.expect(page.locator(".result-count")).to_have_text(f"{len(expected)} documents")
    assert "status=open" in page.url
    shown = set(page.locator("#results tbody tr td:nth-child(2) a").all_inner_texts())
    assert shown == expected
    assert layout(page, "layout-invoices", fits="#results .table-wrap") == []
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(f"Export these {len(expected)} as CSV")).click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    exported = [row["Number"] for row in csv.DictReader(io.StringIO(text))]
    assert sorted(exported) == sorted(expected)
    shot(page, "5-dashboard-filter-and-export")


def test_finance_corrects_a_line_status_and_the_admin_words_the_statuses(world: World, open_as: Callable[[Any], Any]) -> None:
    finance = open_as(world.p.finance)
    finance.goto(f"/seller/invoices/{world.partial.pk}/")
    section = finance.locator("#line-statuses")
    sync_api.expect(section).to_contain_text("Enterprise status")
    finance.click("#line-statuses summary")
    finance.select_option("#id_line_status-status", value="enterprise:payment_received")
    finance.fill("#id_line_status-reason", "Wire seen on the bank statement of 3 Dec")
    finance.click("#line-statuses button[type=submit]")
    sync_api.expect(section.locator("tbody tr").first).to_contain_text("Payment received")
    assert layout(finance, "layout-seller-invoice-line-statuses") == []

    admin = open_as(world.p.admin)
    admin.goto("/seller/settings/wording/")
    admin.fill("#id_status__open", "Awaiting payment")
    admin.click("form.card button[type=submit]")
    sync_api.expect(admin.locator(".msg-success")).to_contain_text("1 description changed")
    sync_api.expect(admin.locator("#id_status__open")).to_have_value("Awaiting payment")
    assert layout(admin, "layout-seller-wording") == []
    admin.goto("/seller/invoices/")
    sync_api.expect(admin.locator("table")).to_contain_text("Awaiting payment")
