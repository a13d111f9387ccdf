"""The Peppol BIS Billing 3.0 rules our exports must meet beyond EN 16931, checked explicitly.

OpenPEPPOL's schematron is not shipped in any package we use, so the rules that concern what we write are
restated here from the Peppol BIS Billing 3.0 rule documentation, each under its id. ``peppol_violations``
returns ``[(rule id, what is wrong)]``; [] when the document meets them all.
"""

from __future__ import annotations

import re
from decimal import Decimal

from lxml import etree

from invoice_portal.companies.peppol import PEPPOL_EAS

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
INVOICE_TYPE_CODES = {"71", "80", "82", "84", "102", "218", "219", "331", "380", "382", "383", "386", "388", "393", "395",
                      "553", "575", "623", "780", "817", "870", "875", "876", "877"}  # fmt: skip
CREDIT_NOTE_TYPE_CODES = {"81", "83", "381", "396", "532"}
SLACK = Decimal("0.02")
NL_PAYMENT_MEANS = {"30", "48", "49", "57", "58", "59"}


def _gln_ok(value: str) -> bool:
    if len(value) != 13 or not value.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(value[:12])))
    return (10 - total % 10) % 10 == int(value[12])


def _dec(element: etree._Element | None, path: str, default: str = "0") -> Decimal:
    text = element.findtext(path, namespaces=NS) if element is not None else None
    return Decimal((text or default).strip())


