"""A supplier enters an invoice without a PO (a retrofit order waits for our requester) and downloads its invoices' PDFs."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from invoice_portal.invoices.models import Invoice, ReceivedStatus, Source
from invoice_portal.orders.models import Order, OrderSource
from invoice_portal.payables.testing import ApPersonas, flip, make_po

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _form(ap: ApPersonas, **overrides: str) -> dict[str, str]:
    data = {"number": "NW-RF-1", "issue_date": "2026-11-21", "requester_email": ap.requester.email, "desc_0": "Emergency call-out",
            "qty_0": "1", "unit_0": "C62", "price_0": "90.00", "rate_0": "20", "desc_1": "Travel", "qty_1": "2", "unit_1": "HUR",
            "price_1": "30.00", "rate_1": "20"}  # fmt: skip
    return {**data, **overrides}


def test_a_supplier_invoices_work_without_a_po_and_it_waits_for_the_requester(ap: ApPersonas) -> None:
    reply = _client(ap.sam).post(reverse("supplier:invoice_without_po"), _form(ap))
    assert reply.status_code == 302
    invoice = Invoice.objects.get(number="NW-RF-1", company=ap.northwind)
    assert reply["Location"] == reverse("supplier:invoice_detail", args=[invoice.pk])
    assert (invoice.ap_status, invoice.source, invoice.created_by_id) == (
        ReceivedStatus.PENDING_INITIAL_ACCEPTANCE, Source.SUPPLIER_PORTAL, ap.sam.pk
    )  # fmt: skip
    order = invoice.order
    assert order is not None
    assert (order.source, order.requester_id, order.company_id) == (OrderSource.RETROFIT, ap.requester.pk, ap.northwind.pk)
    assert [ln.order_line_id for ln in invoice.lines.order_by("line_no")] == list(
        order.lines.order_by("line_no").values_list("pk", flat=True)
    )
    assert f"{invoice.total.normalize():f}" == "180"  # (90 + 60) × 1.2
    assert order.po_number in _client(ap.requester).get(reverse("ap:ap_acceptance")).content.decode()
    assert "Pending initial acceptance" in _client(ap.sue).get(reverse("supplier:invoices")).content.decode()
    assert "NW-RF-1" not in _client(ap.ivan).get(reverse("supplier:invoices")).content.decode()


def test_an_unknown_requester_or_a_repeated_number_is_a_form_error_and_nothing_is_made(ap: ApPersonas) -> None:
    unknown = _client(ap.sue).post(reverse("supplier:invoice_without_po"), _form(ap, requester_email="nobody@demo.test"))
    assert unknown.status_code == 422
    assert "requester_email" in unknown.context["form"].errors
    supplier_colleague = _client(ap.sue).post(reverse("supplier:invoice_without_po"), _form(ap, requester_email=ap.sam.email))
    assert "requester_email" in supplier_colleague.context["form"].errors  # a supplier's own user is no requester of ours
    flip(make_po(supplier=ap.northwind), actor=ap.sue, number="NW-RF-1")
    orders_before = Order.objects.count()
    repeated = _client(ap.sue).post(reverse("supplier:invoice_without_po"), _form(ap))
    assert repeated.status_code == 422
    assert "already sent an invoice" in repeated.context["form"].errors["number"][0]
    assert Order.objects.count() == orders_before
    no_lines = _client(ap.sue).post(reverse("supplier:invoice_without_po"), _form(ap, number="NW-RF-2", desc_0="", desc_1=""))
    assert no_lines.status_code == 422
    assert not Invoice.objects.filter(number="NW-RF-2").exists()


def test_a_supplier_downloads_the_pdf_of_its_own_invoice_only(ap: ApPersonas) -> None:
    own = flip(make_po(supplier=ap.northwind), actor=ap.sue, number="NW-P-1")
    other = flip(make_po(supplier=ap.initech), actor=ap.ivan, number="IN-P-1")
    reply = _client(ap.sam).get(reverse("supplier:invoice_pdf", args=[own.pk]))
    assert (reply.status_code, reply["Content-Type"]) == (200, "application/pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(reply.content)).pages)
    assert "NW-P-1" in text
    assert "IN-P-1" not in text
    assert _client(ap.sam).get(reverse("supplier:invoice_pdf", args=[other.pk])).status_code == 404
    assert _client(ap.ivan).get(reverse("supplier:invoice_pdf", args=[own.pk])).status_code == 404
