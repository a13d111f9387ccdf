"""A document in the format its customer prefers (``Company.einvoice_format``): what the email that sends an
issued document attaches and what the portal's "Download" button gives.

- PDF only: the PDF;
- Peppol BIS UBL: the PDF and the UBL e-invoice;
- XRechnung: the PDF and the XRechnung UBL;
- Factur-X: the Factur-X PDF (PDF/A-3 with the CII inside) instead of the plain PDF.

An email is never held back for want of an e-invoice: when the document cannot have one
(``EInvoiceNotPossible``: a missing Peppol id, a three-decimal currency…), the email carries the PDF alone
and ``attachments`` says why in its ``note``. The portal's download answers the reason instead (422).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from invoice_portal.companies.models import EInvoiceFormat
from invoice_portal.core.errors import EInvoiceNotPossible
from invoice_portal.invoices.models import Invoice

PDF = "application/pdf"
XML = "application/xml"


@dataclass(frozen=True)
class File:
    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Attachments:
    files: list[File]
    note: str = ""  # why the preferred e-invoice is missing, when it is
    formats: list[str] = field(default_factory=list)


def einvoice_file(invoice: Invoice, fmt: str) -> File:
    """``invoice`` as one e-invoice file of ``fmt`` (ubl, xrechnung, cii, facturx); ``EInvoiceNotPossible`` when it has none."""
    from invoice_portal.documents.einvoice.cii import cii_filename, invoice_cii
    from invoice_portal.documents.einvoice.factur_x import facturx_filename, invoice_facturx
    from invoice_portal.documents.einvoice.ubl import invoice_ubl, ubl_filename

    if fmt == "ubl":
        return File(ubl_filename(invoice), invoice_ubl(invoice), XML)
    if fmt == "xrechnung":
        return File(f"{invoice.number}.xrechnung.xml", invoice_ubl(invoice, xrechnung=True), XML)
    if fmt == "cii":
        return File(cii_filename(invoice), invoice_cii(invoice), XML)
    if fmt == "facturx":
        return File(facturx_filename(invoice), invoice_facturx(invoice), PDF)
    raise ValueError(f"unknown e-invoice format {fmt!r}")


def _pdf(invoice: Invoice) -> File:
    from invoice_portal.documents.pdf import invoice_pdf

    pdf = invoice_pdf(invoice)
    return File(pdf.filename, pdf.content, PDF)


PREFERRED = {EInvoiceFormat.PEPPOL_UBL: "ubl", EInvoiceFormat.XRECHNUNG: "xrechnung", EInvoiceFormat.FACTURX: "facturx"}


def preferred_download(invoice: Invoice) -> File:
    """The one file the portal's download gives: the preferred e-invoice, or the PDF for "PDF only"."""
    fmt = PREFERRED.get(EInvoiceFormat(invoice.company.einvoice_format))
    return _pdf(invoice) if fmt is None else einvoice_file(invoice, fmt)


def attachments(invoice: Invoice) -> Attachments:
    """What the email sending ``invoice`` attaches, by its customer's preferred format."""
    fmt = PREFERRED.get(EInvoiceFormat(invoice.company.einvoice_format))
    if fmt is None:
        return Attachments([_pdf(invoice)], formats=["pdf"])
    try:
        file = einvoice_file(invoice, fmt)
    except EInvoiceNotPossible as exc:
        return Attachments([_pdf(invoice)], note=exc.message, formats=["pdf"])
    if fmt == "facturx":
        return Attachments([file], formats=[fmt])
    return Attachments([_pdf(invoice), file], formats=["pdf", fmt])