def peppol_violations(xml: bytes, *, peppol: bool = True) -> list[tuple[str, str]]:
    """The Peppol BIS rules (and the national rules of the seller's country) that ``xml`` breaks.

    ``peppol=False`` skips the rules that name Peppol's own customization (an XRechnung document)."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    credit = etree.QName(root).localname == "CreditNote"
    found: list[tuple[str, str]] = []

    def fail(rule: str, message: str) -> None:
        found.append((rule, message))

    if not (root.findtext("cbc:ProfileID", namespaces=NS) or "").strip():
        fail("PEPPOL-EN16931-R001", "Business process (ProfileID) MUST be provided.")
    profile = (root.findtext("cbc:ProfileID", namespaces=NS) or "").strip()
    if not (profile.startswith("urn:fdc:peppol.eu:2017:poacc:billing:") and profile.endswith(":1.0")):
        fail("PEPPOL-EN16931-R007", f"Business process MUST be in the format 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0': {profile}")
    if peppol and not (root.findtext("cbc:CustomizationID", namespaces=NS) or "").startswith(PEPPOL_CUSTOMIZATION):
        fail("PEPPOL-EN16931-R004", "Specification identifier MUST have the value of Peppol BIS Billing 3.0.")
    if len(root.findall("cbc:Note", NS)) > 1:
        fail("PEPPOL-EN16931-R002", "No more than one note is allowed on document level.")
    if not (root.findtext("cbc:BuyerReference", namespaces=NS) or root.findtext("cac:OrderReference/cbc:ID", namespaces=NS)):
        fail("PEPPOL-EN16931-R003", "A buyer reference or purchase order reference MUST be provided.")
    for element in root.iter():
        if isinstance(element.tag, str) and len(element) == 0 and not (element.text or "").strip():
            fail("PEPPOL-EN16931-R008", f"Document MUST not contain empty elements: {etree.QName(element).localname}.")
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    if buyer is None or buyer.find("cbc:EndpointID", NS) is None:
        fail("PEPPOL-EN16931-R010", "Buyer electronic address MUST be provided.")
    if seller is None or seller.find("cbc:EndpointID", NS) is None:
        fail("PEPPOL-EN16931-R020", "Seller electronic address MUST be provided.")
    for endpoint in root.iterfind(".//cbc:EndpointID", NS):
        scheme = endpoint.get("schemeID") or ""
        if scheme not in PEPPOL_EAS:
            fail("PEPPOL-EN16931-CL008", f"Electronic address scheme '{scheme}' is not on the Peppol EAS code list.")
        if scheme == "0088" and not _gln_ok((endpoint.text or "").strip()):
            fail("PEPPOL-COMMON-R040", f"GLN '{endpoint.text}' must have a valid format according to GS1 rules.")
    currency = (root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) or "").strip()
    if root.find("cbc:TaxCurrencyCode", NS) is None:
        for element in root.iter():
            if element.get("currencyID") not in (None, currency):
                fail("PEPPOL-EN16931-R051", f"All currencyID attributes MUST have the document currency: {element.get('currencyID')}.")
    if len([t for t in root.findall("cac:TaxTotal", NS) if t.find("cac:TaxSubtotal", NS) is not None]) != 1:
        fail("PEPPOL-EN16931-R053", "Only one tax total with tax subtotals MUST be provided.")
    type_code = (root.findtext("cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", namespaces=NS) or "").strip()
    if type_code not in (CREDIT_NOTE_TYPE_CODES if credit else INVOICE_TYPE_CODES):
        fail("PEPPOL-EN16931-P0101" if credit else "PEPPOL-EN16931-P0100", f"Type code {type_code} is not permitted.")
    for line in root.findall("cac:CreditNoteLine" if credit else "cac:InvoiceLine", NS):
        quantity = _dec(line, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity")
        price = _dec(line, "cac:Price/cbc:PriceAmount")
        base = _dec(line, "cac:Price/cbc:BaseQuantity", "1")
        if base <= 0:
            fail("PEPPOL-EN16931-R121", "Base quantity MUST be a positive number above zero.")
            continue
        charges = sum((_dec(ac, "cbc:Amount") for ac in line.findall("cac:AllowanceCharge", NS)
                       if ac.findtext("cbc:ChargeIndicator", namespaces=NS) == "true"), Decimal(0))  # fmt: skip
        allowances = sum((_dec(ac, "cbc:Amount") for ac in line.findall("cac:AllowanceCharge", NS)
                          if ac.findtext("cbc:ChargeIndicator", namespaces=NS) == "false"), Decimal(0))  # fmt: skip
        net = _dec(line, "cbc:LineExtensionAmount")
        if abs(net - (quantity * price / base + charges - allowances)) > SLACK:
            fail("PEPPOL-EN16931-R120", f"Line {line.findtext('cbc:ID', namespaces=NS)}: net {net} ≠ quantity × price ± allowances.")
        for price_charge in line.findall("cac:Price/cac:AllowanceCharge", NS):
            if price_charge.findtext("cbc:ChargeIndicator", namespaces=NS) == "true":
                fail("PEPPOL-EN16931-R044", "Charge on price level is NOT allowed.")
    for indicator in root.iterfind(".//cbc:ChargeIndicator", NS):
        if indicator.text not in ("true", "false"):
            fail("PEPPOL-EN16931-R043", "Allowance/charge indicator value MUST be 'true' or 'false'.")
    if seller is not None and seller.findtext("cac:PostalAddress/cac:Country/cbc:IdentificationCode", namespaces=NS) == "NL":
        found.extend(_dutch_violations(root, seller, buyer, credit=credit))
    if seller is not None and buyer is not None:
        found.extend(_national_violations(root, seller, buyer, credit=credit))
    return found


def _country(party: etree._Element) -> str:
    return (party.findtext("cac:PostalAddress/cac:Country/cbc:IdentificationCode", namespaces=NS) or "").strip().upper()


def _vat(party: etree._Element) -> str:
    vat = [s.findtext("cbc:CompanyID", namespaces=NS) or "" for s in party.findall("cac:PartyTaxScheme", NS) if _vat_scheme(s) == "VAT"]
    return vat[0].strip() if vat else ""


def _vat_scheme(scheme: etree._Element) -> str:
    return (scheme.findtext("cac:TaxScheme/cbc:ID", namespaces=NS) or "").strip()


def _legal(party: etree._Element) -> tuple[str, str]:
    """(legal id, its schemeID) of a party: BT-30 / BT-47."""
    element = party.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    return ("", "") if element is None else ((element.text or "").strip(), element.get("schemeID") or "")


def _mod11_ok(digits: str) -> bool:
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(digits[:8], weights, strict=True)) % 11
    return remainder != 1 and (11 - remainder) % 11 == int(digits[8])


def _national_violations(root: etree._Element, seller: etree._Element, buyer: etree._Element, *, credit: bool) -> list[tuple[str, str]]:
    """The other national rules of Peppol BIS 3 (DK, IS, SE, NO, IT, GR; NL-R-003/005) for the seller's country: the
    address country, or for NO, IT and GR the prefix of the seller's VAT id (the official rules' $supplierCountry)."""
    found = []
    here, there, vat = _country(seller), _country(buyer), _vat(seller)
    supplier_country = vat[:2].upper() or here
    seller_legal, buyer_legal = _legal(seller), _legal(buyer)
    schemes = seller.findall("cac:PartyTaxScheme", NS)
    tax_numbers = [(s.findtext("cbc:CompanyID", namespaces=NS) or "").strip() for s in schemes if _vat_scheme(s) != "VAT"]

    def address_has(party: etree._Element, *tags: str) -> bool:
        return all((party.findtext(f"cac:PostalAddress/cbc:{tag}", namespaces=NS) or "").strip() for tag in tags)

    if here == "NL" and seller_legal[0] and seller_legal[1] not in ("0106", "0190"):
        found.append(("NL-R-003", "A Dutch supplier's legal entity id MUST be a KvK or OIN number (schemeID 0106 or 0190)."))
    if here == "NL" and there == "NL" and buyer_legal[0] and buyer_legal[1] not in ("0106", "0190"):
        found.append(("NL-R-005", "A Dutch supplier's Dutch customer's legal entity id MUST be a KvK or OIN number (0106 or 0190)."))
    if here == "DK":
        if not seller_legal[0]:
            found.append(("DK-R-002", "Danish suppliers MUST provide legal entity (CVR-number)."))
        elif seller_legal[1] != "0184":
            found.append(("DK-R-014", "A Danish supplier's legal entity id MUST have schemeID 0184 (CVR)."))
    if here == "DK" and there == "DK":
        for party in (seller, buyer):
            for ident in party.findall("cac:PartyIdentification/cbc:ID", NS):
                if not (ident.get("schemeID") or "").strip():
                    found.append(("DK-R-013", "Between Danish parties a PartyIdentification/ID MUST have a schemeID."))
        for means in [] if credit else root.findall("cac:PaymentMeans", NS):
            code = (means.findtext("cbc:PaymentMeansCode", namespaces=NS) or "").strip()
            if code not in {"1", "10", "31", "42", "48", "49", "50", "58", "59", "93", "97"}:
                found.append(("DK-R-005", f"Payment means code {code} is not allowed for Danish suppliers."))
            branch = means.findtext("cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID", namespaces=NS)
            if code in ("31", "42") and not (means.findtext("cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) and branch):
                found.append(("DK-R-006", "Bank account and registration number are mandatory for payment means 31 or 42."))
    if here == "IS":
        if seller_legal[1] != "0196":
            found.append(("IS-R-002", "An Icelandic seller MUST state its legal id (kennitala, schemeID 0196)."))
        if not address_has(seller, "StreetName", "PostalZone"):
            found.append(("IS-R-003", "An Icelandic seller's address MUST have street name and postal zone."))
        if there == "IS" and buyer_legal[1] != "0196":
            found.append(("IS-R-004", "An Icelandic seller MUST state an Icelandic buyer's legal id (kennitala, 0196)."))
        if there == "IS" and not address_has(buyer, "StreetName", "PostalZone"):
            found.append(("IS-R-005", "An Icelandic seller MUST state an Icelandic buyer's street name and postal zone."))
    if here == "SE" and vat.startswith("SE"):
        if len(vat) != 14 or not vat[2:].isdigit():
            found.append(("SE-R-001", "A Swedish supplier's VAT number MUST be SE and 12 digits."))
        for element in [*root.iterfind(".//cac:TaxCategory", NS), *root.iterfind(".//cac:ClassifiedTaxCategory", NS)]:
            if element.findtext("cbc:ID", namespaces=NS) == "S" and _dec(element, "cbc:Percent") not in (25, 12, 6):
                found.append(("SE-R-006", f"A Swedish supplier's standard rate MUST be 25, 12 or 6, not {_dec(element, 'cbc:Percent')}."))
    if here == "SE" and seller_legal[0] and any(t.upper() != "GODKÄND FÖR F-SKATT" for t in tax_numbers):
        found.append(("SE-R-005", "A Swedish supplier's tax registration (non-VAT) MUST state 'Godkänd för F-skatt'."))
    if vat.upper().startswith("NO"):
        number = vat[2:11]
        if not (len(vat) == 14 and number.isdigit() and vat.endswith("MVA") and _mod11_ok(number)):
            found.append(("NO-R-001", "A Norwegian VAT number MUST be NO, a valid organisation number and MVA."))
    if supplier_country == "IT":
        if any(not re.fullmatch(r"[A-Z0-9]{11,16}", t) for t in tax_numbers):
            found.append(("IT-R-001", "An Italian supplier's tax registration id MUST be 11 to 16 letters and digits."))
        if not address_has(seller, "StreetName", "CityName", "PostalZone"):
            found.append(("IT-R-002", "An Italian supplier MUST state street, city and postal code."))
    if supplier_country in ("GR", "EL"):
        marks = root.findall("cac:AdditionalDocumentReference[cbc:DocumentDescription='##M.AR.K##']", NS)
        if here == "GR" and len(marks) != 1:
            found.append(("GR-R-004-1", "A Greek supplier's invoice MUST carry one MARK number."))
        if len((root.findtext("cbc:ID", namespaces=NS) or "").split("|")) != 6:
            found.append(("GR-R-001-1", "A Greek supplier's invoice id MUST have 6 segments."))
    return found


def _dutch_violations(root: etree._Element, seller: etree._Element, buyer: etree._Element | None, *, credit: bool) -> list[tuple[str, str]]:
    """The Dutch national rules (Peppol BIS 3 NL-R-*) for a seller in the Netherlands."""
    found = []
    if credit and root.find("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", NS) is None:
        found.append(("NL-R-001", "A Dutch supplier's credit note MUST contain an invoice reference."))
    address = seller.find("cac:PostalAddress", NS)
    if any(address is None or address.find(f"cbc:{tag}", NS) is None for tag in ("StreetName", "CityName", "PostalZone")):
        found.append(("NL-R-002", "A Dutch supplier's address MUST contain street, city and postal code."))
    if buyer is not None and buyer.findtext("cac:PostalAddress/cac:Country/cbc:IdentificationCode", namespaces=NS) == "NL":
        address = buyer.find("cac:PostalAddress", NS)
        if any(address is None or address.find(f"cbc:{tag}", NS) is None for tag in ("StreetName", "CityName", "PostalZone")):
            found.append(("NL-R-004", "A Dutch customer's address MUST contain street, city and postal code."))
    for means in root.findall("cac:PaymentMeans", NS):
        if (means.findtext("cbc:PaymentMeansCode", namespaces=NS) or "") not in NL_PAYMENT_MEANS:
            found.append(("NL-R-008", "A Dutch supplier's payment means code MUST be one of 30, 48, 49, 57, 58 or 59."))
    return found
