"""A checker of UBL 2.1 invoices and credit notes against a subset of the EN 16931 business rules.

``ubl_check`` reads any UBL Invoice or CreditNote (ours or a supplier's) and returns one
``RuleViolation`` per broken rule, named by the rule's id as CEN and OpenPEPPOL publish it, so
an importer can show the supplier exactly what is wrong. The XML is parsed without resolving
entities, loading a DTD or touching the network.

Checked: the mandatory header fields and parties (BR-01 to BR-16), line contents (BR-21 to
BR-27, BR-CO-04), the arithmetic of the totals (BR-CO-10 to BR-CO-17), the VAT breakdown per
category and rate (BR-CO-18, BR-47, BR-48, BR-x-01, BR-x-08, BR-x-09 for zero-rated categories,
BR-x-10 exemption reasons), due date or terms for an amount due (BR-CO-25), at most two
decimals on amounts (BR-DEC-*), currency codes (BR-CL-03, PEPPOL-EN16931-R051), a buyer or order
reference (PEPPOL-EN16931-R003) and each line's net = quantity × price ± its allowances and
charges (PEPPOL-EN16931-R120). BR-CO-17 allows the published tolerance of one unit.

Not checked: the XML schema itself (element order, cardinalities beyond the rules above), code
lists other than currencies (UNCL1001 type codes, UNCL5305 categories, EAS, ISO 3166, VATEX),
identifier formats (BR-CO-09 VAT prefixes), the conditional party rules of each VAT category
(BR-AE-02 and the like: which VAT ids and delivery countries must be present), dates, line
periods and the Peppol rules beyond the three named.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from invoice_portal.core.money import known_currencies

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
CREDIT_NOTE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
NS = {"cac": CAC, "cbc": CBC}

# The rule-id infix of each VAT category (K is "IC", L "AF", M "AG" in EN 16931's rule names).
CATEGORY_RULE = {"S": "S", "Z": "Z", "E": "E", "AE": "AE", "K": "IC", "G": "G", "O": "O", "L": "AF", "M": "AG"}
ZERO_TAX = {"Z", "E", "AE", "K", "G", "O"}
NEEDS_EXEMPTION_REASON = {"E", "AE", "K", "G", "O"}
NO_EXEMPTION_REASON = {"S", "Z", "L", "M"}
CENT = Decimal("0.01")
TOTALS_DECIMALS = {
    "LineExtensionAmount": "BR-DEC-09", "AllowanceTotalAmount": "BR-DEC-10", "ChargeTotalAmount": "BR-DEC-11",
    "TaxExclusiveAmount": "BR-DEC-12", "TaxInclusiveAmount": "BR-DEC-14", "PrepaidAmount": "BR-DEC-16",
    "PayableRoundingAmount": "BR-DEC-17", "PayableAmount": "BR-DEC-18",
}  # fmt: skip

Key = tuple[str, Decimal]


@dataclass(frozen=True)
class RuleViolation:
    rule: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


def ubl_check(xml: bytes) -> list[RuleViolation]:
    """The EN 16931 rules (of the subset above) that the UBL document ``xml`` breaks; [] when none."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        return [RuleViolation("XML", f"The document is not well-formed XML: {exc}.")]
    if root.tag not in (INVOICE_ROOT, CREDIT_NOTE_ROOT):
        return [RuleViolation("UBL", f"The root element {root.tag} is neither a UBL 2.1 Invoice nor a CreditNote.")]
    return _Checker(root).run()


