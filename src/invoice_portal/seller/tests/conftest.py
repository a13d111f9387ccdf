"""A small world for the seller pages: invoices in every status, a flagged order, a dispute, payments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from invoice_portal.invoices.models import Dispute, Invoice
from invoice_portal.invoices.services import dispute_open, invoice_create_from_order, invoice_issue
from invoice_portal.orders.models import Order
from invoice_portal.orders.services import order_upsert
from invoice_portal.payments.models import Payment
from invoice_portal.portal.models import RemittanceAdvice
from invoice_portal.portal.services import remittance_submit
from invoice_portal.testing import Personas, line, make_einvoice_ready, make_invoice, make_order, pay


@dataclass
class World:
    p: Personas
    draft: Invoice
    open: Invoice
    overdue: Invoice
    partial: Invoice
    paid: Invoice
    canceled: Invoice
    globex_open: Invoice
    from_order: Invoice
    flagged_order: Order
    plain_order: Order
    dispute: Dispute
    payment: Payment
    remittance: RemittanceAdvice


def make_world(p: Personas) -> World:
    make_einvoice_ready(p)
    today = timezone.localdate()
    draft = make_invoice(company=p.acme, status="draft", lines=[line(description="Consulting", unit_price="50.00", quantity="2")])
    open_ = make_invoice(company=p.acme, status="open", lines=2, amount="100.00")
    overdue = make_invoice(company=p.acme, status="open", amount="80.00", issue_date=today - dt.timedelta(days=75))
    partial = make_invoice(company=p.acme, status="partially_paid", amount="300.00")
    paid = make_invoice(company=p.acme, status="paid", amount="40.00")
    canceled = make_invoice(company=p.acme, status="canceled", amount="10.00")
    globex_open = make_invoice(company=p.globex, status="open", amount="500.00")
    flagged = make_order(company=p.acme, external_id="BC-1001", placed_by=p.alice)
    from_order = invoice_issue(actor=None, invoice=invoice_create_from_order(actor=None, order=flagged))
    order_upsert(
        actor=None, source="bigcommerce", external_id="BC-1001", company=p.acme, placed_by=p.alice, order_date=dt.date(2026, 11, 1),
        lines=[{"sku": "SKU-1", "description": "Product 1", "quantity": "3", "unit_price": "25.00"}],
    )  # fmt: skip
    flagged.refresh_from_db()
    plain = make_order(company=p.globex, external_id="BC-2002")
    dispute = dispute_open(actor=p.alice, line=open_.lines.order_by("line_no")[0], reason="price", text="Agreed price was 90")
    payment = pay(company=p.acme, invoices=[(overdue, "30.00")], amount="50.00", reference="CHK-777")
    remittance = remittance_submit(
        actor=p.bob, amount="150.00", method="wire", reference="WIRE-REMIT-1", paid_on=today, invoices_amounts=[(partial, "150.00")]
    )
    for invoice in (open_, overdue, partial, paid):
        invoice.refresh_from_db()
    return World(p, draft, open_, overdue, partial, paid, canceled, globex_open, from_order, flagged, plain, dispute, payment, remittance)


@pytest.fixture
def world(personas: Personas) -> World:
    return make_world(personas)


@pytest.fixture
def login(client: Client) -> Any:
    def as_user(user: Any) -> Client:
        client.force_login(user)
        return client

    return as_user


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Rendered PDFs are cached under MEDIA_ROOT; keep the test runs' files out of the project."""
    settings.MEDIA_ROOT = tmp_path
