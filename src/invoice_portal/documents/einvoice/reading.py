"""Reading many e-invoices at once: parsed (and validated) in worker processes while the caller stores.

A batch import (``invoice-portal import`` of many files) spends its time in three places: the official
validation (Saxon, a few milliseconds a document), the parser (a third of a millisecond) and storing (a few
tenths, half of it waiting for the database). The first two need nothing but the document's bytes, so
``einvoices_read`` hands them, a chunk at a time, to worker processes and yields the chunks in order as they
come back, reading ahead while the caller stores the chunk it was given: on two cores the store and the
reading of the next chunk run side by side.

The workers are started with ``spawn`` (never ``fork``: the parent may hold database connections and a Saxon
processor, neither of which survives a fork) and import only this module, the parser and the validation, which
need no Django; so does ``einvoice_read_valid``, the one reading rule (parsed, then held to the official validation),
kept here for that reason. A document a worker refuses comes back as ``None``; the caller reads it again itself
(``einvoice_read_valid``) for the typed error, with every broken rule, that a refusal owes its sender.
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
from typing import Any

from invoice_portal.core.errors import DomainError
from invoice_portal.documents.einvoice.parse import EInvoice, parse_einvoice
from invoice_portal.documents.einvoice.validation import Violation, fatal, prepared, validate

MAX_LISTED_VIOLATIONS = 200


class EInvoiceNotValid(DomainError):
    """The document breaks the EN 16931 rules (the official validation's fatal asserts)."""

    code = "einvoice_not_valid"
    status = 422
    title = "The e-invoice breaks EN 16931 rules"

    def __init__(self, violations: list[Violation]) -> None:
        first = violations[0]
        more = f" and {len(violations) - 1} more" if len(violations) > 1 else ""
        super().__init__(f"The document breaks EN 16931: [{first.rule}] {first.message}{more}.")
        self.violations = violations[:MAX_LISTED_VIOLATIONS]

    def problem_errors(self) -> list[tuple[str, str]]:
        return [(v.location, f"[{v.rule}] {v.message}") for v in self.violations]

    def problem_extra(self) -> dict[str, Any]:
        return {"violations": [{"rule": v.rule, "flag": v.flag, "message": v.message, "location": v.location} for v in self.violations]}


def einvoice_read_valid(xml: bytes) -> EInvoice:
    """The document ``xml`` holds, if it passes the official EN 16931 validation; the typed error otherwise."""
    doc = parse_einvoice(xml)  # hostile or unreadable input is refused here, before any XSLT sees it
    violations = fatal(validate(xml))
    if violations:
        raise EInvoiceNotValid(violations)
    return doc


CHUNK = 500  # documents a worker reads at a time (a smaller chunk costs the store more statements per document)
AHEAD = 2  # chunks being read while the caller stores one


def read_chunk(payloads: Sequence[bytes], *, validated: bool) -> list[EInvoice | None]:
    """Each document as ``einvoice_read_valid`` reads it (``parse_einvoice`` alone without ``validated``); None where
    it is refused."""
    read = einvoice_read_valid if validated else parse_einvoice
    docs: list[EInvoice | None] = []
    for payload in payloads:
        try:
            docs.append(read(payload))
        except DomainError:
            docs.append(None)
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
