"""Factur-X / ZUGFeRD: the invoice's PDF as PDF/A-3 with its CII (EN 16931 profile) embedded.

The PDF is WeasyPrint's rendering of the document (``documents.pdf``) as PDF/A-3b; the ``factur-x``
library embeds the CII of ``cii.invoice_cii`` as ``factur-x.xml`` (relationship "Data"), checks it
against the Factur-X EN 16931 schema and writes the XMP metadata Factur-X readers look for. A document
without a valid CII (``EInvoiceNotPossible``) has no Factur-X either.
"""

from __future__ import annotations

import facturx

from invoice_portal.core.models import PortalSettings
from invoice_portal.documents.einvoice.cii import invoice_cii
from invoice_portal.invoices.models import Invoice

LEVEL = "en16931"


def invoice_facturx(invoice: Invoice, *, seller: PortalSettings | None = None) -> bytes:
    from invoice_portal.documents.pdf import invoice_pdf_a3

    xml = invoice_cii(invoice, seller=seller)
    pdf = invoice_pdf_a3(invoice)
    return bytes(facturx.generate_from_binary(pdf, xml, flavor="factur-x", level=LEVEL, check_xsd=True, lang="en-GB"))


def facturx_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.facturx.pdf"
