"""A transaction run's UBL zip: one EN 16931 document per received invoice with the roles as they are (the supplier
sells, we buy), the supplier's own e-invoice where it sent one, and the invoices that cannot be written listed with
their reason in the manifest; every document passes the official validation; downloads give the recorded bytes."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from lxml import etree

from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient, problem_of
from invoice_portal.companies.models import Company
from invoice_portal.core.models import PortalSettings
from invoice_portal.documents.einvoice.validation import fatal, validate
from invoice_portal.documents.tests.conftest import eu_seller
from invoice_portal.documents.tests.einvoice_helpers import renumbered
from invoice_portal.invoices.models import Invoice, Kind, ReceivedStatus
from invoice_portal.orders.models import Order
from invoice_portal.payables.models import TransactionRun
from invoice_portal.payables.services import purchase_order_upsert
from invoice_portal.payables.services.einvoice import received_einvoice_receive
from invoice_portal.payables.services.received import received_invoice_create
from invoice_portal.payables.services.transaction_runs import transaction_run_create
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.testing import line, make_company, make_invoice

__all__ = ["eu_seller"]
pytestmark = pytest.mark.django_db
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"


def _po(supplier: Company, external_id: str) -> Order:
    lines = [
        {"sku": "CONS", "description": "Consulting", "quantity": "3", "unit_price": "120.00", "tax_rate": "19"},
        {"sku": "TRV", "description": "Travel", "quantity": "2", "unit_code": "HUR", "unit_price": "80.00", "tax_rate": "19"},
    ]
    order, _ = purchase_order_upsert(
        actor=None, source="erp", external_id=external_id, number=f"45{external_id[-5:]}", supplier=supplier, currency="EUR", lines=lines
    )
    return order


@pytest.fixture
def keyed_supplier(eu_seller: PortalSettings) -> Company:
    return make_company(name="Kölner Bürobedarf KG", currency="EUR", is_supplier=True, is_customer=False, tax_id="DE811907634",
                        external_id="S-KBB", country="DE", address_line1="Ring 7", city="Köln", postal_code="50667")  # fmt: skip


@pytest.fixture
def einvoice_supplier(eu_seller: PortalSettings) -> Company:
    # Its e-invoice is one of our own UBL exports renumbered, so its seller VAT id is the operator's (DE123456789).
    return make_company(name="Rheinwerk GmbH", currency="EUR", is_supplier=True, is_customer=False, tax_id="DE123456789",
                        external_id="S-RW")  # fmt: skip


def _supplier_einvoice(number: str, po_number: str) -> bytes:
    customer = make_company(name="Us as the buyer", currency="EUR", tax_id="DE999999999", email="ap@us.test", country="DE",
                            address_line1="Weg 1", city="Köln", postal_code="50667",
                            peppol_scheme="9930", peppol_id="DE999999999")  # fmt: skip
    lines = [line(description="Consulting", quantity="3", unit_price="120.00", tax_rate="19", sku="CONS"),
             line(description="Travel", quantity="2", unit_price="80.00", tax_rate="19", sku="TRV", unit_code="HUR")]  # fmt: skip
    return renumbered(make_invoice(company=customer, currency="EUR", lines=lines, po_number=po_number), number)


def _accepted(invoice: Invoice) -> Invoice:
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.ACCEPTED, (invoice.ap_status, invoice.ap_reason)
    return invoice


@pytest.fixture
def run_world(ap: ApPersonas, keyed_supplier: Company, einvoice_supplier: Company) -> dict[str, object]:
    keyed_po = _po(keyed_supplier, "KBB-00001")
    receive_all(keyed_po)
    keyed = _accepted(flip(keyed_po, actor=ap.clerk, number="KBB/2026/0042"))
    credit = received_invoice_create(
        actor=ap.clerk, supplier=keyed_supplier, number="KBB/2026/G7", kind=Kind.CREDIT_NOTE, related_invoice=keyed,
        lines=[{"description": "Travel not taken", "quantity": "1", "unit_price": "80.00", "tax_category": "S", "tax_rate": "19"}],
    )  # fmt: skip
    credit = _accepted(credit)
    rw_po = _po(einvoice_supplier, "RW-PO-00001")
    original = _supplier_einvoice("RW-2026-17", po_number=rw_po.po_number)
    received = received_einvoice_receive(actor=None, xml=original, filename="rw-17.xml")
    assert received.invoice is not None
    receive_all(rw_po)
    from_einvoice = _accepted(received.invoice)
    # Northwind has no country and no tax id: no EN 16931 document can be written of its invoice.
    nw_po = make_po(supplier=ap.northwind)
    receive_all(nw_po)
    unwritable = _accepted(flip(nw_po, actor=ap.sue, number="NW-88"))
    return {"keyed": keyed, "credit": credit, "einvoice": from_einvoice, "original": original, "unwritable": unwritable}


def _zip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_each_invoice_is_a_valid_ubl_with_the_supplier_as_seller_or_listed_with_its_reason(
    ap: ApPersonas, run_world: dict[str, object], eu_seller: PortalSettings
) -> None:
    keyed, credit, from_einvoice, unwritable = (run_world[k] for k in ("keyed", "credit", "einvoice", "unwritable"))
    run = transaction_run_create(actor=ap.clerk)
    assert run.invoice_count == 4
    assert run.ubl_content is not None
    assert hashlib.sha256(bytes(run.ubl_content)).hexdigest() == run.ubl_sha256
    files = _zip(bytes(run.ubl_content))
    manifest = json.loads(files.pop("manifest.json"))
    assert sorted(files) == ["S-KBB_KBB-2026-0042.xml", "S-KBB_KBB-2026-G7.xml", "S-RW_RW-2026-17.xml"]
    for name, xml in files.items():
        assert fatal(validate(xml)) == [], name  # the official EN 16931 validation: XSD + CEN schematron

    # The supplier's e-invoice is its original, byte for byte.
    assert files["S-RW_RW-2026-17.xml"] == run_world["original"]
    by_file = {f["file"]: f for f in manifest["files"]}
    assert by_file["S-RW_RW-2026-17.xml"]["document"] == "original"
    assert by_file["S-RW_RW-2026-17.xml"]["invoice_id"] == from_einvoice.pk  # type: ignore[attr-defined]
    assert by_file["S-KBB_KBB-2026-0042.xml"]["document"] == "written"
    assert by_file["S-KBB_KBB-2026-0042.xml"]["sha256"] == hashlib.sha256(files["S-KBB_KBB-2026-0042.xml"]).hexdigest()

    # Written ones: the supplier is the seller, we (the settings) are the buyer; the credit invoice is a CreditNote.
    invoice = etree.fromstring(files["S-KBB_KBB-2026-0042.xml"])
    assert invoice.tag.endswith("}Invoice")
    assert invoice.findtext(f"{CBC}ID") == "KBB/2026/0042"
    seller = invoice.find(f"{CAC}AccountingSupplierParty/{CAC}Party")
    buyer = invoice.find(f"{CAC}AccountingCustomerParty/{CAC}Party")
    assert seller is not None
    assert buyer is not None
    assert seller.findtext(f"{CAC}PartyName/{CBC}Name") == "Kölner Bürobedarf KG"
    assert seller.findtext(f"{CAC}PartyTaxScheme/{CBC}CompanyID") == "DE811907634"
    assert buyer.findtext(f"{CAC}PartyName/{CBC}Name") == eu_seller.seller_name
    assert buyer.findtext(f"{CAC}PostalAddress/{CAC}Country/{CBC}IdentificationCode") == "DE"
    assert invoice.findtext(f"{CAC}LegalMonetaryTotal/{CBC}TaxInclusiveAmount") == f"{keyed.total:.2f}"  # type: ignore[attr-defined]
    assert invoice.findtext(f"{CAC}OrderReference/{CBC}ID") == keyed.order.po_number  # type: ignore[attr-defined]
    credit_note = etree.fromstring(files["S-KBB_KBB-2026-G7.xml"])
    assert credit_note.tag.endswith("}CreditNote")
    assert credit_note.findtext(f"{CAC}BillingReference/{CAC}InvoiceDocumentReference/{CBC}ID") == "KBB/2026/0042"
    assert credit.total > 0  # type: ignore[attr-defined]

    # The one that cannot be written is left out, with why; it is still in the CSV and JSON.
    (left_out,) = manifest["left_out"]
    assert (left_out["invoice_id"], left_out["supplier_invoice_number"]) == (unwritable.pk, "NW-88")  # type: ignore[attr-defined]
    assert "the supplier Northwind Traders has no country; set it on the supplier" in left_out["reason"]
    assert run.ubl_left_out == manifest["left_out"]
    assert "NW-88" in bytes(run.csv_content).decode()
    assert [d["number"] for d in json.loads(bytes(run.json_content))["invoices"]].count("NW-88") == 1
    for inv in (keyed, credit, from_einvoice, unwritable):
        inv.refresh_from_db()  # type: ignore[attr-defined]
        assert inv.ap_status == ReceivedStatus.DOWNLOADED  # type: ignore[attr-defined]


def test_the_zip_downloads_again_with_its_recorded_checksum_from_ap_and_the_api_but_never_for_a_supplier(
    ap: ApPersonas, run_world: dict[str, object], client: object
) -> None:
    run = transaction_run_create(actor=ap.clerk)
    stored = bytes(run.ubl_content or b"")
    api = ApiClient(api_token_create(actor=ap.clerk, user=ap.clerk, name="erp")[1])
    listed = api.get("transaction-runs").body["items"][0]
    assert (listed["ubl_sha256"], listed["ubl_url"]) == (run.ubl_sha256, f"/api/v1/transaction-runs/{run.pk}/ubl")
    assert [(x["supplier_invoice_number"], x["reason"][:5]) for x in listed["ubl_left_out"]] == [("NW-88", "NW-88")]
    for _ in range(2):
        reply = api.get(f"transaction-runs/{run.pk}/ubl")
        assert reply.status == 200
        assert reply.body == stored
        assert hashlib.sha256(reply.body).hexdigest() == run.ubl_sha256
        assert reply.headers["Content-Type"] == "application/zip"
        assert f'filename="run-{run.pk}-ubl.zip"' in reply.headers["Content-Disposition"]
    supplier = ApiClient(api_token_create(actor=ap.sue, user=ap.sue, name="supplier")[1])
    problem_of(supplier.get(f"transaction-runs/{run.pk}/ubl"), 403)
    problem_of(api.get(f"transaction-runs/{run.pk + 1}/ubl"), 404)

    client.force_login(ap.clerk)  # type: ignore[attr-defined]
    page = client.get("/ap/runs/")  # type: ignore[attr-defined]
    assert f"/ap/runs/{run.pk}/ubl".encode() in page.content
    assert b"1 not in the UBL zip" in page.content
    assert b"Northwind Traders has no country" in page.content
    download = client.get(f"/ap/runs/{run.pk}/ubl")  # type: ignore[attr-defined]
    assert download.status_code == 200
    assert download.content == stored
    client.force_login(ap.sue)  # type: ignore[attr-defined]
    assert client.get(f"/ap/runs/{run.pk}/ubl").status_code in (302, 403, 404)  # type: ignore[attr-defined]


def test_a_run_made_before_ubl_has_no_zip_to_download(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    flip(po, actor=ap.sue)
    run = transaction_run_create(actor=ap.clerk)
    TransactionRun.objects.filter(pk=run.pk).update(ubl_content=None, ubl_sha256="")
    api = ApiClient(api_token_create(actor=ap.clerk, user=ap.clerk, name="erp")[1])
    assert api.get(f"transaction-runs/{run.pk}").body["ubl_url"] is None
    problem_of(api.get(f"transaction-runs/{run.pk}/ubl"), 404)


def test_a_document_the_official_validation_refuses_is_left_out_never_half_valid(
    ap: ApPersonas, keyed_supplier: Company, eu_seller: PortalSettings
) -> None:
    # "BOX" is no UN/ECE Recommendation 20 unit (BR-CL-23): keying refuses it now, but a line keyed before that rule
    # (set here behind the services' back) is written as it is, and the validation refuses the document.
    po = _po(keyed_supplier, "KBB-00009")
    receive_all(po)
    keyed = _accepted(flip(po, actor=ap.clerk, number="KBB-9"))
    credit = received_invoice_create(
        actor=ap.clerk, supplier=keyed_supplier, number="KBB-9-G", kind=Kind.CREDIT_NOTE, related_invoice=keyed,
        lines=[{"description": "Boxes back", "quantity": "1", "unit_code": "XBX", "unit_price": "10.00", "tax_category": "S",
                "tax_rate": "19"}],
    )  # fmt: skip
    credit.lines.update(unit_code="BOX")
    run = transaction_run_create(actor=ap.clerk)
    files = _zip(bytes(run.ubl_content or b""))
    manifest = json.loads(files.pop("manifest.json"))
    assert list(files) == ["S-KBB_KBB-9.xml"]
    (left_out,) = manifest["left_out"]
    assert left_out["invoice_id"] == credit.pk
    assert left_out["reason"].startswith("The written document breaks EN 16931: [BR-CL-23]"), left_out["reason"]
