"""The demo's e-invoicing identities: the seller's Peppol participant id, contact and account, and each
demo customer's participant id, so every issued demo document has a valid Peppol BIS e-invoice."""

from __future__ import annotations

from invoice_portal.companies.models import Company
from invoice_portal.companies.services import company_update
from invoice_portal.seller.services import portal_settings_update

SELLER = {
    "seller_peppol_scheme": "0088", "seller_peppol_id": "0614141000012", "seller_contact_name": "Accounts receivable",
    "seller_phone": "+1 415 555 0100", "seller_iban": "4000123456789",
}  # fmt: skip
# external id → (EAS scheme, participant id): GLNs for the US customers, VAT-number schemes in the EU and the
# UK, the qualified invoice issuer number in Japan.
CUSTOMERS = {
    "C-10001": ("0088", "0614141000029"), "C-10002": ("0088", "0614141000036"), "C-10003": ("0088", "0614141000043"),
    "C-10004": ("0088", "0614141000050"), "C-20001": ("9930", "DE811907634"), "C-30001": ("9932", "GB293847561"),
    "C-40001": ("0221", "T1234567890123"),
}  # fmt: skip
# Customers that want more than the PDF: Globex takes Peppol UBL beside it, Umbrella a Factur-X PDF.
FORMATS = {"C-20001": "peppol_ubl", "C-30001": "facturx"}


def einvoice_demo_identities() -> None:
    """Give the demo seller and customers their e-invoicing identities (before any document is issued)."""
    portal_settings_update(actor=None, **SELLER)
    for company in Company.objects.filter(external_id__in=CUSTOMERS):
        scheme, identifier = CUSTOMERS[company.external_id or ""]
        fmt = FORMATS.get(company.external_id or "", "pdf")
        company_update(actor=None, company=company, peppol_scheme=scheme, peppol_id=identifier, einvoice_format=fmt)
