"""A small world for the portal pages: ACME (Alice's and Bob's orders, ERP invoices), its subsidiary
ACME West (Walt), and Globex (Charlie), with payments, a credit note and a dispute."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import credit_note_create, dispute_open, dispute_reject, invoice_create_from_order, invoice_issue
from invoice_portal.orders.services import order_upsert
from invoice_portal.payments.models import Payment
from invoice_portal.testing import Personas, line, make_einvoice_ready, make_invoice, pay


@dataclass
class Books:
    p: Personas
    alice_web: Invoice  # ACME, from Alice's store order BC-100, open 50.00 (2 lines of 25.00)
    alice_second: Invoice  # ACME, Alice's store order BC-101, partially paid by check CHK-777
    bob_web: Invoice  # ACME, from Bob's store order BC-200, open
    acme_erp: Invoice  # ACME, ERP invoice without an order, overdue, PO "PO-7781"
    acme_paid: Invoice  # ACME ERP invoice, paid in full by wire
    acme_draft: Invoice  # ACME draft: never visible to a buyer
    acme_credit: Invoice  # ACME credit note of 10.00, applied to acme_erp when issued
    west: Invoice  # ACME West, Walt's store order
    west_erp: Invoice  # ACME West, ERP invoice
    globex: Invoice  # Globex, Charlie's store order
    check: Payment


def _from_order(p: Personas, company: Any, placed_by: Any, external_id: str, *, po_number: str = "") -> Invoice:
    order, _ = order_upsert(
        actor=None, source="bigcommerce", external_id=external_id, company=company, placed_by=placed_by, po_number=po_number,
        lines=[{"sku": f"SKU-{i}", "description": f"Product {i}", "quantity": "1", "unit_price": "25.00"} for i in (1, 2)],
        order_date=dt.date(2026, 11, 1),
    )  # fmt: skip
    return invoice_issue(actor=None, invoice=invoice_create_from_order(actor=None, order=order))


def make_books(p: Personas) -> Books:
    make_einvoice_ready(p)
    today = timezone.localdate()
    alice_web = _from_order(p, p.acme, p.alice, "BC-100", po_number="PO-ALICE-1")
    alice_second = _from_order(p, p.acme, p.alice, "BC-101")
    bob_web = _from_order(p, p.acme, p.bob, "BC-200")
    acme_erp = make_invoice(
        company=p.acme, source="erp", amount="80.00", issue_date=today - dt.timedelta(days=75), po_number="PO-7781",
        lines=[line(description="Consulting", unit_price="40.00", quantity="2")],
    )  # fmt: skip
    acme_paid = make_invoice(company=p.acme, source="erp", status="paid", amount="40.00")
    acme_draft = make_invoice(company=p.acme, status="draft", amount="999.00")
    west = _from_order(p, p.acme_west, p.walt, "BC-300")
    west_erp = make_invoice(company=p.acme_west, source="erp", amount="70.00")
    globex = _from_order(p, p.globex, p.charlie, "BC-900")
    check = pay(company=p.acme, invoices=[(alice_second, "20.00")], reference="CHK-777")
    credit = credit_note_create(actor=p.finance, invoice=acme_erp, amount="10.00", tax_category="Z", tax_rate="0")
    dispute = dispute_open(actor=p.bob, line=bob_web.lines.order_by("line_no")[1], reason="damaged", text="Arrived broken")
    dispute_reject(actor=p.finance, dispute=dispute, comment="Photos show it intact")
    books = Books(p, alice_web, alice_second, bob_web, acme_erp, acme_paid, acme_draft, credit, west, west_erp, globex, check)
    for name in ("alice_web", "alice_second", "bob_web", "acme_erp", "acme_paid", "acme_credit", "west", "west_erp", "globex"):
        getattr(books, name).refresh_from_db()
    return books


@pytest.fixture
def books(personas: Personas) -> Books:
    return make_books(personas)


@pytest.fixture
def login(client: Client) -> Any:
    def as_user(user: Any) -> Client:
        client.force_login(user)
        return client

    return as_user


@pytest.fixture(autouse=True)
def _portal_settings(settings: Any, tmp_path: Any) -> None:
    """Rendered PDFs go to a throwaway folder; the test gateway with the suite's own secret takes the payments."""
    settings.MEDIA_ROOT = tmp_path
    settings.PAYMENT_GATEWAY = "test"
    settings.TEST_GATEWAY_ENABLED = True
    settings.TEST_GATEWAY_WEBHOOK_SECRET = "whsec_suite_portal"


def ids(response: Any) -> set[int]:
    """The invoice ids a list page shows (from its rows' links)."""
    import re

    return {int(m) for m in re.findall(r'href="/portal/invoices/(\d+)/"', response.content.decode())}
