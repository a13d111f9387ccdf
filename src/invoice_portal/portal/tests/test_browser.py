"""The buyer portal in a real browser (Playwright driving the system's Chromium against a live server).

Each test walks one persona's task end to end, htmx and the built-in test gateway included, and saves a
screenshot of each page it ends on under ``artifacts/portal/`` (``SCREENSHOT_DIR`` overrides). Skipped
where Playwright or Chromium is not installed, unless ``INVOICE_PORTAL_REQUIRE_BROWSER`` is set.
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

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.browser_testing import (
    launched_chromium,
    layout_problems_at_each_size,
    requires_chromium,
    screenshot,
    signed_in_pages,
)
from invoice_portal.invoices.models import Dispute, Invoice, Status
from invoice_portal.payments.models import Payment
from invoice_portal.portal.tests.conftest import Books, make_books
from invoice_portal.testing import make_personas

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]


SHOTS = Path(settings.PROJECT_DIR) / "artifacts" / "portal"


def shot(page: Any, name: str) -> None:
    screenshot(page, name, default_dir=SHOTS)


def layout(page: Any, name: str, *, fits: str = "") -> list[str]:
    return layout_problems_at_each_size(page, one_line="td.ident a, .ident", fits=fits, name=name, shots=SHOTS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def books(browser: Any, transactional_db: Any) -> Books:
    # A transactional test empties the tables afterwards, built-in roles included; put them back first.
    roles_ensure_builtin()
    return make_books(make_personas())


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    with signed_in_pages(browser, live_server.url, timeout_ms=15_000) as open_page:
        yield open_page


def _fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def test_alice_pays_sixty_percent_of_one_invoice_and_all_of_another(books: Books, open_as: Callable[[Any], Any]) -> None:
    web, second = books.alice_web, books.alice_second
    page = open_as(books.p.alice)
    page.goto("/portal/invoices/?tab=web")
    expect(page.locator("[data-figure=open-USD]")).to_have_text("$80.00")
    page.check(f"#pick-{web.pk}")
    page.check(f"#pick-{second.pk}")
    page.get_by_role("button", name="Pay selected").click()

    expect(page.get_by_role("heading", name="Pay invoices")).to_be_visible()
    expect(page.locator(f"#id_amount_{second.pk}")).to_have_value("30.00")
    page.fill(f"#id_amount_{web.pk}", "30.00")  # 60 % of its 50.00
    expect(page.locator("[data-figure=to-charge]")).to_have_text("$60.00")  # the server adds it up as you type (htmx)
    shot(page, "1-alice-pay-page")
    page.get_by_role("button", name="Pay", exact=True).click()

    # The built-in test gateway's hosted page, as a provider would serve it.
    page.get_by_role("button", name=re.compile(r"^Succeed")).click()
    expect(page.get_by_text("is confirmed")).to_be_visible()
    shot(page, "2-alice-payment-confirmed")

    web, second = _fresh(web), _fresh(second)
    assert (web.status, str(web.balance)) == (Status.PARTIALLY_PAID, "20.0000")
    assert second.status == Status.PAID
    payment = Payment.objects.get(gateway="test")
    page.get_by_role("link", name=web.number or "").click()
    expect(page.locator("h1")).to_contain_text("Partially paid")  # the one status the buyer reads
    expect(page.locator("#payments")).to_contain_text(payment.reference)
    shot(page, "3-alice-invoice-partially-paid")
    page.goto(f"/portal/invoices/{second.pk}/")
    expect(page.locator("h1")).to_contain_text("Paid")
    expect(page.locator("#payments")).to_contain_text(payment.reference)
    expect(page.locator("#payments")).to_contain_text("CHK-777")  # the earlier check is still in the history
    shot(page, "4-alice-invoice-paid")


def test_bob_disputes_a_line_and_finance_sees_it(books: Books, open_as: Callable[[Any], Any]) -> None:
    invoice = books.acme_erp
    page = open_as(books.p.bob)
    page.goto(f"/portal/invoices/{invoice.pk}/")
    row = page.locator("#line-1")
    row.get_by_text("Dispute", exact=True).click()
    row.get_by_label("Reason").select_option("quantity")
    # A long unbroken word (a pasted reference) wraps inside the dispute instead of stretching the page.
    row.get_by_label("What is wrong?").fill("We ordered one day of consulting, not two. Ref " + "CONSULTINGDAY" * 20)
    row.get_by_role("button", name="Dispute line 1").click()
    expect(page.locator(".msg-success")).to_contain_text("Line 1 is disputed")
    expect(page.locator("#disputes")).to_contain_text("We ordered one day of consulting")
    expect(page.locator("h1")).to_contain_text("Disputed")
    shot(page, "5-bob-disputed-a-line")
    assert layout(page, "layout-invoice-with-long-dispute") == []
    dispute = Dispute.objects.get(invoice=invoice, status="open")
    assert (dispute.reason, dispute.raised_by) == ("quantity", books.p.bob)

    seller = open_as(books.p.finance)
    seller.goto(f"/seller/invoices/{invoice.pk}/")
    expect(seller.get_by_text("We ordered one day of consulting, not two.", exact=False).first).to_be_visible()
    shot(seller, "6-finance-sees-the-dispute")


def test_carol_sees_acme_west_and_walt_does_not_see_acme(books: Books, open_as: Callable[[Any], Any]) -> None:
    carol = open_as(books.p.carol)
    carol.goto("/portal/invoices/")
    table = carol.locator("table[aria-label=Invoices]")
    for invoice in (books.west, books.west_erp, books.alice_web, books.acme_erp):
        expect(table).to_contain_text(invoice.number or "")
    carol.select_option("#id_company", label="ACME West")  # htmx refreshes the rows
    expect(table.locator("tbody tr")).to_have_count(2)
    shot(carol, "7-carol-sees-acme-west")
    carol.goto("/portal/invoices/")
    # Every column of the list (badges and the PDF link included) fits a 1366 px screen; numbers on one line.
    assert layout(carol, "layout-portal-invoices", fits=".table-wrap") == []

    walt = open_as(books.p.walt)
    walt.goto("/portal/invoices/")
    table = walt.locator("table[aria-label=Invoices]")
    expect(table).to_contain_text(books.west.number or "")
    for invoice in (books.alice_web, books.acme_erp, books.west_erp):
        expect(table).not_to_contain_text(invoice.number or "")
    response = walt.goto(f"/portal/invoices/{books.acme_erp.pk}/")
    assert response is not None
    assert response.status == 404
    shot(walt, "8-walt-gets-404-on-acme")


def test_charlie_gets_404_on_an_acme_invoice_its_pdf_and_nothing_of_acme_in_his_export(books: Books, open_as: Callable[[Any], Any]) -> None:
    page = open_as(books.p.charlie)
    for url in (
        f"/portal/invoices/{books.acme_erp.pk}/pdf",
        f"/portal/invoices/{books.acme_erp.pk}/ubl",
        f"/portal/invoices/{books.alice_web.pk}/",
    ):
        response = page.goto(url)
        assert response is not None
        assert response.status == 404, url
    shot(page, "9-charlie-404-on-acme-invoice")
    export = page.request.get("/portal/invoices/export.csv")
    assert export.status == 200
    numbers = {row["Number"] for row in csv.DictReader(io.StringIO(export.text().lstrip("\ufeff")))}
    assert numbers == {books.globex.number}
    by_number = page.request.get(f"/portal/invoices/export.csv?number={books.acme_erp.number}")
    assert list(csv.DictReader(io.StringIO(by_number.text().lstrip("\ufeff")))) == []
    page.goto("/portal/invoices/")
    expect(page.locator("table[aria-label=Invoices] tbody tr")).to_have_count(1)
    shot(page, "10-charlie-sees-only-globex")


def test_bob_finds_an_order_goes_to_its_invoice_and_back(books: Books, open_as: Callable[[Any], Any]) -> None:
    bob = open_as(books.p.bob)
    bob.goto("/portal/orders/")
    table = bob.locator("table[aria-label=Orders]")
    expect(table).to_contain_text("BC-200")
    expect(table).not_to_contain_text("BC-300")  # the subsidiary's order is not Bob's
    bob.fill("#id_number", "BC-10")  # htmx refreshes the rows
    expect(table.locator("tbody tr")).to_have_count(2)
    bob.goto("/portal/orders/")
    assert layout(bob, "layout-portal-orders", fits=".table-wrap") == []

    order = books.alice_web.order
    assert order is not None
    bob.goto(f"/portal/orders/{order.pk}/")
    invoices = bob.locator("#invoices table")
    expect(invoices).to_contain_text(books.alice_web.number or "")
    assert layout(bob, "layout-portal-order-detail") == []
    bob.click(f"#invoices a:has-text('{books.alice_web.number}')")
    bob.wait_for_url(f"**/portal/invoices/{books.alice_web.pk}/")
    expect(bob.locator("h1 .badge")).to_have_count(1)  # one status per invoice
    assert layout(bob, "layout-portal-invoice-detail") == []
    bob.click(f"a[href='/portal/orders/{order.pk}/']")
    bob.wait_for_url(f"**/portal/orders/{order.pk}/")

    bob.goto("/portal/payments/?sort=-amount&amount_min=1")  # the amount bounds beside the other filters
    expect(bob.locator("table[aria-label=Payments]")).to_contain_text(books.check.reference)
    assert layout(bob, "layout-portal-payments", fits=".table-wrap") == []
