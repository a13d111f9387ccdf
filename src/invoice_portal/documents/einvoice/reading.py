"""Reading many e-invoices at once: parsed (and validated) in worker processes while the caller stores.

A batch import (``invoice-portal import`` of many files) spends its time in three places: the official
validation (Saxon, a few milliseconds a document), the parser (a third of a millisecond) and storing (a few
tenths, half of it waiting for the database). The first two need nothing but the document's bytes, so
``einvoices_read`` hands them, a chunk at a time, to worker processes and yields the chunks in order as they
come back, reading ahead while the caller stores the chunk it was given: on two cores the store and the
reading of the next chunk run side by side.

The workers are started with ``spawn`` (never ``fork``: the parent may hold database connections and a Saxon
processor, neither of which survives a fork) and import only this module, the parser and the validation, which
need no Django. A document a worker refuses comes back as ``None``; the caller reads it again itself
(``intake.einvoice_read_valid``) for the typed error, with every broken rule, that a refusal owes its sender.
Few documents (one chunk or less), one CPU or ``EINVOICE_READ_WORKERS=0``: everything is read in this process.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from invoice_portal.core.errors import DomainError
from invoice_portal.documents.einvoice.parse import EInvoice, parse_einvoice
from invoice_portal.documents.einvoice.validation import fatal, prepared, validate

CHUNK = 500  # documents a worker reads at a time (a smaller chunk costs the store more statements per document)
AHEAD = 2  # chunks being read while the caller stores one


def read_chunk(payloads: Sequence[bytes], *, validated: bool) -> list[EInvoice | None]:
    """Each document parsed, and with ``validated`` held to the official validation; None where it is refused."""
    docs: list[EInvoice | None] = []
    for payload in payloads:
        try:
            doc: EInvoice | None = parse_einvoice(payload)
        except DomainError:
            doc = None
        if doc is not None and validated and fatal(validate(payload)):
            doc = None
        docs.append(doc)
    return docs


def workers() -> int:
    """How many worker processes read: ``EINVOICE_READ_WORKERS`` if set (0: none), else one per CPU."""
    configured = os.environ.get("EINVOICE_READ_WORKERS", "").strip()
    if configured:
        return max(0, int(configured))
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@functools.cache
def _pool(size: int) -> ProcessPoolExecutor:
    """One pool per process, started on first use and kept: a worker's start (~1 s: the imports, then the official
    schemas and stylesheets compiled) is paid once. Returns when every worker has started, so no worker is still
    compiling while the first chunks are read and stored."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(size + 1)
    pool = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_worker_start, initargs=(ready,))
    for _ in range(size):
        pool.submit(int)  # each submit with no worker idle starts one more, up to ``size``
    ready.wait(timeout=120)
    return pool


def _worker_start(ready: threading.Barrier) -> None:
    prepared()
    ready.wait(timeout=120)


def einvoices_read(payloads: Sequence[bytes], *, validated: bool = True, chunk: int | None = None) -> Iterator[list[EInvoice | None]]:
    """``read_chunk`` of each chunk of ``payloads``, in order; in worker processes when there are several chunks
    and more than one CPU (see the module's docstring). ``validated=False`` is for callers that validate
    otherwise (the benchmark, which times the import without the XSLT)."""
    chunk = chunk or CHUNK
    chunks = [payloads[i : i + chunk] for i in range(0, len(payloads), chunk)]
    size = workers()
    if len(chunks) < 2 or size < 2:
        for part in chunks:
            yield read_chunk(part, validated=validated)
        return
    pool = _pool(size)
    waiting = deque(chunks)
    pending: deque[Future[list[EInvoice | None]]] = deque()
    while waiting and len(pending) <= AHEAD:  # the chunk awaited first, and AHEAD more being read
        pending.append(pool.submit(read_chunk, waiting.popleft(), validated=validated))
    while pending:
        done = pending.popleft().result()
        if waiting:
            pending.append(pool.submit(read_chunk, waiting.popleft(), validated=validated))
        yield done
