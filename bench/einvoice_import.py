"""E-invoice import: documents/s through parse + map + store (without the XSLT), and the official validation's time.

The documents are UBL exports of the bench database's issued invoices, each renumbered as if the ERP
had issued it. ``einvoice.import_docs_per_s`` times the batch import as ``invoice-portal import`` runs it, less the
validation: ``BATCH`` documents a chunk parsed by the reading workers (``reading.einvoices_read``, one process per CPU)
while ``issued_einvoices_store`` stores the chunk before (the buyers looked up, the documents created and issued
with their own numbers through the bulk path of the CSV import, the original XML kept, audited). The workers'
start, paid once per command run, is timed apart (``einvoice.reading_workers_start_s``) and not in the rate;
``einvoice.import_validated_docs_per_s`` is the whole batch import, the official validation in the workers included;
``einvoice.import_one_by_one_docs_per_s``
the same through ``issued_einvoice_store`` one document at a time (the invoice services): what
``POST /api/v1/invoices`` does with an XML body once the official validation has passed. Every document
is written inside one transaction that is rolled back at the end, so the bench database stays as
generated (no commit per document is timed).
``einvoice.parse_map_docs_per_s`` is the part without the database (parsing and mapping only), and
``einvoice.validate_ms`` is the official EN 16931 validation (UBL XSD + CEN schematron on Saxon) per document.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench import ubl as ubl_bench
from bench.harness import emit, emit_latency, log, time_calls
from invoice_portal.audit.context import origin
from invoice_portal.core.settings_store import portal_settings, settings_read_once
from invoice_portal.documents.einvoice.intake import issued_einvoice_store, issued_einvoices_store
from invoice_portal.documents.einvoice.mapping import einvoice_map
from invoice_portal.documents.einvoice.parse import parse_einvoice
from invoice_portal.documents.einvoice.reading import einvoices_read, workers
from invoice_portal.documents.einvoice.selectors import for_ubl
from invoice_portal.documents.einvoice.ubl import invoice_ubl
from invoice_portal.documents.einvoice.validation import fatal, validate
from invoice_portal.invoices.models import Direction, Invoice, Kind, Status

BATCH = 500
WARMUP = 50


class _Rollback(Exception):
    pass


def _documents(count: int) -> list[bytes]:
    ubl_bench._identities()  # what an e-invoice needs of the bench seller and customers (idempotent)
    seller = portal_settings()
    # The generated documents (no seller snapshot: they use the settings just completed), not those another
    # suite issued before the seller had a Peppol id (their snapshot keeps the seller as it was then).
    invoices = (
        Invoice.objects.filter(direction=Direction.ISSUED, kind=Kind.INVOICE, seller_snapshot__isnull=True)
        .exclude(status=Status.DRAFT)
        .order_by("-pk")
    )
    stamp = int(time.time())
    documents = []
    for i, invoice in enumerate(for_ubl(invoices)[:count]):
        xml = invoice_ubl(invoice, seller=seller)
        documents.append(xml.replace(f">{invoice.number}<".encode(), f">BENCH-IMP-{stamp}-{i}<".encode()))
    return documents


def _import(documents: list[bytes], *, validated: bool) -> int:
    """Read ``documents`` as ``invoice-portal import`` reads its files (the reading workers) and store each chunk while
    the next is read; how many were created."""
    imported = first = 0
    for docs in einvoices_read(documents, validated=validated, chunk=BATCH):
        part = documents[first : first + len(docs)]
        first += len(docs)
        read = [(xml, doc) for xml, doc in zip(part, docs, strict=True) if doc is not None]
        if len(read) != len(part):
            raise RuntimeError("a bench document was refused")
        imported += sum(r.created for r in issued_einvoices_store(actor=None, documents=read))
    return imported


def run(count: int = 2000, validations: int = 40) -> None:
    documents = _documents(count)
    n = len(documents)
    started = time.perf_counter()
    for xml in documents:
        einvoice_map(parse_einvoice(xml))
    emit("einvoice.parse_map_docs_per_s", n / (time.perf_counter() - started), "docs/s", n)
    try:
        # As the API and the import command run it: an import channel, the settings read once per call.
        with origin("import", "bench"), settings_read_once(), transaction.atomic():
            # Warm-up, as the other suites have: the first batch of a process pays one-time costs (query compilation,
            # the bulk writers' per-model plans), not the rate of an import.
            workers_started = time.perf_counter()
            for _ in einvoices_read(documents[: 2 * WARMUP], validated=False, chunk=WARMUP):  # starts the reading workers
                pass
            workers_start = time.perf_counter() - workers_started
            issued_einvoices_store(
                actor=None,
                documents=[(x, parse_einvoice(x)) for x in (x.replace(b"BENCH-IMP-", b"BENCH-IMW-") for x in documents[:WARMUP])],
            )
            started = time.perf_counter()
            imported = _import(documents, validated=False)
            elapsed = time.perf_counter() - started
            with CaptureQueriesContext(connection) as queries:
                extra = [x.replace(b"BENCH-IMP-", b"BENCH-IMQ-") for x in documents[:BATCH]]
                issued_einvoices_store(actor=None, documents=[(x, parse_einvoice(x)) for x in extra])
            raise _Rollback
    except _Rollback:
        pass
    emit(
        "einvoice.import_docs_per_s", n / elapsed, "docs/s", n, created=imported, batch=BATCH, reading_workers=workers(),
        queries_per_batch=len(queries), avg_bytes=sum(map(len, documents)) // max(n, 1),
    )  # fmt: skip
    emit("einvoice.reading_workers_start_s", workers_start, "s", workers())
    validated = [x.replace(b"BENCH-IMP-", b"BENCH-IMV-") for x in documents[: min(n, 1000)]]
    try:
        with origin("import", "bench"), settings_read_once(), transaction.atomic():
            started = time.perf_counter()
            _import(validated, validated=True)
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    emit("einvoice.import_validated_docs_per_s", len(validated) / elapsed, "docs/s", len(validated), reading_workers=workers())
    single = documents[: min(n, 200)]
    try:
        with origin("import", "bench"), settings_read_once(), transaction.atomic():
            started = time.perf_counter()
            for xml in single:
                issued_einvoice_store(actor=None, xml=xml, doc=parse_einvoice(xml))
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    emit("einvoice.import_one_by_one_docs_per_s", len(single) / elapsed, "docs/s", len(single))

    samples = time_calls(lambda i: validate(documents[i % n]), runs=min(validations, n), warmup=2)
    rules = sorted({v.rule for xml in documents[:validations] for v in fatal(validate(xml))})
    log(f"einvoice: EN 16931 rules the bench exports break: {rules or 'none'}")
    emit_latency("einvoice.validate_ms", samples)
