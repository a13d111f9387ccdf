"""The national rules of Peppol BIS Billing 3.0 (the country sections of OpenPEPPOL's PEPPOL-EN16931-UBL.sch,
release 3.0.17) for an issued document's Peppol UBL: what the export writes for them, and what it refuses up
front with ``EInvoiceNotPossible`` naming the rule rather than send a document an access point rejects.

Which country a rule is for is the rule's own: the seller's address country for the Dutch, Danish, Icelandic
and Swedish rules (the Swedish VAT rules also want a VAT id starting "SE"); for the Norwegian, Italian and
Greek ones the prefix of the VAT id the document states, else the seller's address country.

- NL: the address, credit-note and payment rules (NL-R-001, 002, 004, 008) are ``checks``' (every issued
  e-invoice); here NL-R-003 and NL-R-005: a Dutch seller's legal id, and a Dutch customer's of a Dutch seller,
  is a KvK or OIN number, written under scheme 0106 / 0190 (``parties.registry_number``);
- DK: a Danish seller's legal id is its CVR number under 0184 (DK-R-002, DK-R-014); between Danish parties a
  party identifier carries a scheme (DK-R-013: the customer's id in our ERP has none and is left out, the buyer
  reference still names it) and an invoice's payment means is on Denmark's list (DK-R-005, DK-R-006): a credit
  transfer outside SEPA (code 30) becomes a payment to a Danish bank account (42) to the registration and
  account number of the Danish IBAN in the settings; any other account is refused;
- IS: an Icelandic seller's legal id is its kennitala under 0196 (IS-R-002) and its address has street and
  postal code (IS-R-003); an Icelandic customer's of an Icelandic seller too (IS-R-004, IS-R-005);
- SE: a Swedish seller's VAT number is "SE" and 12 digits (SE-R-001, SE-R-002) and its standard rate 25, 12 or
  6 % (SE-R-006); its tax registration (BT-32) may say only "Godkänd för F-skatt" (SE-R-005), which the portal
  does not know, so a Swedish seller's non-VAT tax id is its legal id alone, and its taxed lines need a VAT id;
- NO: a Norwegian VAT number is "NO", an organisation number with a valid mod-11 digit, and "MVA" (NO-R-001);
- IT: an Italian seller's tax number (BT-32) is 11 to 16 letters and digits (IT-R-001) and its address has
  street, city and postal code (IT-R-002 to IT-R-004);
- GR: a Greek seller's invoice carries the MARK the Greek tax authority's myDATA gives it (GR-R-004-1) and a
  number of six segments, the seller's TIN and the issue date first (GR-R-001): the portal has neither, so a
  Greek seller's documents have no Peppol UBL (docs/einvoicing.md, "Decisions").

The rules on payment means the portal never writes (giro, FIK, direct debit, Icelandic EINDAGI) and on parties
it never states (a tax representative) have nothing to check.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from decimal import Decimal

from invoice_portal.companies.peppol import scheme_check_ok
from invoice_portal.core.errors import EInvoiceNotPossible
from invoice_portal.documents.einvoice.checks import SELLER_VAT_OR_TAX_ID, categories_of
from invoice_portal.documents.einvoice.parties import Party
from invoice_portal.invoices.models import Invoice, InvoiceLine, Kind

DUTCH_REGISTRIES = {"0106", "0190"}  # KvK, OIN
SWEDISH_STANDARD_RATES = {Decimal(25), Decimal(12), Decimal(6)}
PAYMENT_MEANS_CREDIT_TRANSFER = "30"
PAYMENT_MEANS_BANK_ACCOUNT = "42"  # UNCL4461: payment to bank account
_DANISH_IBAN = re.compile(r"^DK\d{2}(?P<registration>\d{4})(?P<account>\d{10})$")


def danish_bank_account(account: str) -> tuple[str, str] | None:
    """(registration number, account number) of a Danish IBAN ("DK50 0040 0440116243" → ("0040", "0440116243"))."""
    match = _DANISH_IBAN.match(re.sub(r"\s", "", account).upper())
    return (match["registration"], match["account"]) if match else None


def danish_domestic(seller: Party, buyer: Party, invoice: Invoice) -> bool:
    """An invoice (not a credit note) between Danish parties: DK-R-005 and DK-R-006 choose its payment means."""
    return seller.address.country == "DK" and buyer.address.country == "DK" and invoice.kind != Kind.CREDIT_NOTE


def payment_to_account(code: str, account: str, *, danish: bool) -> tuple[str, str, str]:
    """(payment means code, account id, branch id) of a credit transfer: a Danish domestic transfer outside SEPA
    is a payment to a Danish bank account, its registration number as the branch (DK-R-005, DK-R-006)."""
    if danish and code == PAYMENT_MEANS_CREDIT_TRANSFER:
        split = danish_bank_account(account)
        if split is not None:
            return PAYMENT_MEANS_BANK_ACCOUNT, split[1], split[0]
    return code, account, ""


def peppol_parties(seller: Party, buyer: Party) -> tuple[Party, Party]:
    """(seller, buyer) as a Peppol BIS document states them under the national rules (SE-R-005, DK-R-013)."""
    if seller.address.country == "SE":
        seller = dataclasses.replace(seller, tax_registration_id="")
    if seller.address.country == "DK" and buyer.address.country == "DK":
        buyer = dataclasses.replace(buyer, identifier="")
    return seller, buyer


def _address_has(party: Party, *parts: str) -> bool:
    return all(getattr(party.address, part).strip() for part in parts)


def _rates(invoice: Invoice, lines: Iterable[InvoiceLine], category: str) -> list[tuple[str, Decimal]]:
    """(where, rate) of every line (and the document discount) taxed ``category``."""
    found = [(f"line {ln.line_no}", ln.tax_rate) for ln in lines if ln.tax_category == category]
    if invoice.discount and (invoice.discount_tax_category or "S") == category:
        found.append(("the discount", invoice.discount_tax_rate or Decimal(0)))
    return found


def check_national(invoice: Invoice, lines: list[InvoiceLine], *, seller: Party, buyer: Party, payment_code: str) -> None:
    """``EInvoiceNotPossible`` with the first national rule of Peppol BIS the document would break; ``seller`` and
    ``buyer`` as ``peppol_parties`` gives them, ``payment_code`` what ``ubl.payment_means_code`` chose."""
    label = f"{invoice} has no Peppol e-invoice"
    categories = categories_of(invoice, lines)
    stated_vat = seller.vat_id if categories != {"O"} else ""  # BR-O-02: a document not subject to VAT states none
    rule_country = stated_vat[:2] or seller.address.country
    here, there = seller.address.country, buyer.address.country
    if rule_country in ("GR", "EL"):
        raise EInvoiceNotPossible(
            f"{label}: a Greek seller's Peppol invoice carries the MARK the tax authority's myDATA gives it (GR-R-004-1) and "
            "a number of six segments, the seller's TIN and the issue date first (GR-R-001); the portal has neither. "
            "Send the PDF or another format."
        )
    if here == "NL" and seller.legal_id and seller.legal_scheme not in DUTCH_REGISTRIES:
        raise EInvoiceNotPossible(
            f"{label}: a Dutch seller's legal id is its KvK number (8 digits) or OIN (20 digits), and the tax id "
            f"'{seller.legal_id}' in the settings is neither (NL-R-003); set the VAT number or the KvK number there."
        )
    if here == "NL" and there == "NL" and buyer.legal_id and buyer.legal_scheme not in DUTCH_REGISTRIES:
        raise EInvoiceNotPossible(
            f"{label}: a Dutch seller states a Dutch customer's legal id as a KvK number (8 digits) or OIN (20 digits), and "
            f"{buyer.name}'s tax id '{buyer.legal_id}' is neither (NL-R-005); set its VAT number or KvK number on the customer."
        )
    if here == "DK":
        _check_danish(invoice, label, seller=seller, buyer=buyer, payment_code=payment_code)
    if here == "IS":
        _check_icelandic(label, seller=seller, buyer=buyer)
    if here == "SE":
        _check_swedish(invoice, lines, label, seller=seller, stated_vat=stated_vat, categories=categories)
    if stated_vat.startswith("NO") and not (re.fullmatch(r"NO\d{9}MVA", stated_vat) and scheme_check_ok("0192", stated_vat[2:11])):
        raise EInvoiceNotPossible(
            f"{label}: a Norwegian VAT number is NO, the 9-digit organisation number (its last digit a mod-11 check) and MVA; "
            f"'{stated_vat}' in the settings is not one (NO-R-001)."
        )
    if rule_country == "IT":
        if seller.tax_registration_id and not re.fullmatch(r"[A-Z0-9]{11,16}", seller.tax_registration_id):
            raise EInvoiceNotPossible(
                f"{label}: an Italian seller's tax number is 11 to 16 capital letters and digits (a codice fiscale); "
                f"'{seller.tax_registration_id}' in the settings is not (IT-R-001)."
            )
        if not _address_has(seller, "street", "city", "postal_zone"):
            raise EInvoiceNotPossible(f"{label}: an Italian seller's address needs street, postal code and city (IT-R-002 to IT-R-004).")


def _check_danish(invoice: Invoice, label: str, *, seller: Party, buyer: Party, payment_code: str) -> None:
    if seller.legal_scheme != "0184":
        raise EInvoiceNotPossible(
            f"{label}: a Danish seller states its CVR number as legal id (DK-R-002, DK-R-014), and the settings give none; "
            "set the tax id to the Danish VAT number (DK and 8 digits) or the CVR number."
        )
    domestic_transfer = danish_domestic(seller, buyer, invoice) and payment_code == PAYMENT_MEANS_CREDIT_TRANSFER
    if domestic_transfer and danish_bank_account(seller.account) is None:
        raise EInvoiceNotPossible(
            f"{label}: between Danish parties a bank transfer outside SEPA goes to a Danish account named by registration "
            f"and account number (DK-R-005, DK-R-006), and the account '{seller.account}' in the settings is no Danish IBAN; "
            "set one, or invoice in EUR (a SEPA transfer)."
        )


def _check_icelandic(label: str, *, seller: Party, buyer: Party) -> None:
    if seller.legal_scheme != "0196":
        raise EInvoiceNotPossible(
            f"{label}: an Icelandic seller states its kennitala as legal id (IS-R-002); set it (10 digits) as the tax id in "
            "the settings, or the Peppol id under scheme 0196."
        )
    if not _address_has(seller, "street", "postal_zone"):
        raise EInvoiceNotPossible(f"{label}: an Icelandic seller's address needs street and postal code (IS-R-003).")
    if buyer.address.country != "IS":
        return
    if buyer.legal_scheme != "0196":
        raise EInvoiceNotPossible(
            f"{label}: an Icelandic seller states an Icelandic customer's kennitala (IS-R-004), and {buyer.name} has none; "
            "set it (10 digits) as the customer's tax id, or its Peppol id under scheme 0196."
        )
    if not _address_has(buyer, "street", "postal_zone"):
        raise EInvoiceNotPossible(f"{label}: the customer {buyer.name}'s address needs street and postal code (IS-R-005).")


def _check_swedish(invoice: Invoice, lines: list[InvoiceLine], label: str, *, seller: Party, stated_vat: str, categories: set[str]) -> None:
    if stated_vat.startswith("SE"):
        if not re.fullmatch(r"SE\d{12}", stated_vat):
            raise EInvoiceNotPossible(
                f"{label}: a Swedish VAT number is SE and 12 digits; '{stated_vat}' in the settings is not one (SE-R-001, SE-R-002)."
            )
        wrong = [(where, rate) for where, rate in _rates(invoice, lines, "S") if rate not in SWEDISH_STANDARD_RATES]
        if wrong:
            where, rate = wrong[0]
            raise EInvoiceNotPossible(
                f"{label}: a Swedish seller's standard-rated (S) supplies are taxed at 25, 12 or 6 %, and {where} is at "
                f"{rate.normalize():f} % (SE-R-006); correct the rate, or issue the document under another seller's VAT id."
            )
    elif categories & SELLER_VAT_OR_TAX_ID and not seller.vat_id:
        raise EInvoiceNotPossible(
            f"{label}: lines taxed {', '.join(sorted(categories & SELLER_VAT_OR_TAX_ID))} need a Swedish seller's VAT number "
            f'(SE and 12 digits) as the tax id in the settings: Peppol lets its tax registration say only "Godkänd för '
            f"F-skatt\" (SE-R-005), so '{seller.legal_id}' can only be its legal id (BR-S-02, BR-Z-02, BR-E-02)."
        )
