"""E-invoice export: UBL (Peppol BIS Billing 3.0) and CII (EN 16931) documents per second for issued invoices of
the bench database, and the official EN 16931 validation's time per document.

Figures over the same documents: ``ubl.export_docs_per_s`` / ``cii.export_docs_per_s`` count the whole export,
the three queries that load the documents with their company, order and lines included; ``*.build_docs_per_s``
only building and serializing the XML of documents already in memory. ``einvoice.validate_ms_per_doc`` is
the XSD + CEN schematron (Saxon) run of ``documents.einvoice.validation`` on UBL and on CII documents.

The bench companies and seller get what an e-invoice needs first (a Peppol participant id, a tax id, a
country); the documents carry no seller snapshot (they are copied in), so they use these settings.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from bench.harness import emit, log
from invoice_portal.companies.models import Company
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice.cii import invoice_cii
from invoice_portal.documents.einvoice.selectors import for_ubl
from invoice_portal.documents.einvoice.ubl import invoice_ubl
from invoice_portal.documents.einvoice.validation import fatal, validate_cii, validate_ubl
from invoice_portal.invoices.models import Direction, Invoice, Status

SELLER = {"seller_country": "US", "seller_tax_id": "US 94-3127765", "seller_peppol_scheme": "0088", "seller_peppol_id": "0614141000012"}


def _issued(offset: int, count: int) -> list[Invoice]:
    documents = Invoice.objects.filter(direction=Direction.ISSUED).exclude(status=Status.DRAFT).order_by("pk")
    return list(for_ubl(documents)[offset : offset + count])


def _identities() -> None:
    from django.db.models import F, Value
    from django.db.models.functions import Cast, LPad

    from invoice_portal.seller.services import portal_settings_update

    portal_settings_update(actor=None, **SELLER)
    # DUNS numbers (EAS 0060, nine digits) from the company ids.
    Company.objects.filter(peppol_id="").update(
        peppol_scheme="0060", peppol_id=LPad(Cast(F("id"), output_field=Company._meta.get_field("peppol_id")), 9, Value("0"))
    )


def _measure(name: str, export: Callable[..., bytes], count: int, seller: PortalSettings) -> None:
    started = time.perf_counter()
    invoices = _issued(200, count)
    loaded = time.perf_counter()
    size = sum(len(export(invoice, seller=seller)) for invoice in invoices)
    done = time.perf_counter()
    n = len(invoices)
    emit(f"{name}.export_docs_per_s", n / (done - started), "docs/s", n, load_s=round(loaded - started, 3), avg_bytes=size // max(n, 1))
    emit(f"{name}.build_docs_per_s", n / (done - loaded), "docs/s", n)


def run(count: int = 5000) -> None:
    _identities()
    seller = portal_settings()
    warmup = _issued(0, 200)
    for name, export, validate in (("ubl", invoice_ubl, validate_ubl), ("cii", invoice_cii, validate_cii)):
        documents = [export(invoice, seller=seller) for invoice in warmup]
        validate(documents[0])  # compiles the stylesheet (once per thread): not part of the per-document time
        started = time.perf_counter()
        rules = Counter(v.rule for document in documents for v in fatal(validate(document)))
        elapsed = time.perf_counter() - started
        log(f"{name}: fatal EN 16931 rules the {len(documents)} bench documents break: {dict(rules) or 'none'}")
        emit(f"einvoice.{name}_validate_ms_per_doc", 1000 * elapsed / len(documents), "ms/doc", len(documents))
    _measure("ubl", invoice_ubl, count, seller)
    _measure("cii", invoice_cii, count, seller)