def _number(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _rate(category: etree._Element | None) -> Decimal:
    percent = _number(category.findtext("cbc:Percent", namespaces=NS)) if category is not None else None
    return (percent or Decimal(0)).normalize()


def _code(category: etree._Element | None) -> str:
    return (category.findtext("cbc:ID", namespaces=NS) or "").strip() if category is not None else ""


def _rule(category: str, number: str) -> str:
    return f"BR-{CATEGORY_RULE.get(category, category)}-{number}"


class _Checker:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.credit = root.tag == CREDIT_NOTE_ROOT
        self.found: list[RuleViolation] = []
        self.currency = (root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) or "").strip()

    def fail(self, rule: str, message: str) -> None:
        self.found.append(RuleViolation(rule, message))

    def text(self, path: str, element: etree._Element | None = None) -> str:
        return ((element if element is not None else self.root).findtext(path, namespaces=NS) or "").strip()

    def amount(self, path: str, element: etree._Element | None = None, *, required: str = "", label: str = "") -> Decimal | None:
        """The amount at ``path``; a missing one fails ``required`` (when given), a malformed one always fails."""
        found = (element if element is not None else self.root).find(path, namespaces=NS)
        if found is None or not (found.text or "").strip():
            if required:
                self.fail(required, f"{label or path} is missing.")
            return None
        value = _number(found.text)
        if value is None:
            self.fail("UBL", f"{label or path} is not a number: '{found.text}'.")
        return value

    def run(self) -> list[RuleViolation]:
        self.header()
        self.parties()
        self.currencies()
        lines = self.lines()
        allowances, charges = self.allowances_and_charges(self.root, line_level=False)
        self.totals(lines, allowances, charges)
        self.vat_breakdown(lines, allowances, charges)
        return self.found

    # --- Header, parties, currencies -------------------------------------------------------------

    def header(self) -> None:
        type_code = "cbc:CreditNoteTypeCode" if self.credit else "cbc:InvoiceTypeCode"
        for rule, path, what in (
            ("BR-01", "cbc:CustomizationID", "The specification identifier (BT-24, CustomizationID)"),
            ("BR-02", "cbc:ID", "The invoice number (BT-1, ID)"),
            ("BR-03", "cbc:IssueDate", "The issue date (BT-2, IssueDate)"),
            ("BR-04", type_code, f"The type code (BT-3, {type_code[4:]})"),
            ("BR-05", "cbc:DocumentCurrencyCode", "The currency code (BT-5, DocumentCurrencyCode)"),
        ):
            if not self.text(path):
                self.fail(rule, f"{what} is missing.")
        if not self.text("cbc:BuyerReference") and not self.text("cac:OrderReference/cbc:ID"):
            self.fail("PEPPOL-EN16931-R003", "A buyer reference (BT-10) or a purchase order reference (BT-13) must be provided.")

    def parties(self) -> None:
        for side, name_rule, address_rule, country_rule in (
            ("AccountingSupplierParty", "BR-06", "BR-08", "BR-09"),
            ("AccountingCustomerParty", "BR-07", "BR-10", "BR-11"),
        ):
            who = "seller" if side == "AccountingSupplierParty" else "buyer"
            party = self.root.find(f"cac:{side}/cac:Party", namespaces=NS)
            if party is None or not self.text("cac:PartyLegalEntity/cbc:RegistrationName", party):
                self.fail(name_rule, f"The {who}'s name (PartyLegalEntity/RegistrationName) is missing.")
            address = party.find("cac:PostalAddress", namespaces=NS) if party is not None else None
            if address is None:
                self.fail(address_rule, f"The {who}'s postal address (PostalAddress) is missing.")
            if address is None or not self.text("cac:Country/cbc:IdentificationCode", address):
                self.fail(country_rule, f"The {who}'s country code (PostalAddress/Country/IdentificationCode) is missing.")

    def currencies(self) -> None:
        tax_currency = self.text("cbc:TaxCurrencyCode")
        known = known_currencies()
        for element in self.root.iter(f"{{{CBC}}}*"):
            name = etree.QName(element).localname
            if not name.endswith("Amount"):
                continue
            currency = element.get("currencyID")
            if currency is None:
                self.fail("BR-CL-03", f"{name} {element.text} has no currencyID.")
            elif currency not in known:
                self.fail("BR-CL-03", f"{name} has currencyID '{currency}', not an ISO 4217 code.")
            elif currency != self.currency:
                in_tax_currency = name == "TaxAmount" and currency == tax_currency and element.getparent().tag == f"{{{CAC}}}TaxTotal"
                if not in_tax_currency:
                    self.fail(
                        "PEPPOL-EN16931-R051", f"{name} is in {currency}; every amount must be in the invoice currency {self.currency}."
                    )

    def decimals(self, rule: str, element: etree._Element | None, path: str, label: str) -> None:
        text = self.text(path, element)
        if "." in text and len(text.split(".", 1)[1]) > 2:
            self.fail(rule, f"{label} {text} has more than two decimals.")

    # --- Lines -----------------------------------------------------------------------------------

    def lines(self) -> list[tuple[Key, Decimal]]:
        line_tag, quantity_tag = (
            ("cac:CreditNoteLine", "cbc:CreditedQuantity") if self.credit else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
        )
        elements = self.root.findall(line_tag, namespaces=NS)
        if not elements:
            self.fail("BR-16", "The document has no line: at least one is required.")
        found: list[tuple[Key, Decimal]] = []
        for index, line in enumerate(elements, start=1):
            label = f"Line {self.text('cbc:ID', line) or f'#{index}'}"
            if not self.text("cbc:ID", line):
                self.fail("BR-21", f"{label} has no line identifier (ID).")
            quantity = self.amount(quantity_tag, line, required="BR-22", label=f"{label}: the quantity")
            quantity_element = line.find(quantity_tag, namespaces=NS)
            if quantity_element is not None and not quantity_element.get("unitCode"):
                self.fail("BR-23", f"{label}: the quantity has no unit of measure (unitCode).")
            net = self.amount("cbc:LineExtensionAmount", line, required="BR-24", label=f"{label}: the net amount")
            self.decimals("BR-DEC-23", line, "cbc:LineExtensionAmount", f"{label}: the net amount")
            if not self.text("cac:Item/cbc:Name", line):
                self.fail("BR-25", f"{label} has no item name.")
            price = self.amount("cac:Price/cbc:PriceAmount", line, required="BR-26", label=f"{label}: the net price")
            if price is not None and price < 0:
                self.fail("BR-27", f"{label}: the net price {price} is negative.")
            category = line.find("cac:Item/cac:ClassifiedTaxCategory", namespaces=NS)
            if not _code(category):
                self.fail("BR-CO-04", f"{label} has no VAT category code (Item/ClassifiedTaxCategory/ID).")
            allowances, charges = self.allowances_and_charges(line, line_level=True)
            if quantity is not None and net is not None and price is not None:
                base_quantity = self.amount("cac:Price/cbc:BaseQuantity", line) or Decimal(1)
                expected = quantity * price / base_quantity + sum(a for _, a in charges) - sum(a for _, a in allowances)
                if abs(net - expected) > Decimal("0.02"):
                    self.fail(
                        "PEPPOL-EN16931-R120",
                        f"{label}: the net amount {net} is not quantity {quantity} × price {price} / base quantity {base_quantity} "
                        f"plus charges minus allowances ({expected.quantize(CENT, ROUND_HALF_UP)}).",
                    )
            if net is not None:
                found.append(((_code(category), _rate(category)), net))
        return found

    def allowances_and_charges(
        self, parent: etree._Element, *, line_level: bool
    ) -> tuple[list[tuple[Key, Decimal]], list[tuple[Key, Decimal]]]:
        allowances: list[tuple[Key, Decimal]] = []
        charges: list[tuple[Key, Decimal]] = []
        for element in parent.findall("cac:AllowanceCharge", namespaces=NS):
            is_charge = self.text("cbc:ChargeIndicator", element).lower() == "true"
            what = ("line " if line_level else "document level ") + ("charge" if is_charge else "allowance")
            amount = self.amount("cbc:Amount", element, label=f"A {what} amount")
            if line_level:
                self.decimals("BR-DEC-27" if is_charge else "BR-DEC-24", element, "cbc:Amount", f"A {what} amount")
            else:
                self.decimals("BR-DEC-05" if is_charge else "BR-DEC-01", element, "cbc:Amount", f"A {what} amount")
            if amount is None:
                continue
            category = element.find("cac:TaxCategory", namespaces=NS)
            (charges if is_charge else allowances).append(((_code(category), _rate(category)), amount))
        return allowances, charges

    # --- Totals ----------------------------------------------------------------------------------

    def totals(self, lines: list[tuple[Key, Decimal]], allowances: list[tuple[Key, Decimal]], charges: list[tuple[Key, Decimal]]) -> None:
        total = self.root.find("cac:LegalMonetaryTotal", namespaces=NS)
        if total is None:
            for rule, what in (
                ("BR-12", "line net amounts"),
                ("BR-13", "amount without VAT"),
                ("BR-14", "amount with VAT"),
                ("BR-15", "amount due"),
            ):
                self.fail(rule, f"The invoice total {what} is missing (no LegalMonetaryTotal).")
            return
        for name, rule in TOTALS_DECIMALS.items():
            self.decimals(rule, total, f"cbc:{name}", name)
        line_total = self.amount(
            "cbc:LineExtensionAmount", total, required="BR-12", label="The sum of line net amounts (LineExtensionAmount)"
        )
        exclusive = self.amount("cbc:TaxExclusiveAmount", total, required="BR-13", label="The total without VAT (TaxExclusiveAmount)")
        inclusive = self.amount("cbc:TaxInclusiveAmount", total, required="BR-14", label="The total with VAT (TaxInclusiveAmount)")
        payable = self.amount("cbc:PayableAmount", total, required="BR-15", label="The amount due (PayableAmount)")
        allowance_total = self.amount("cbc:AllowanceTotalAmount", total)
        charge_total = self.amount("cbc:ChargeTotalAmount", total)
        prepaid = self.amount("cbc:PrepaidAmount", total) or Decimal(0)
        rounding = self.amount("cbc:PayableRoundingAmount", total) or Decimal(0)

        lines_sum = sum((net for _, net in lines), Decimal(0))
        if line_total is not None and lines_sum != line_total:
            self.fail("BR-CO-10", f"LineExtensionAmount {line_total} is not the sum of the line net amounts, {lines_sum}.")
        for rule, declared, parts, what in (
            ("BR-CO-11", allowance_total, allowances, "AllowanceTotalAmount"),
            ("BR-CO-12", charge_total, charges, "ChargeTotalAmount"),
        ):
            parts_sum = sum((a for _, a in parts), Decimal(0))
            if (declared if declared is not None else Decimal(0)) != parts_sum or (declared is None and parts):
                self.fail(rule, f"{what} {declared} is not the sum of the document level amounts, {parts_sum}.")
        if line_total is not None and exclusive is not None:
            expected = line_total - (allowance_total or 0) + (charge_total or 0)
            if exclusive != expected:
                self.fail("BR-CO-13", f"TaxExclusiveAmount {exclusive} is not LineExtensionAmount − allowances + charges, {expected}.")
        tax_amount = self.tax_totals()
        if exclusive is not None and inclusive is not None and inclusive != exclusive + tax_amount:
            self.fail("BR-CO-15", f"TaxInclusiveAmount {inclusive} is not TaxExclusiveAmount + VAT, {exclusive + tax_amount}.")
        if inclusive is not None and payable is not None and payable != inclusive - prepaid + rounding:
            self.fail(
                "BR-CO-16",
                f"PayableAmount {payable} is not TaxInclusiveAmount − PrepaidAmount + rounding, {inclusive - prepaid + rounding}.",
            )
        due_date = self.text("cac:PaymentMeans/cbc:PaymentDueDate" if self.credit else "cbc:DueDate")
        if payable is not None and payable > 0 and not due_date and not self.text("cac:PaymentTerms/cbc:Note"):
            self.fail("BR-CO-25", f"An amount of {payable} is due, but there is neither a due date nor payment terms.")

    def tax_totals(self) -> Decimal:
        """Check BR-CO-14 on each TaxTotal with a breakdown; the VAT total in the document's currency."""
        in_currency = Decimal(0)
        for tax_total in self.root.findall("cac:TaxTotal", namespaces=NS):
            amount = self.amount("cbc:TaxAmount", tax_total, label="The VAT total (TaxTotal/TaxAmount)")
            element = tax_total.find("cbc:TaxAmount", namespaces=NS)
            if amount is None or element is None:
                continue
            if element.get("currencyID") == self.currency:
                in_currency = amount
                self.decimals("BR-DEC-13", tax_total, "cbc:TaxAmount", "The VAT total")
            subtotals = tax_total.findall("cac:TaxSubtotal", namespaces=NS)
            if subtotals:
                parts = sum((self.amount("cbc:TaxAmount", s) or Decimal(0) for s in subtotals), Decimal(0))
                if parts != amount:
                    self.fail("BR-CO-14", f"The VAT total {amount} is not the sum of the VAT breakdown's amounts, {parts}.")
        return in_currency

    # --- VAT breakdown ---------------------------------------------------------------------------

    def vat_breakdown(
        self, lines: list[tuple[Key, Decimal]], allowances: list[tuple[Key, Decimal]], charges: list[tuple[Key, Decimal]]
    ) -> None:
        subtotals = self.root.findall("cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)
        if not subtotals:
            self.fail("BR-CO-18", "The document has no VAT breakdown (TaxTotal/TaxSubtotal): at least one is required.")
        bases: dict[Key, Decimal] = defaultdict(Decimal)
        for key, net in lines + charges:
            bases[key] += net
        for key, amount in allowances:
            bases[key] -= amount
        broken_down: set[str] = set()
        for subtotal in subtotals:
            category_element = subtotal.find("cac:TaxCategory", namespaces=NS)
            category = _code(category_element)
            if not category:
                self.fail("BR-47", "A VAT breakdown has no VAT category code (TaxCategory/ID).")
                continue
            broken_down.add(category)
            rate = _rate(category_element)
            label = f"The VAT breakdown {category} {rate:f} %"
            has_rate = category_element is not None and category_element.find("cbc:Percent", namespaces=NS) is not None
            if not has_rate and category != "O":
                self.fail("BR-48", f"{label} has no VAT rate (Percent).")
            taxable = self.amount("cbc:TaxableAmount", subtotal, required="BR-45", label=f"{label}: the taxable amount")
            tax = self.amount("cbc:TaxAmount", subtotal, required="BR-46", label=f"{label}: the VAT amount")
            self.decimals("BR-DEC-19", subtotal, "cbc:TaxableAmount", f"{label}: the taxable amount")
            self.decimals("BR-DEC-20", subtotal, "cbc:TaxAmount", f"{label}: the VAT amount")
            if taxable is not None and taxable != bases.get((category, rate), Decimal(0)):
                self.fail(
                    _rule(category, "08"),
                    f"{label}: the taxable amount {taxable} is not the lines minus allowances plus charges at that "
                    f"category and rate, {bases.get((category, rate), Decimal(0))}.",
                )
            if taxable is not None and tax is not None:
                if category in ZERO_TAX and tax != 0:
                    self.fail(_rule(category, "09"), f"{label}: the VAT amount must be 0 (got {tax}).")
                expected = (taxable * rate / 100).quantize(CENT, ROUND_HALF_UP)
                if rate and abs(tax - expected) >= 1:
                    self.fail("BR-CO-17", f"{label}: the VAT amount {tax} is not the taxable amount × rate, {expected}.")
            has_reason = bool(
                self.text("cbc:TaxExemptionReasonCode", category_element) or self.text("cbc:TaxExemptionReason", category_element)
            )
            if category in NEEDS_EXEMPTION_REASON and not has_reason:
                self.fail(_rule(category, "10"), f"{label} needs an exemption reason (TaxExemptionReasonCode or TaxExemptionReason).")
            if category in NO_EXEMPTION_REASON and has_reason:
                self.fail(_rule(category, "10"), f"{label} must not carry an exemption reason.")
        used = {key[0] for key, _ in lines + allowances + charges}
        for category in sorted(used - broken_down):
            if category:
                self.fail(
                    _rule(category, "01"), f"Lines, allowances or charges use VAT category {category}, but the VAT breakdown has none."
                )
