"""The Invoice Responses to a supplier on the AP and supplier invoice pages, in a real browser at desktop and phone size.

Screenshots go to ``artifacts/einvoice/`` (``SCREENSHOT_DIR`` overrides).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.browser_testing import launched_chromium, layout_problems_at_each_size, requires_chromium, signed_in_pages
from invoice_portal.companies.models import Company
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.models import SentInvoiceResponse
from invoice_portal.payables.services.approval import received_invoice_reject
from invoice_portal.payables.testing import ApPersonas, flip, make_ap_personas, make_po, receive_all

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]
SHOTS = Path(settings.PROJECT_DIR) / "artifacts" / "einvoice"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    with signed_in_pages(browser, live_server.url, timeout_ms=15_000, accept_downloads=True) as open_page:
        yield open_page


def test_ap_and_the_supplier_see_the_responses_and_download_the_xml(transactional_db: Any, open_as: Callable[[Any], Any]) -> None:
    roles_ensure_builtin()
    ap: ApPersonas = make_ap_personas()
    seller = portal_settings()
    seller.seller_name, seller.seller_address = "Demo Supplies GmbH", "Hauptstraße 5\n10115 Berlin\nGermany"
    seller.seller_peppol_scheme, seller.seller_peppol_id = "9930", "DE123456789"
    seller.save()
    Company.objects.filter(pk=ap.northwind.pk).update(peppol_scheme="0088", peppol_id="5790000435968", country="DE")
    po = make_po(supplier=ap.northwind, requester=ap.requester)
    receive_all(po)
    invoice = flip(po, actor=ap.sue, prices=["5.60", "100.00"], number="NW-2026-0042")
    invoice = received_invoice_reject(actor=ap.clerk, invoice=invoice, comment="Price not agreed with purchasing; send a new invoice")
    assert list(SentInvoiceResponse.objects.filter(invoice=invoice).values_list("code", flat=True)) == ["AB", "UQ", "RE"]

    page = open_as(ap.clerk)
    page.goto(f"/ap/invoices/{invoice.pk}/")
    section = page.get_by_role("region", name="Invoice Responses to the supplier")
    expect(section.get_by_role("listitem")).to_have_count(3)
    expect(section.get_by_role("listitem").first).to_contain_text("RE Rejected")
    assert layout_problems_at_each_size(page, name="ap-invoice-responses", shots=SHOTS) == []
    with page.expect_download() as download:
        section.get_by_role("link", name="Download XML").first.click()
    assert download.value.suggested_filename.startswith(f"invoice-response-IR-{invoice.pk}-")

    page = open_as(ap.sue)
    page.goto(f"/supplier/invoices/{invoice.pk}/")
    section = page.get_by_role("region", name="Invoice Responses from us")
    expect(section).to_contain_text("Price not agreed with purchasing")
    assert layout_problems_at_each_size(page, name="supplier-invoice-responses", shots=SHOTS) == []
