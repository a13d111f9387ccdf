"""Peppol BIS Invoice Response 3 (UBL 2.1 ApplicationResponse): read one a buyer sent, write one for a supplier.

Read (``read_invoice_response``): a pure function from bytes (read as safely as invoices are, ``parse.xml``)
to ``ParsedResponse``. Write (``invoice_response_xml``): the response of the party that received
``invoice`` to the party that issued it, for a status code and its clarifications, with the rules of
Peppol BIS Invoice Response 3 checked before anything is written: the code is one of the UNCL4343
subset, a clarification code is one of OPStatusReason / OPStatusAction, and an under-query, rejected
or conditionally accepted response gives at least one reason (PEPPOL-T111-R001/R003).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.utils import timezone
from lxml import etree

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice.parse.errors import EInvoiceInvalid, EInvoiceRefused
from invoice_portal.documents.einvoice.parse.values import iso_date, location, text
from invoice_portal.documents.einvoice.parse.xml import parse_xml
from invoice_portal.documents.einvoice.parties import buyer_party, seller_party
from invoice_portal.documents.einvoice.ubl import TYPE_CODES
from invoice_portal.invoices.models import Direction, Invoice, Kind
from invoice_portal.invoices.seller import seller_snapshot

APPLICATION_RESPONSE_NS = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOT = f"{{{APPLICATION_RESPONSE_NS}}}ApplicationResponse"
NS = {"cac": CAC, "cbc": CBC}
CUSTOMIZATION_ID = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
PROFILE_ID = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
RESPONSE_CODE_LIST = "UNCL4343OpSubset"
CODES = ("AB", "IP", "UQ", "CA", "RE", "AP", "PD")
NEEDS_REASON = ("UQ", "CA", "RE")
STATUS_REASONS = {  # OPStatusReason: what is wrong
    "NON": "No issue", "REF": "References incorrect", "LEG": "Legal information incorrect", "REC": "Receiver unknown",
    "QUA": "Item quality insufficient", "DEL": "Delivery issues", "PRI": "Prices incorrect", "QTY": "Quantity incorrect",
    "ITM": "Items incorrect", "PAY": "Payment terms incorrect", "UNR": "Not recognized", "FIN": "Finance terms not accepted",
    "PPD": "Partially paid", "OTH": "Other",
}  # fmt: skip
STATUS_ACTIONS = {  # OPStatusAction: what the seller is asked to do
    "NOA": "No action required", "PIN": "Provide information", "NIN": "Issue new invoice", "CNF": "Credit fully",
    "CNP": "Credit partially", "CNA": "Credit the amount", "OTH": "Other",
}  # fmt: skip
REASON_LISTS = {"OPStatusReason": STATUS_REASONS, "OPStatusAction": STATUS_ACTIONS}


@dataclass(frozen=True)
class Clarification:
    code: str = ""
    list_id: str = ""  # OPStatusReason or OPStatusAction
    text: str = ""
    conditions: tuple[tuple[str, str], ...] = ()  # (attribute id, e.g. BT-48; description)

    def describe(self) -> str:
        label = REASON_LISTS.get(self.list_id, {}).get(self.code, "")
        head = " ".join(p for p in (self.code, f"({label})" if label else "") if p)
        parts = [p for p in (head, self.text) if p]
        parts += [f"{attribute}: {description}" for attribute, description in self.conditions]
        return " — ".join(parts)


@dataclass(frozen=True)
class ResponseParty:
    name: str = ""
    endpoint: str = ""  # scheme:identifier


@dataclass(frozen=True)
class ParsedResponse:
    response_id: str
    issue_date: dt.date
    code: str
    document_number: str
    document_issue_date: dt.date | None = None
    document_type_code: str = ""
    effective_date: dt.date | None = None
    note: str = ""
    sender: ResponseParty = field(default_factory=ResponseParty)
    receiver: ResponseParty = field(default_factory=ResponseParty)
    clarifications: tuple[Clarification, ...] = ()
    customization_id: str = ""


def _find(element: etree._Element | None, path: str) -> etree._Element | None:
    return None if element is None else element.find(path, NS)


def _text(element: etree._Element | None, path: str) -> str:
    return text(_find(element, path))


def _party(element: etree._Element | None) -> ResponseParty:
    endpoint = _find(element, "cbc:EndpointID")
    scheme = (endpoint.get("schemeID") or "").strip() if endpoint is not None else ""
    value = text(endpoint)
    name = _text(element, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(element, "cac:PartyName/cbc:Name")
    return ResponseParty(name=name, endpoint=f"{scheme}:{value}" if scheme and value else value)


def read_invoice_response(data: bytes) -> ParsedResponse:
    """The Invoice Response ``data`` holds; ``EInvoiceRefused`` / ``EInvoiceInvalid`` (4xx) saying what is wrong otherwise."""
    root = parse_xml(data)
    if root.tag != ROOT:
        raise EInvoiceRefused(f"The document's root element is {root.tag}; a UBL ApplicationResponse is expected.")
    document_response = _find(root, "cac:DocumentResponse")
    response = _find(document_response, "cac:Response")
    reference = _find(document_response, "cac:DocumentReference")
    if response is None or reference is None:
        raise EInvoiceInvalid("DocumentResponse with a Response and a DocumentReference is missing.", location=location(root))
    code = _text(response, "cbc:ResponseCode")
    if code not in CODES:
        raise EInvoiceInvalid(f"ResponseCode '{code}' is not one of {', '.join(CODES)}.", location=location(response))
    number = _text(reference, "cbc:ID")
    if not number:
        raise EInvoiceInvalid("The DocumentReference has no ID (the invoice number).", location=location(reference))
    issue_date = iso_date(_find(root, "cbc:IssueDate"))
    if issue_date is None:
        raise EInvoiceInvalid("IssueDate is missing.", location=location(root))
    clarifications = []
    for status in response.iterfind("cac:Status", NS):
        reason_code = _find(status, "cbc:StatusReasonCode")
        clarifications.append(
            Clarification(
                code=text(reason_code),
                list_id=(reason_code.get("listID") or "").strip() if reason_code is not None else "",
                text=" ".join(t for e in status.iterfind("cbc:StatusReason", NS) if (t := text(e))),
                conditions=tuple((_text(c, "cbc:AttributeID"), _text(c, "cbc:Description")) for c in status.iterfind("cac:Condition", NS)),
            )
        )
    return ParsedResponse(
        response_id=_text(root, "cbc:ID"),
        issue_date=issue_date,
        code=code,
        document_number=number,
        document_issue_date=iso_date(_find(reference, "cbc:IssueDate")),
        document_type_code=_text(reference, "cbc:DocumentTypeCode"),
        effective_date=iso_date(_find(response, "cbc:EffectiveDate")),
        note=" ".join(t for e in root.iterfind("cbc:Note", NS) if (t := text(e))),
        sender=_party(_find(root, "cac:SenderParty")),
        receiver=_party(_find(root, "cac:ReceiverParty")),
        clarifications=tuple(c for c in clarifications if c.code or c.text or c.conditions),
        customization_id=_text(root, "cbc:CustomizationID"),
    )


# --- Writing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutParty:
    name: str
    endpoint_scheme: str
    endpoint_id: str
    legal_id: str = ""


def _sub(parent: etree._Element, tag: str, value: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, **attributes)
    element.text = value
    return element


def _out_party(root: etree._Element, tag: str, party: OutParty) -> None:
    element = etree.SubElement(root, f"{{{CAC}}}{tag}")
    if not party.endpoint_id or not party.endpoint_scheme:
        raise ValidationFailed(f"{tag}: an Invoice Response names each party's electronic address (scheme and id).", field=tag)
    _sub(element, f"{{{CBC}}}EndpointID", party.endpoint_id, schemeID=party.endpoint_scheme)
    if party.legal_id:
        _sub(etree.SubElement(element, f"{{{CAC}}}PartyIdentification"), f"{{{CBC}}}ID", party.legal_id)
    _sub(etree.SubElement(element, f"{{{CAC}}}PartyLegalEntity"), f"{{{CBC}}}RegistrationName", party.name)


def check_clarifications(code: str, clarifications: list[Clarification]) -> None:
    if code not in CODES:
        raise ValidationFailed(f"code: one of {', '.join(CODES)}.", field="code")
    for i, clarification in enumerate(clarifications):
        known = REASON_LISTS.get(clarification.list_id)
        if known is None or clarification.code not in known:
            raise ValidationFailed(
                f"reasons[{i}]: '{clarification.code}' is not an OPStatusReason or OPStatusAction code.", field=f"reasons[{i}]"
            )
    if code in NEEDS_REASON and not any(c.list_id == "OPStatusReason" for c in clarifications):
        raise ValidationFailed(f"reasons: a response {code} gives at least one reason (OPStatusReason).", field="reasons")


def invoice_response_xml(
    *,
    response_id: str,
    issue_date: dt.date,
    code: str,
    document_number: str,
    document_type_code: str,
    sender: OutParty,
    receiver: OutParty,
    document_issue_date: dt.date | None = None,
    clarifications: list[Clarification] | None = None,
    effective_date: dt.date | None = None,
    note: str = "",
) -> bytes:
    """A Peppol BIS Invoice Response 3 document (elements in the UBL 2.1 ApplicationResponse schema's order)."""
    clarifications = list(clarifications or [])
    check_clarifications(code, clarifications)
    root = etree.Element(ROOT, nsmap={None: APPLICATION_RESPONSE_NS, "cac": CAC, "cbc": CBC})
    _sub(root, f"{{{CBC}}}CustomizationID", CUSTOMIZATION_ID)
    _sub(root, f"{{{CBC}}}ProfileID", PROFILE_ID)
    _sub(root, f"{{{CBC}}}ID", response_id)
    _sub(root, f"{{{CBC}}}IssueDate", issue_date.isoformat())
    if note.strip():
        _sub(root, f"{{{CBC}}}Note", note.strip())
    _out_party(root, "SenderParty", sender)
    _out_party(root, "ReceiverParty", receiver)
    document_response = etree.SubElement(root, f"{{{CAC}}}DocumentResponse")
    response = etree.SubElement(document_response, f"{{{CAC}}}Response")
    _sub(response, f"{{{CBC}}}ResponseCode", code, listID=RESPONSE_CODE_LIST)
    if effective_date is not None:
        _sub(response, f"{{{CBC}}}EffectiveDate", effective_date.isoformat())
    for clarification in clarifications:
        status = etree.SubElement(response, f"{{{CAC}}}Status")
        _sub(status, f"{{{CBC}}}StatusReasonCode", clarification.code, listID=clarification.list_id)
        if clarification.text.strip():
            _sub(status, f"{{{CBC}}}StatusReason", clarification.text.strip())
        for attribute, description in clarification.conditions:
            condition = etree.SubElement(status, f"{{{CAC}}}Condition")
            _sub(condition, f"{{{CBC}}}AttributeID", attribute)
            if description:
                _sub(condition, f"{{{CBC}}}Description", description)
    reference = etree.SubElement(document_response, f"{{{CAC}}}DocumentReference")
    _sub(reference, f"{{{CBC}}}ID", document_number)
    if document_issue_date is not None:
        _sub(reference, f"{{{CBC}}}IssueDate", document_issue_date.isoformat())
    _sub(reference, f"{{{CBC}}}DocumentTypeCode", document_type_code, listID="UNCL1001")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def received_invoice_response(
    *,
    invoice: Invoice,
    code: str,
    clarifications: list[Clarification] | None = None,
    note: str = "",
    issue_date: dt.date | None = None,
    response_id: str = "",
    seller: PortalSettings | None = None,
    supplier: Company | None = None,
) -> bytes:
    """Our Invoice Response to the supplier of ``invoice`` (a received document): we, the buyer, tell them ``code``.

    The parties' electronic addresses are their Peppol participant ids (``parties``: our settings', the company's).
    """
    if invoice.direction != Direction.RECEIVED:
        raise ValidationFailed("invoice: an Invoice Response answers a document we received.", field="invoice")
    us = seller_party(seller_snapshot(seller or portal_settings()))
    supplier_party = buyer_party(supplier or invoice.company)
    today = timezone.localdate()
    return invoice_response_xml(
        response_id=response_id or f"IR-{invoice.pk}-{uuid.uuid4().hex[:12]}",
        issue_date=issue_date or today,
        code=code,
        document_number=invoice.number or "",
        document_issue_date=invoice.issue_date,
        document_type_code=TYPE_CODES[Kind(invoice.kind)],
        sender=OutParty(us.name, us.endpoint_scheme, us.endpoint_id, us.legal_id or us.vat_id),
        receiver=OutParty(supplier_party.name, supplier_party.endpoint_scheme, supplier_party.endpoint_id, supplier_party.identifier),
        clarifications=clarifications,
        note=note,
    )
