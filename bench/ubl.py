"""UBL export: e-invoices (Peppol BIS Billing 3.0) per second for issued invoices of the bench database.

Two figures over the same documents: ``ubl.export_docs_per_s`` counts the whole export, the three
queries that load the documents with their company, order and lines included; ``ubl.build_docs_per_s``
only building and serializing the XML of documents already in memory.
"""

from __future__ import annotations

import time

from bench.harness import emit, log
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice.rules import ubl_check
from invoice_portal.documents.einvoice.selectors import for_ubl
from invoice_portal.documents.einvoice.ubl import invoice_ubl
from invoice_portal.invoices.models import Direction, Invoice, Status


def _issued(offset: int, count: int) -> list[Invoice]:
    documents = Invoice.objects.filter(direction=Direction.ISSUED).exclude(status=Status.DRAFT).order_by("pk")
    return list(for_ubl(documents)[offset : offset + count])


def run(count: int = 5000) -> None:
    seller = portal_settings()
    warmup = _issued(0, 200)
    rules = {v.rule for invoice in warmup for v in ubl_check(invoice_ubl(invoice, seller=seller))}
    log(f"ubl: rules the bench documents break (the bench seller has no address): {sorted(rules) or 'none'}")

    started = time.perf_counter()
    invoices = _issued(len(warmup), count)
    loaded = time.perf_counter()
    size = sum(len(invoice_ubl(invoice, seller=seller)) for invoice in invoices)
    done = time.perf_counter()

    n = len(invoices)
    emit("ubl.export_docs_per_s", n / (done - started), "docs/s", n, load_s=round(loaded - started, 3), avg_bytes=size // max(n, 1))
    emit("ubl.build_docs_per_s", n / (done - loaded), "docs/s", n)
