"""Peppol Invoice Responses: received for our issued documents (stored, audited, UQ/RE flag attention until
superseded), and written for documents we received (Peppol BIS Invoice Response 3 structure and rules)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree

from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient, problem_of
from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.models import PortalSettings
from invoice_portal.documents.einvoice.intake import issued_einvoice_import
from invoice_portal.documents.einvoice.parse import EInvoiceInvalid, EInvoiceRefused
from invoice_portal.documents.einvoice.response import (
    CUSTOMIZATION_ID,
    PROFILE_ID,
    Clarification,
    OutParty,
    invoice_response_xml,
    read_invoice_response,
    received_invoice_response,
)
from invoice_portal.documents.models import InvoiceResponse
from invoice_portal.documents.selectors import needing_attention, responses_of
from invoice_portal.documents.services import invoice_response_receive
from invoice_portal.documents.tests.einvoice_helpers import example, renumbered
from invoice_portal.documents.tests.test_einvoice_parse import XXE
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import invoice_create
from invoice_portal.testing import Personas, line, make_company, make_invoice

pytestmark = pytest.mark.django_db
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
BUYER = OutParty("Kunde AG", "0088", "5798000012349")
SELLER = OutParty("Demo Supplies GmbH", "0088", "7330001000001")


@pytest.fixture(autouse=True)
def _seller(eu_seller: PortalSettings) -> None:
    pass


@pytest.fixture
def invoice() -> Invoice:
    company = make_company(name="Kunde AG", currency="EUR", country="DE", peppol_scheme="0088", peppol_id="5798000012349")
    return make_invoice(company=company, currency="EUR")


def uq_for(invoice: Invoice) -> bytes:
    return example("invoice-response-uq.xml").replace(b"INVOICE-NUMBER", str(invoice.number).encode())


def response_for(invoice: Invoice, code: str, day: int, **extra: Any) -> bytes:
    return invoice_response_xml(
        response_id=f"R-{code}-{day}", issue_date=dt.date(2026, 12, day), code=code, document_number=str(invoice.number),
        document_type_code="380", sender=BUYER, receiver=SELLER, **extra,
    )  # fmt: skip


def test_a_query_from_the_buyer_is_stored_audited_and_needs_attention(invoice: Invoice) -> None:
    xml = uq_for(invoice)
    response, created = invoice_response_receive(actor=None, xml=xml)
    assert created
    assert (response.invoice, response.code, response.response_id, response.issue_date) == (invoice, "UQ", "imrid001", dt.date(2026, 12, 2))
    assert (
        response.reason
        == "REF (References incorrect) — The purchase order reference is missing. — BT-13: PO0001\nPIN (Provide information)"
    )
    assert (response.note, response.sender_name, response.sender_endpoint) == (
        "Please send the purchase order number.", "Kunde AG", "0088:5798000012349",
    )  # fmt: skip
    assert bytes(response.xml) == xml
    assert response.needs_attention
    event = AuditEvent.objects.get(object_id=str(invoice.pk), action="invoice.response_received")
    assert event.after is not None
    assert event.after["code"] == "UQ"
    assert list(needing_attention(Invoice.objects.all())) == [invoice]


def test_a_later_response_supersedes_the_query(invoice: Invoice) -> None:
    invoice_response_receive(actor=None, xml=uq_for(invoice))
    invoice_response_receive(actor=None, xml=response_for(invoice, "AP", 5))
    assert [r.code for r in responses_of(invoice)] == ["AP", "UQ"]
    assert not needing_attention(Invoice.objects.all()).exists()
    invoice_response_receive(
        actor=None, xml=response_for(invoice, "RE", 6, clarifications=[Clarification("PRI", "OPStatusReason", "Too dear")])
    )
    assert list(needing_attention(Invoice.objects.all())) == [invoice]


def test_the_same_response_again_is_stored_once(invoice: Invoice) -> None:
    first, _ = invoice_response_receive(actor=None, xml=uq_for(invoice))
    again, created = invoice_response_receive(actor=None, xml=uq_for(invoice))
    assert (again.pk, created) == (first.pk, False)
    assert InvoiceResponse.objects.count() == 1


def test_a_response_about_no_document_of_ours_is_refused(invoice: Invoice) -> None:
    with pytest.raises(ValidationFailed, match="no document numbered NOPE"):
        invoice_response_receive(actor=None, xml=example("invoice-response-uq.xml").replace(b"INVOICE-NUMBER", b"NOPE"))
    assert not InvoiceResponse.objects.exists()


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda x: x.replace(b">UQ<", b">XX<"), EInvoiceInvalid),
        (lambda x: x.replace(b"<cbc:IssueDate>2026-12-02</cbc:IssueDate>", b""), EInvoiceInvalid),
        (lambda x: x.replace(b"ApplicationResponse-2", b"Invoice-2"), EInvoiceRefused),
        (lambda x: XXE, EInvoiceRefused),
    ],
)
def test_broken_responses_are_refused_with_a_4xx(invoice: Invoice, mutate: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        invoice_response_receive(actor=None, xml=mutate(uq_for(invoice)))


# --- Writing: our response to a supplier -------------------------------------------------------------------------

UBL_ORDER = [  # the UBL 2.1 ApplicationResponse sequence of the elements Peppol BIS Invoice Response 3 uses
    "CustomizationID", "ProfileID", "ID", "IssueDate", "Note", "SenderParty", "ReceiverParty", "DocumentResponse",
]  # fmt: skip


@pytest.fixture
def received(eu_seller: PortalSettings) -> Invoice:
    supplier = make_company(
        name="Lieferant GmbH", currency="EUR", is_supplier=True, email="ar@lieferant.test", external_id="SUP-1", peppol_scheme="9930",
        peppol_id="DE811907634",
    )  # fmt: skip
    document = invoice_create(
        actor=None, company=supplier, lines=[line(unit_price="10.00")], direction="received", issue_date=dt.date(2026, 11, 30)
    )
    Invoice.objects.filter(pk=document.pk).update(number="L-2026-17")
    document.refresh_from_db()
    return document


def test_the_writer_builds_a_peppol_invoice_response_for_a_received_invoice(received: Invoice) -> None:
    reasons = [
        Clarification("PRI", "OPStatusReason", "Price differs from the order", (("BT-146", "9.50"),)),
        Clarification("CNF", "OPStatusAction"),
    ]
    xml = received_invoice_response(
        invoice=received, code="RE", clarifications=reasons, note="See the order", issue_date=dt.date(2026, 12, 7), response_id="IR-1"
    )
    root = etree.fromstring(xml)
    assert etree.QName(root).localname == "ApplicationResponse"
    assert etree.QName(root).namespace == "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
    names = [etree.QName(child).localname for child in root]
    assert names == [n for n in UBL_ORDER if n in names]
    x = lambda p: root.xpath(f"string({p})", namespaces=NS)  # noqa: E731
    assert (x("cbc:CustomizationID"), x("cbc:ProfileID"), x("cbc:ID"), x("cbc:IssueDate")) == (
        CUSTOMIZATION_ID,
        PROFILE_ID,
        "IR-1",
        "2026-12-07",
    )
    assert (x("cac:SenderParty/cbc:EndpointID"), x("cac:SenderParty/cbc:EndpointID/@schemeID")) == ("DE123456789", "9930")
    assert x("cac:SenderParty/cac:PartyLegalEntity/cbc:RegistrationName") == "Demo Supplies GmbH"
    assert x("cac:ReceiverParty/cac:PartyLegalEntity/cbc:RegistrationName") == "Lieferant GmbH"
    assert (x("cac:ReceiverParty/cbc:EndpointID"), x("cac:ReceiverParty/cbc:EndpointID/@schemeID")) == ("DE811907634", "9930")
    assert (x("cac:DocumentResponse/cac:Response/cbc:ResponseCode"), x("cac:DocumentResponse/cac:Response/cbc:ResponseCode/@listID")) == (
        "RE", "UNCL4343OpSubset",
    )  # fmt: skip
    status = root.findall("cac:DocumentResponse/cac:Response/cac:Status", NS)
    assert [(s.findtext("cbc:StatusReasonCode", namespaces=NS), s.find("cbc:StatusReasonCode", NS).get("listID")) for s in status] == [
        ("PRI", "OPStatusReason"), ("CNF", "OPStatusAction"),
    ]  # fmt: skip
    assert [etree.QName(c).localname for c in status[0]] == ["StatusReasonCode", "StatusReason", "Condition"]
    assert (x("cac:DocumentResponse/cac:DocumentReference/cbc:ID"), x("cac:DocumentResponse/cac:DocumentReference/cbc:IssueDate")) == (
        "L-2026-17", "2026-11-30",
    )  # fmt: skip
    assert x("cac:DocumentResponse/cac:DocumentReference/cbc:DocumentTypeCode") == "380"
    # And what we write, we read back as written.
    parsed = read_invoice_response(xml)
    assert (parsed.code, parsed.document_number, parsed.note, parsed.sender.name) == (
        "RE",
        "L-2026-17",
        "See the order",
        "Demo Supplies GmbH",
    )
    assert parsed.clarifications[0] == Clarification("PRI", "OPStatusReason", "Price differs from the order", (("BT-146", "9.50"),))


@pytest.mark.parametrize("code", ["AB", "IP", "AP", "PD"])
def test_codes_without_a_reason_need_none(received: Invoice, code: str) -> None:
    assert read_invoice_response(received_invoice_response(invoice=received, code=code)).code == code


@pytest.mark.parametrize("code", ["UQ", "CA", "RE"])
def test_a_query_rejection_or_condition_needs_a_reason(received: Invoice, code: str) -> None:
    with pytest.raises(ValidationFailed, match="at least one reason"):
        received_invoice_response(invoice=received, code=code, clarifications=[Clarification("NIN", "OPStatusAction")])


def test_unknown_codes_are_refused(received: Invoice, invoice: Invoice) -> None:
    with pytest.raises(ValidationFailed, match="code"):
        received_invoice_response(invoice=received, code="OK")
    with pytest.raises(ValidationFailed, match="not an OPStatusReason"):
        received_invoice_response(invoice=received, code="RE", clarifications=[Clarification("BAD", "OPStatusReason")])
    with pytest.raises(ValidationFailed, match="answers a document we received"):
        received_invoice_response(invoice=invoice, code="AP")


# --- API ------------------------------------------------------------------------------------------------------------


def _client(user: Any) -> ApiClient:
    return ApiClient(api_token_create(actor=None, user=user, name="t")[1])


def _post(client: ApiClient, xml: bytes, content_type: str = "application/xml") -> Any:
    return client.call("POST", "invoice-responses", raw=xml, headers={"Content-Type": content_type})


def test_the_api_receives_responses_and_lists_them(personas: Personas, invoice: Invoice) -> None:
    finance = _client(personas.finance)
    response = finance.client.post("/api/v1/invoice-responses", data=uq_for(invoice), content_type="application/xml",
                                   headers={"Authorization": f"Bearer {finance.token}"})  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["label"], body["needs_attention"], body["invoice"]) == ("UQ", "Under query", True, invoice.pk)
    again = finance.client.post("/api/v1/invoice-responses", data=uq_for(invoice), content_type="text/xml",
                                headers={"Authorization": f"Bearer {finance.token}"})  # fmt: skip
    assert again.status_code == 200
    listed = finance.get(f"invoices/{invoice.pk}/responses")
    assert [r["code"] for r in listed.body] == ["UQ"]
    refused = finance.client.post("/api/v1/invoice-responses", data=XXE, content_type="application/xml",
                                  headers={"Authorization": f"Bearer {finance.token}"})  # fmt: skip
    assert refused.status_code == 400
    alice = _client(personas.alice)
    buyer = alice.client.post("/api/v1/invoice-responses", data=uq_for(invoice), content_type="application/xml",
                              headers={"Authorization": f"Bearer {alice.token}"})  # fmt: skip
    assert buyer.status_code == 403
    json_body = finance.post("invoice-responses", {"code": "AP"})
    problem_of(json_body, 400, "einvoice_unreadable")


def test_the_seller_dashboard_shows_and_filters_what_needs_attention(personas: Personas, invoice: Invoice, client: Any) -> None:
    other = make_invoice(company=invoice.company, currency="EUR")
    invoice_response_receive(actor=None, xml=uq_for(invoice))
    invoice_response_receive(actor=None, xml=response_for(other, "AP", 3))
    client.force_login(personas.finance)
    page = client.get("/seller/invoices/?attention=yes")
    assert page.status_code == 200
    content = page.content.decode()
    assert str(invoice.number) in content
    assert str(other.number) not in content
    assert "Under query" in content
    detail = client.get(f"/seller/invoices/{invoice.pk}/").content.decode()
    assert "Buyer responses" in detail
    assert "References incorrect" in detail


def test_seller_staff_record_a_response_file_on_the_invoice_page(personas: Personas, invoice: Invoice, client: Any) -> None:
    url = f"/seller/invoices/{invoice.pk}/responses"
    client.force_login(personas.sales)
    upload = SimpleUploadedFile("response.xml", uq_for(invoice), content_type="application/xml")
    response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert InvoiceResponse.objects.get().received_by == personas.sales
    other = make_invoice(company=invoice.company, currency="EUR")
    wrong = client.post(url, {"file": SimpleUploadedFile("r.xml", response_for(other, "AP", 4))})
    assert wrong.status_code == 422
    assert "about another document" in wrong.content.decode()
    garbage = client.post(url, {"file": SimpleUploadedFile("r.xml", XXE)})
    assert garbage.status_code == 422
    assert "DOCTYPE" in garbage.content.decode()
    assert InvoiceResponse.objects.count() == 1
    client.force_login(personas.alice)
    assert client.post(url, {"file": SimpleUploadedFile("r.xml", response_for(invoice, "AP", 4))}).status_code == 403
    assert InvoiceResponse.objects.count() == 1


def test_the_original_of_an_imported_document_downloads_for_seller_staff_only(personas: Personas, client: Any) -> None:
    customer = make_company(
        name="Kunde AG",
        currency="EUR",
        external_id="K-1",
        tax_id="DE999999999",
        country="DE",
        peppol_scheme="9930",
        peppol_id="DE999999999",
    )
    original = make_invoice(company=customer, currency="EUR", lines=[line(unit_price="10.00", tax_rate="19")])
    xml = renumbered(original, "ERP-ORIG-1")
    imported = issued_einvoice_import(actor=None, xml=xml).invoice
    client.force_login(personas.finance)
    response = client.get(f"/seller/invoices/{imported.pk}/original")
    assert (response.status_code, response.content) == (200, xml)
    assert "Original (as imported)" in client.get(f"/seller/invoices/{imported.pk}/").content.decode()
    assert client.get(f"/seller/invoices/{original.pk}/original").status_code == 404
    client.force_login(personas.alice)
    assert client.get(f"/seller/invoices/{imported.pk}/original").status_code == 403
