"""AP keys a purchase order by hand, closes or cancels one, switches invoice discounts, downloads a received invoice's PDF."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from invoice_portal.audit.models import AuditEvent
from invoice_portal.invoices.books import check_books
from invoice_portal.orders.models import Order, OrderSource, PurchaseOrderStatus
from invoice_portal.payables.models import payables_settings
from invoice_portal.payables.testing import ApPersonas, flip, make_po
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _po_form(ap: ApPersonas, **overrides: str) -> dict[str, Any]:
    data = {
        "supplier": str(ap.northwind.pk), "number": "PO-HAND-1", "requester": str(ap.requester.pk), "order_date": "2026-11-20",
        "currency": "", "sku_0": "CH-100", "desc_0": "Office chair", "qty_0": "4", "unit_0": "C62", "price_0": "120.00",
        "rate_0": "20", "desc_1": "Assembly", "qty_1": "2", "unit_1": "HUR", "price_1": "45.50", "rate_1": "20",
    }  # fmt: skip
    return {**data, **overrides}


def _text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_the_clerk_keys_a_purchase_order_by_hand(ap: ApPersonas) -> None:
    reply = _client(ap.clerk).post(reverse("ap:ap_order_new"), _po_form(ap, no_invoice_expected="on"))
    assert reply.status_code == 302
    order = Order.objects.get(po_number="PO-HAND-1")
    assert reply["Location"] == reverse("ap:ap_order_detail", args=[order.pk])
    assert (order.source, order.external_id, order.company_id, order.requester_id) == (
        OrderSource.MANUAL, "PO-HAND-1", ap.northwind.pk, ap.requester.pk
    )  # fmt: skip
    assert (order.po_status, order.no_invoice_expected, order.currency) == (PurchaseOrderStatus.OPEN, True, ap.northwind.currency)
    lines = list(order.lines.order_by("line_no").values_list("sku", "description", "quantity", "unit_code", "unit_price", "tax_rate"))
    assert [(sku, d, f"{q.normalize():f}", u, f"{p.normalize():f}", f"{r.normalize():f}") for sku, d, q, u, p, r in lines] == [
        ("CH-100", "Office chair", "4", "C62", "120", "20"), ("", "Assembly", "2", "HUR", "45.5", "20")
    ]  # fmt: skip
    assert f"{order.total.normalize():f}" == "685.2"  # (480 + 91) × 1.2
    assert AuditEvent.objects.filter(action="purchase_order.create", object_id=str(order.pk), actor=ap.clerk).exists()
    page = _client(ap.clerk).get(reverse("ap:ap_order_detail", args=[order.pk])).content.decode()
    assert "Keyed in AP" in page
    assert "No invoice expected" in page


def test_a_bad_line_is_shown_beside_its_field_and_nothing_is_saved(ap: ApPersonas) -> None:
    clerk = _client(ap.clerk)
    bad_price = clerk.post(reverse("ap:ap_order_new"), _po_form(ap, price_1="12,50"))
    assert bad_price.status_code == 422
    form = bad_price.context["form"]
    assert list(form.errors) == ["price_1"], form.errors
    bad_unit = clerk.post(reverse("ap:ap_order_new"), _po_form(ap, desc_0="", sku_0="", price_0="", unit_1="HOURS"))
    assert bad_unit.status_code == 422
    assert "unit_1" in bad_unit.context["form"].errors  # the second row, though only one row was filled above it
    no_description = clerk.post(reverse("ap:ap_order_new"), _po_form(ap, desc_1=""))
    assert "desc_1" in no_description.context["form"].errors
    bad_currency = clerk.post(reverse("ap:ap_order_new"), _po_form(ap, currency="XXQ"))
    assert "currency" in bad_currency.context["form"].errors
    assert not Order.objects.filter(po_number="PO-HAND-1").exists()


def test_a_po_number_in_use_is_refused_beside_the_number(ap: ApPersonas) -> None:
    taken = make_po(supplier=ap.initech, external_id="ERP-77")
    reply = _client(ap.clerk).post(reverse("ap:ap_order_new"), _po_form(ap, number=taken.po_number.lower()))
    assert reply.status_code == 422
    assert "exists already" in reply.context["form"].errors["number"][0]
    assert Order.objects.filter(po_number__iexact=taken.po_number).count() == 1


def test_a_supplier_that_is_no_supplier_cannot_be_chosen(ap: ApPersonas, personas: Personas) -> None:
    reply = _client(ap.clerk).post(reverse("ap:ap_order_new"), _po_form(ap, supplier=str(personas.acme.pk)))
    assert reply.status_code == 422
    assert "supplier" in reply.context["form"].errors


def test_the_clerk_closes_one_po_and_cannot_cancel_one_with_an_invoice(ap: ApPersonas) -> None:
    clerk = _client(ap.clerk)
    invoiced = make_po(supplier=ap.northwind)
    flip(invoiced, actor=ap.sue)
    clerk.post(reverse("ap:ap_order_cancel", args=[invoiced.pk]))
    invoiced.refresh_from_db()
    assert invoiced.po_status == PurchaseOrderStatus.OPEN
    page = clerk.get(reverse("ap:ap_order_detail", args=[invoiced.pk])).content.decode()
    assert "Cancel PO" not in page
    assert "Close PO" in page
    assert clerk.post(reverse("ap:ap_order_close", args=[invoiced.pk])).status_code == 302
    invoiced.refresh_from_db()
    assert invoiced.po_status == PurchaseOrderStatus.CLOSED
    spare = make_po(supplier=ap.initech)
    assert clerk.post(reverse("ap:ap_order_cancel", args=[spare.pk])).status_code == 302
    spare.refresh_from_db()
    assert (spare.po_status, spare.is_canceled) == (PurchaseOrderStatus.CANCELED, True)
    assert check_books() == []


def test_closing_needs_ap_enter_and_a_supplier_cannot(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    assert _client(ap.approver).post(reverse("ap:ap_order_close", args=[po.pk])).status_code == 403
    assert _client(ap.sue).post(reverse("ap:ap_order_cancel", args=[po.pk])).status_code == 403
    assert _client(ap.clerk).post(reverse("ap:ap_order_close", args=[999999])).status_code == 404
    po.refresh_from_db()
    assert po.po_status == PurchaseOrderStatus.OPEN


def test_the_admin_switches_discounts_on_and_the_flip_screen_offers_one(ap: ApPersonas, personas: Personas) -> None:
    po = make_po(supplier=ap.northwind)
    flip_url = reverse("ap:ap_order_invoice", args=[po.pk])
    assert 'name="discount"' not in _client(ap.clerk).get(flip_url).content.decode()
    admin = _client(personas.admin)
    assert admin.post(reverse("ap:ap_discounts"), {"discounts_enabled": "on"}).status_code == 302
    assert payables_settings().discounts_enabled
    assert 'name="discount"' in _client(ap.clerk).get(flip_url).content.decode()
    admin.post(reverse("ap:ap_discounts"), {"discounts_enabled": "on"})  # no change, no event
    admin.post(reverse("ap:ap_discounts"), {})
    assert not payables_settings().discounts_enabled
    events = list(AuditEvent.objects.filter(action="payables_settings.discounts").order_by("pk").values_list("actor_id", "after"))
    assert events == [(personas.admin.pk, {"discounts_enabled": True}), (personas.admin.pk, {"discounts_enabled": False})]
    page = admin.get(reverse("ap:ap_discounts")).content.decode()
    assert "<td>on</td>" in page
    assert "<td>off</td>" in page


def test_the_received_invoice_pdf_shows_lines_against_the_po_and_gross_discount_net(ap: ApPersonas, personas: Personas) -> None:
    _client(personas.admin).post(reverse("ap:ap_discounts"), {"discounts_enabled": "on"})
    po = make_po(supplier=ap.northwind, lines=[("10", "5.00"), ("2", "100.00")])
    invoice = flip(po, actor=ap.sue, number="NW-PDF-1", discount="25.00")
    reply = _client(ap.clerk).get(reverse("ap:ap_invoice_pdf", args=[invoice.pk]))
    assert reply.status_code == 200
    assert reply["Content-Type"] == "application/pdf"
    assert "NW-PDF-1" in reply["Content-Disposition"]
    content = reply.content
    assert content.startswith(b"%PDF")
    text = _text(content)
    for expected in ("NW-PDF-1", "Northwind Traders", po.po_number, "Item 1", "Item 2", "Gross total", "Discount", "Net total",
                     "250.00", "25.00", "225.00", "Pending receiving"):  # fmt: skip
        assert expected in text, expected
