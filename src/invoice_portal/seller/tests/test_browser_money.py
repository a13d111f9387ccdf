"""Issue 13's money pages in Chromium at 1366 and 390 px: the large-payment question, the issue question, the editor's
rounding notice and errors, promises, the audit trail in words. No page scrolls sideways; each is saved as a PNG."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.browser_testing import (
    VIEWPORTS,
    launched_chromium,
    layout_problems,
    layout_problems_at_each_size,
    requires_chromium,
    screenshot,
    signed_in_pages,
)
from invoice_portal.remittances.services import promise_to_pay_create
from invoice_portal.seller.tests.conftest import World, make_world
from invoice_portal.testing import make_invoice, make_personas, pay

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]

SHOTS = Path(settings.PROJECT_DIR) / "var" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def world(browser: Any, transactional_db: Any) -> World:
    roles_ensure_builtin()
    return make_world(make_personas())


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    with signed_in_pages(browser, live_server.url, timeout_ms=10_000, ignore_console=lambda text: "favicon" in text) as open_page:
        yield open_page


def _at_each_size(page: Any, name: str, show: Callable[[], None]) -> list[str]:
    """``show`` the state (it may post a form) at each size, then check the layout and save a PNG."""
    problems = []
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        show()
        problems += [f"{size}: {p}" for p in layout_problems(page)]
        screenshot(page, f"{name}-{viewport['width']}", default_dir=SHOTS)
    return problems


def test_a_large_offline_payment_is_confirmed_before_it_is_recorded(world: World, open_as: Callable[[Any], Any]) -> None:
    page = open_as(world.p.finance)
    url = reverse("seller:payment_new") + f"?company={world.p.acme.pk}"

    def ask() -> None:
        page.goto(url)
        page.fill("#id_amount", "1,000,000.00")
        page.select_option("#id_method", "wire")
        page.get_by_role("button", name="Record payment").click()
        sync_api.expect(page.locator(".confirm-box")).to_contain_text("Record a payment of $1,000,000.00?")

    assert _at_each_size(page, "13-payment-confirm", ask) == []
    page.get_by_role("button", name="Yes, record $1,000,000.00").click()
    sync_api.expect(page.locator(".msg-success")).to_contain_text("of $1,000,000.00 recorded")

    def refused() -> None:
        page.goto(url)
        page.fill("#id_amount", "1e9")
        page.fill(f"#id_alloc_{world.overdue.pk}", "60.00")
        page.get_by_role("button", name="Record payment").click()
        sync_api.expect(page.locator(".field-error").first).to_contain_text("scientific notation")

    assert _at_each_size(page, "13-payment-errors", refused) == []


def test_issuing_asks_first_and_the_editor_explains_rounding(world: World, open_as: Callable[[Any], Any]) -> None:
    page = open_as(world.p.sales)
    page.goto(reverse("seller:invoice_detail", args=[world.draft.pk]))

    def edit() -> None:
        page.goto(reverse("seller:invoice_detail", args=[world.draft.pk]))
        page.fill("#id_lines-0-quantity", "3")
        page.fill("#id_lines-0-unit_price", "0.3333")
        sync_api.expect(page.locator("#totals .notice")).to_contain_text("Line 1: 3 × 0.3333 = 0.9999, billed as $1.00")

    assert _at_each_size(page, "13-editor-rounding", edit) == []

    def wrong() -> None:
        page.goto(reverse("seller:invoice_detail", args=[world.draft.pk]))
        page.fill("#id_lines-0-quantity", "-5")
        sync_api.expect(page.locator("#totals")).to_contain_text("Line 1, quantity: must not be negative.")

    assert _at_each_size(page, "13-editor-error", wrong) == []
    page.goto(reverse("seller:invoice_issue", args=[world.draft.pk]))
    assert layout_problems_at_each_size(page, name="13-issue-confirm", shots=SHOTS) == []
    sync_api.expect(page.locator("h1")).to_contain_text(f"Issue this invoice to {world.p.acme}?")


def test_promises_and_the_audit_trail_read_in_words(world: World, open_as: Callable[[Any], Any]) -> None:
    today = timezone.localdate()
    kept = make_invoice(company=world.p.acme, amount="1000.00")
    promise_to_pay_create(actor=world.p.bob, invoice=kept, date=today, amount="1000.00", note="Wire on Friday")
    promise_to_pay_create(actor=world.p.bob, invoice=world.open, date=today + dt.timedelta(days=5), amount="10.00")
    payment = pay(company=world.p.acme, invoices=[(kept, "1000.00")], amount="1200.00")
    page = open_as(world.p.finance)
    page.goto(reverse("seller:promises"))
    assert layout_problems_at_each_size(page, name="13-promises", shots=SHOTS) == []
    sync_api.expect(page.locator('[data-figure="promises-kept"]')).to_have_text("1")
    page.goto(reverse("seller:customer_detail", args=[world.p.acme.pk]))
    assert layout_problems_at_each_size(page, name="13-customer-promises", shots=SHOTS) == []
    page.goto(reverse("seller:payment_detail", args=[payment.pk]))
    assert layout_problems_at_each_size(page, name="13-payment-audit", shots=SHOTS) == []
    sync_api.expect(page.locator("table.audit")).to_contain_text(f"allocated $1,000.00 to {kept.number}")


def test_an_import_is_checked_then_imported(world: World, open_as: Callable[[Any], Any], tmp_path: Path) -> None:
    bad = tmp_path / "payments-bad.csv"
    bad.write_text("external_id,company_external_id,amount,method\nPAY-B-1,ACME,1e9,wire\nPAY-B-2,NOBODY,10.00,wire\n")
    good = tmp_path / "payments.csv"
    good.write_text('external_id,company_external_id,amount,method\nPAY-G-1,ACME,"1,250.00",wire\n')
    page = open_as(world.p.finance)

    def check(path: Path) -> Callable[[], None]:
        def run() -> None:
            page.goto(reverse("seller:imports"))
            page.select_option("#id_kind", "payments")
            page.set_input_files("#id_file", str(path))
            page.get_by_role("button", name="Check the file").click()
            sync_api.expect(page.locator("h1")).to_contain_text("Checking")

        return run

    assert _at_each_size(page, "13-import-errors", check(bad)) == []
    sync_api.expect(page.locator("table[aria-label='Problems by row']")).to_contain_text("scientific notation")
    assert _at_each_size(page, "13-import-checked", check(good)) == []
    page.get_by_role("button", name="Import this row").click()
    sync_api.expect(page.locator(".msg-success")).to_contain_text("Imported 1 document: 1 created, 0 updated, 0 unchanged.")
    page.set_viewport_size(VIEWPORTS["desktop"])
    screenshot(page, "13-import-done-1366", default_dir=SHOTS)


def test_a_wrong_leitweg_id_is_shown_next_to_its_field_on_the_customer_page(world: World, open_as: Callable[[Any], Any]) -> None:
    """Issue 11: the customer's Peppol id and Leitweg-ID on its page; a wrong check digit is said beside the field."""
    page = open_as(world.p.finance)

    def refused() -> None:
        page.goto(reverse("seller:customer_detail", args=[world.p.globex.pk]))
        page.fill("#id_leitweg_id", "991-33333TEST-34")
        page.get_by_role("button", name="Save e-invoicing").click()
        sync_api.expect(page.locator("#einvoicing .field-error")).to_be_visible()

    assert _at_each_size(page, "11-customer-leitweg", refused) == []
