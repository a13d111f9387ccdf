"""Invoice Responses to suppliers: written when a received invoice's AP status changes, valid UBL ApplicationResponses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from invoice_portal.companies.models import Company
from invoice_portal.core.models import PortalSettings
from invoice_portal.documents.einvoice.ap_responses import codes_for_move, why_none
from invoice_portal.documents.einvoice.response import read_invoice_response
from invoice_portal.documents.einvoice.validation import validate_application_response
from invoice_portal.documents.models import SentInvoiceResponse
from invoice_portal.documents.selectors import sent_responses_of
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.payables.models import ApproverLimit
from invoice_portal.payables.services import received_invoice_cancel
from invoice_portal.payables.services.approval import (
    received_invoice_approve,
    received_invoice_buyer_accept,
    received_invoice_reject,
    received_invoice_send_to_buyer,
)
from invoice_portal.payables.services.supplier_payments import supplier_payment_allocate, supplier_payment_record
from invoice_portal.payables.testing import ApPersonas, flip, make_ap_personas, make_po, receive_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def ap(eu_seller: PortalSettings) -> ApPersonas:
    personas = make_ap_personas()
    for company, scheme, identifier in ((personas.northwind, "0088", "5790000435968"), (personas.initech, "9930", "DE811907634")):
        Company.objects.filter(pk=company.pk).update(peppol_scheme=scheme, peppol_id=identifier, country="DE")
        company.refresh_from_db()
    return personas


def _held(ap: ApPersonas, *, price: str = "5.60") -> Invoice:
    po = make_po(supplier=ap.northwind, requester=ap.requester)
    receive_all(po)
    invoice = flip(po, actor=ap.sue, prices=[price, "100.00"])
    assert invoice.ap_status == ReceivedStatus.ON_HOLD
    return invoice


def _codes(invoice: Invoice) -> list[str]:
    return list(SentInvoiceResponse.objects.filter(invoice=invoice).order_by("pk").values_list("code", flat=True))


def _assert_valid(response: SentInvoiceResponse, invoice: Invoice) -> Any:
    xml = bytes(response.xml)
    assert validate_application_response(xml) == []
    parsed = read_invoice_response(xml)
    assert (parsed.code, parsed.document_number, parsed.response_id) == (response.code, invoice.number, response.response_id)
    assert parsed.sender.endpoint == "9930:DE123456789"  # us (the eu_seller's participant id)
    assert parsed.receiver.endpoint == f"{invoice.company.peppol_scheme}:{invoice.company.peppol_id}"
    return parsed


def test_the_mapping_of_ap_moves_to_response_codes() -> None:
    assert codes_for_move("draft", "pending_receiving") == ["AB"]  # received; in process is what AB says too
    assert codes_for_move("draft", "on_hold") == ["AB", "UQ"]
    assert codes_for_move("draft", "accepted") == ["AB", "AP"]
    assert codes_for_move("pending_initial_acceptance", "rejected") == ["RE"]
    assert codes_for_move("on_hold", "pending_order_acceptance") == ["IP"]
    assert codes_for_move("pending_delegated_approval", "accepted") == ["AP"]
    assert codes_for_move("accepted", "downloaded") == []
    assert codes_for_move("pending_receiving", "canceled") == []


def test_hold_to_buyer_to_approver_writes_ab_uq_ip_ap_each_a_valid_application_response(ap: ApPersonas) -> None:
    ApproverLimit.objects.create(user=ap.requester, currency="USD", limit=Decimal("100"))
    ApproverLimit.objects.create(user=ap.approver, currency="USD", limit=Decimal("10000"))
    invoice = _held(ap)
    assert _codes(invoice) == ["AB", "UQ"]
    query = SentInvoiceResponse.objects.get(invoice=invoice, code="UQ")
    parsed = _assert_valid(query, invoice)
    assert [(c.code, c.list_id) for c in parsed.clarifications] == [("PRI", "OPStatusReason")]  # the price exception
    assert parsed.note.startswith("On hold")
    assert query.ap_status == ReceivedStatus.ON_HOLD

    invoice = received_invoice_send_to_buyer(actor=ap.clerk, invoice=invoice)
    invoice = received_invoice_buyer_accept(actor=ap.requester, invoice=invoice, comment="Agreed new price")
    assert invoice.ap_status == ReceivedStatus.PENDING_DELEGATED_APPROVAL
    assert _codes(invoice) == ["AB", "UQ", "IP"]  # pending order acceptance → pending approval: still in process, once
    invoice = received_invoice_approve(actor=ap.approver, invoice=invoice)
    assert _codes(invoice) == ["AB", "UQ", "IP", "AP"]
    for response in SentInvoiceResponse.objects.filter(invoice=invoice):
        _assert_valid(response, invoice)
    latest = sent_responses_of(invoice)[0]
    assert (latest.code, latest.created_by) == ("AP", ap.approver)


def test_a_rejection_is_re_with_its_comment(ap: ApPersonas) -> None:
    invoice = received_invoice_reject(actor=ap.clerk, invoice=_held(ap), comment="Price not agreed with purchasing")
    rejection = SentInvoiceResponse.objects.get(invoice=invoice, code="RE")
    parsed = _assert_valid(rejection, invoice)
    assert parsed.clarifications[0].code == "PRI"
    assert parsed.clarifications[0].text == "Price not agreed with purchasing"
    assert "Price not agreed with purchasing" in rejection.reason


def test_a_matched_invoice_is_ab_only_and_a_cancel_writes_nothing(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    invoice = flip(po, actor=ap.sue)  # nothing received yet: pending receiving
    assert invoice.ap_status == ReceivedStatus.PENDING_RECEIVING
    assert _codes(invoice) == ["AB"]
    received_invoice_cancel(actor=ap.sue, invoice=invoice)
    assert _codes(invoice) == ["AB"]


def test_no_response_without_both_participant_ids_and_the_pages_can_say_why(ap: ApPersonas, eu_seller: PortalSettings) -> None:
    Company.objects.filter(pk=ap.northwind.pk).update(peppol_scheme="", peppol_id="")
    invoice = _held(ap)
    assert _codes(invoice) == []
    assert "Northwind Traders has none" in why_none(invoice)
    eu_seller.seller_peppol_scheme, eu_seller.seller_peppol_id = "", ""
    eu_seller.save()
    assert "our Peppol participant id" in why_none(invoice)
    Company.objects.filter(pk=ap.northwind.pk).update(peppol_scheme="0088", peppol_id="5790000435968")
    assert _codes(_held(ap, price="5.70")) == []  # the supplier has one again, we have none


def test_the_application_response_schema_refuses_what_ubl_does_not_allow(ap: ApPersonas) -> None:
    invoice = _held(ap)
    xml = bytes(SentInvoiceResponse.objects.filter(invoice=invoice).first().xml)  # type: ignore[union-attr]
    root = etree.fromstring(xml)
    sender = root.find("{*}SenderParty")
    assert sender is not None
    root.remove(sender)
    assert "ReceiverParty" in validate_application_response(etree.tostring(root))[0].message
    assert validate_application_response(xml.replace(b"<cbc:IssueDate>", b"<cbc:Wrong/><cbc:IssueDate>"))[0].rule == "XSD"


def test_ap_and_the_supplier_list_and_download_them_another_supplier_and_a_buyer_cannot(ap: ApPersonas, client: Any) -> None:
    invoice = _held(ap)
    query = SentInvoiceResponse.objects.get(invoice=invoice, code="UQ")
    ap_download = f"/ap/invoices/{invoice.pk}/responses/{query.pk}.xml"
    supplier_download = f"/supplier/invoices/{invoice.pk}/responses/{query.pk}.xml"

    client.force_login(ap.clerk)
    page = client.get(f"/ap/invoices/{invoice.pk}/").content.decode()
    assert "Invoice Responses to the supplier" in page
    assert ap_download in page
    assert "Under query" in page
    reply = client.get(ap_download)
    assert (reply.status_code, reply["Content-Type"], reply.content) == (200, "application/xml", bytes(query.xml))
    assert f"invoice-response-{query.response_id}.xml" in reply["Content-Disposition"]
    assert client.get(supplier_download).status_code == 403  # staff are not supplier users

    client.force_login(ap.sue)
    page = client.get(f"/supplier/invoices/{invoice.pk}/").content.decode()
    assert "Invoice Responses from us" in page
    assert supplier_download in page
    assert client.get(supplier_download).content == bytes(query.xml)
    assert client.get(ap_download).status_code == 403

    client.force_login(ap.ivan)  # Initech's user: Northwind's invoice is not theirs
    assert client.get(supplier_download).status_code == 404
    assert client.get(f"/supplier/invoices/{invoice.pk}/responses/{query.pk + 1000}.xml").status_code == 404

    other = _held(ap, price="5.70")  # a response of another invoice, asked for under this one's address
    client.force_login(ap.clerk)
    foreign = SentInvoiceResponse.objects.filter(invoice=other).first()
    assert foreign is not None
    assert client.get(f"/ap/invoices/{invoice.pk}/responses/{foreign.pk}.xml").status_code == 404


def test_the_api_lists_them_newest_first_for_ap_and_the_supplier_only(ap: ApPersonas) -> None:
    from invoice_portal.api.services import api_token_create
    from invoice_portal.api.tests.conftest import ApiClient, problem_of

    invoice = received_invoice_reject(actor=ap.clerk, invoice=_held(ap), comment="Price not agreed")
    clerk = ApiClient(api_token_create(actor=None, user=ap.clerk, name="t")[1])
    listed = clerk.get(f"received-invoices/{invoice.pk}/responses")
    assert listed.status == 200
    assert [r["code"] for r in listed.body] == ["RE", "UQ", "AB"]
    assert listed.body[0]["reason"].startswith("PRI (Prices incorrect) — Price not agreed")
    xml = clerk.call("GET", listed.body[0]["xml_url"].removeprefix("/api/v1/"))
    assert validate_application_response(xml.body) == []
    sue = ApiClient(api_token_create(actor=None, user=ap.sue, name="t")[1])
    assert [r["code"] for r in sue.get(f"received-invoices/{invoice.pk}/responses").body] == ["RE", "UQ", "AB"]
    ivan = ApiClient(api_token_create(actor=None, user=ap.ivan, name="t")[1])
    problem_of(ivan.get(f"received-invoices/{invoice.pk}/responses"), 404)


def test_a_supplier_payment_settling_an_invoice_in_full_writes_pd_once_a_part_payment_none(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.clerk)
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    assert _codes(invoice) == ["AB", "AP"]

    payment = supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount=invoice.total, method="wire",
                                      allocations=[(invoice, "10.00")])  # fmt: skip
    assert _codes(invoice) == ["AB", "AP"]  # partly paid: nothing to tell yet
    supplier_payment_allocate(actor=ap.clerk, payment=payment, allocations=[(invoice, invoice.total - Decimal("10.00"))])

    assert _codes(invoice) == ["AB", "AP", "PD"]
    paid = SentInvoiceResponse.objects.get(invoice=invoice, code="PD")
    invoice.refresh_from_db()
    _assert_valid(paid, invoice)
    assert (paid.ap_status, paid.created_by) == (ReceivedStatus.ACCEPTED, ap.clerk)


def test_no_pd_without_the_suppliers_participant_id(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.clerk)
    Company.objects.filter(pk=ap.northwind.pk).update(peppol_scheme="", peppol_id="")
    ap.northwind.refresh_from_db()
    supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount=invoice.total, method="wire",
                            allocations=[(invoice, invoice.total)])  # fmt: skip
    assert _codes(invoice) == ["AB", "AP"]
