"""The Peppol BIS Billing 3.0 rules our exports must meet beyond EN 16931, checked explicitly.

OpenPEPPOL's schematron is not shipped in any package we use, so the rules that concern what we write are
restated here from the Peppol BIS Billing 3.0 rule documentation, each under its id. ``peppol_violations``
returns ``[(rule id, what is wrong)]``; [] when the document meets them all.
"""

from __future__ import annotations

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
    """The Peppol BIS rules (and the Dutch national rules for a Dutch seller) that ``xml`` breaks.

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
