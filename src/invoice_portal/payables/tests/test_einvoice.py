"""Supplier e-invoices in: one parser (documents.einvoice.parse), official validation, linked to the PO by its
order reference, an unknown sender waiting in the AP inbox until linked."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient, problem_of
from invoice_portal.companies.models import Company
from invoice_portal.core.models import PortalSettings
from invoice_portal.documents.tests.conftest import eu_seller
from invoice_portal.documents.tests.einvoice_helpers import renumbered
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, ReceivedStatus, Source
from invoice_portal.orders.models import Order
from invoice_portal.payables.models import EInvoiceIntake, IntakeStatus, ReceivedAttachment
from invoice_portal.payables.services import purchase_order_upsert
from invoice_portal.payables.services.einvoice import ForeignSender, einvoice_intake_link, received_einvoice_receive
from invoice_portal.payables.testing import ApPersonas
from invoice_portal.testing import line, make_company, make_invoice, make_user, refused

__all__ = ["eu_seller"]
pytestmark = pytest.mark.django_db
# The documents are our own UBL exports, whose seller is the operator (VAT DE123456789): here the supplier
# company carries that VAT id, so the document reads as that supplier's invoice to us.
SUPPLIER_VAT = "DE123456789"


@pytest.fixture
def supplier(eu_seller: PortalSettings) -> Company:
    return make_company(name="Rheinwerk GmbH", currency="EUR", is_supplier=True, is_customer=False, tax_id=SUPPLIER_VAT,
                        external_id="S-RW")  # fmt: skip


@pytest.fixture
def po(supplier: Company) -> Order:
    lines = [
        {"sku": "CONS", "description": "Consulting", "quantity": "3", "unit_price": "120.00", "tax_rate": "19"},
        {"sku": "TRV", "description": "Travel", "quantity": "2", "unit_code": "HUR", "unit_price": "80.00", "tax_rate": "19"},
    ]
    order, _ = purchase_order_upsert(
        actor=None, source="erp", external_id="RW-PO-1", number="4500009001", supplier=supplier, currency="EUR", lines=lines
    )
    return order


def _document(number: str, *, po_number: str = "4500009001", **extra: Any) -> bytes:
    customer = make_company(name="Us as the buyer", currency="EUR", tax_id="DE999999999", email="ap@us.test", country="DE",
                            address_line1="Weg 1", city="Köln", postal_code="50667",
                            peppol_scheme="9930", peppol_id="DE999999999")  # fmt: skip
    lines = [line(description="Consulting", quantity="3", unit_price="120.00", tax_rate="19", sku="CONS"),
             line(description="Travel", quantity="2", unit_price="80.00", tax_rate="19", sku="TRV", unit_code="HUR")]  # fmt: skip
    original = make_invoice(company=customer, currency="EUR", lines=lines, po_number=po_number, **extra)
    return renumbered(original, number)


def test_a_supplier_ubl_invoice_is_linked_to_its_po_and_waits_for_receiving(supplier: Company, po: Order) -> None:
    xml = _document("RW-2026-17")
    received = received_einvoice_receive(actor=None, xml=xml, filename="rw-17.xml")
    invoice = received.invoice
    assert invoice is not None
    assert (invoice.company, invoice.order, invoice.number, invoice.source) == (supplier, po, "RW-2026-17", Source.UBL)
    assert [ln.order_line.sku for ln in invoice.lines.all()] == ["CONS", "TRV"]  # type: ignore[union-attr]
    assert invoice.ap_status == ReceivedStatus.PENDING_RECEIVING
    assert invoice.total == Decimal("618.80")
    assert bytes(ReceivedAttachment.objects.get(invoice=invoice).content) == xml
    assert check_books() == []


def test_the_same_document_twice_is_a_duplicate_supplier_number(supplier: Company, po: Order) -> None:
    xml = _document("RW-2026-18")
    received_einvoice_receive(actor=None, xml=xml)
    with pytest.raises(Exception, match="already sent an invoice numbered RW-2026-18"):
        received_einvoice_receive(actor=None, xml=xml)


def test_an_unknown_sender_waits_until_ap_links_a_supplier(eu_seller: PortalSettings, ap: ApPersonas) -> None:
    xml = _document("X-1", po_number="")
    received = received_einvoice_receive(actor=ap.clerk, xml=xml)
    assert received.invoice is None
    intake = received.intake
    assert intake is not None
    assert (intake.status, intake.number, intake.seller_name) == (IntakeStatus.WAITING, "X-1", "Demo Supplies GmbH")
    assert received_einvoice_receive(actor=ap.clerk, xml=xml).intake == intake, "the same document waits once"
    newcomer = make_company(name="Demo Supplies GmbH", currency="EUR", is_supplier=True, is_customer=False)
    invoice = einvoice_intake_link(actor=ap.clerk, intake=intake, supplier=newcomer)
    assert (invoice.company, invoice.order, invoice.ap_status) == (newcomer, None, ReceivedStatus.ON_HOLD)
    assert "No purchase order" in invoice.ap_reason
    assert EInvoiceIntake.objects.get(pk=intake.pk).status == IntakeStatus.BOOKED


def test_no_po_reference_and_a_staff_buyer_reference_makes_a_retrofit_order(supplier: Company, ap: ApPersonas) -> None:
    xml = re.sub(rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"<cbc:BuyerReference>approver@demo.test</cbc:BuyerReference>",
                 _document("RW-R-1", po_number=""))  # fmt: skip
    received = received_einvoice_receive(actor=None, xml=xml)
    invoice = received.invoice
    assert invoice is not None
    assert invoice.order is not None
    assert (invoice.order.source, invoice.order.requester, invoice.ap_status) == (
        "retrofit",
        ap.approver,
        ReceivedStatus.PENDING_INITIAL_ACCEPTANCE,
    )


def test_a_supplier_cannot_upload_another_sellers_document(supplier: Company, po: Order) -> None:
    other = make_company(name="Someone else", is_supplier=True, is_customer=False, tax_id="FR11111111111", currency="EUR")
    xml = _document("RW-2026-19")
    with refused(ForeignSender, "not Someone else"):
        received_einvoice_receive(actor=None, xml=xml, supplier=other)


def test_xml_posted_to_the_api_by_the_suppliers_user_and_by_ap(supplier: Company, po: Order, ap: ApPersonas) -> None:
    rw_user = make_user(role="supplier_user", company=supplier)
    token = api_token_create(actor=None, user=rw_user, name="t")[1]
    reply = ApiClient(token).call("POST", "received-invoices", raw=_document("RW-2026-20"), headers={"Content-Type": "application/xml"})
    assert reply.status == 201, reply.body
    assert (reply.body["number"], reply.body["purchase_order"], reply.body["status"]) == ("RW-2026-20", po.pk, "pending_receiving")
    clerk = ApiClient(api_token_create(actor=None, user=ap.clerk, name="t")[1])
    supplier.tax_id = ""
    supplier.save()
    waiting = clerk.call("POST", "received-invoices", raw=_document("RW-2026-21"), headers={"Content-Type": "application/xml"})
    assert (waiting.status, waiting.body["status"]) == (202, "waiting")
    broken = clerk.call("POST", "received-invoices", raw=b"<Invoice>", headers={"Content-Type": "application/xml"})
    problem_of(broken, 400)
    alice_company = make_company(name="Buyer Co")
    buyer = ApiClient(api_token_create(actor=None, user=make_user(role="buyer", company=alice_company), name="t")[1])
    problem_of(buyer.call("POST", "received-invoices", raw=_document("RW-2026-22"), headers={"Content-Type": "application/xml"}), 403)
    assert not Invoice.objects.filter(number="RW-2026-22").exists()


def test_a_supplier_uploads_its_e_invoice_in_the_portal_and_a_broken_file_is_a_form_error(supplier: Company, po: Order) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(make_user(role="supplier_user", company=supplier))
    url = reverse("supplier:invoice_upload")
    broken = client.post(url, {"file": SimpleUploadedFile("x.xml", b"<Invoice><unclosed>", content_type="application/xml")})
    assert broken.status_code == 422
    assert 'class="error field-error"' in broken.content.decode()
    ok = client.post(url, {"file": SimpleUploadedFile("rw-30.xml", _document("RW-2026-30"), content_type="application/xml")})
    assert ok.status_code == 302
    invoice = Invoice.objects.get(number="RW-2026-30")
    assert (invoice.company, invoice.order, invoice.source) == (supplier, po, Source.UBL)


def test_ap_creates_the_supplier_of_a_waiting_e_invoice_from_the_document(eu_seller: PortalSettings, ap: ApPersonas) -> None:
    from django.test import Client
    from django.urls import reverse

    intake = received_einvoice_receive(actor=ap.clerk, xml=_document("NEW-1", po_number="")).intake
    assert intake is not None
    client = Client()
    client.force_login(ap.clerk)
    assert "NEW-1" in client.get(reverse("ap:ap_intake")).content.decode()
    assert client.post(reverse("ap:ap_intake_link", args=[intake.pk]), {"create": "1"}).status_code == 302
    invoice = Invoice.objects.get(number="NEW-1")
    assert (invoice.company.name, invoice.company.tax_id, invoice.company.is_supplier) == ("Demo Supplies GmbH", "DE123456789", True)
    approver = Client()
    approver.force_login(ap.approver)
    assert approver.post(reverse("ap:ap_intake_link", args=[intake.pk]), {"create": "1"}).status_code == 403
