"""How long a payment import holds SQLite's write lock (docs/imports.md, "Payments are not staged").

Imports N open invoices (the staged path), then a file of N payments, each allocating to one invoice, through the
portal's import; meanwhile a second connection tries ``BEGIN IMMEDIATE`` every 2 ms with no busy timeout and
records the longest stretch it could not. Run against a fresh SQLite file (not part of ``make bench``)::

    export DATABASE_URL=sqlite:////tmp/lock/db.sqlite3 INVOICE_PORTAL_VAR=/tmp/lock
    invoice-portal migrate -v0
    PYTHONPATH=. invoice-portal shell --no-imports -c "from bench.sqlite_payment_lock import main; main()"

Prints one JSON line: the batch's status, the apply phase's seconds, the longest lock and the load average.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import threading
import time

from django.conf import settings

from invoice_portal.companies.models import Company
from invoice_portal.imports import services
from invoice_portal.invoices.models import Invoice


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _import(kind: str, payload: bytes) -> services.ImportBatch:
    batch = services.import_batch_create(actor=None, kind=kind, fmt="csv", payload=payload)
    return services.import_batch_run(batch_id=batch.pk)


def main(n: int = int(os.environ.get("N", "5000"))) -> None:
    Company.objects.get_or_create(external_id="ACME", defaults={"name": "ACME Corp"})
    if not Invoice.objects.filter(external_id="LOCK-0").exists():
        rows = [[f"LOCK-{i}", "ACME", "Widget", "1", "100.00", "20"] for i in range(n)]
        batch = _import("invoices", _csv(["external_id", "company_external_id", "description", "quantity", "unit_price", "tax_rate"], rows))
        assert batch.status == "succeeded", batch.errors
    tag = time.strftime("%H%M%S")
    header = ["external_id", "company_external_id", "amount", "method", "received_on", "invoice_external_id", "allocation_amount"]
    payload = _csv(header, [[f"PAY-{tag}-{i}", "ACME", "1.00", "wire", "2026-12-01", f"LOCK-{i}", "1.00"] for i in range(n)])

    stop, spans = threading.Event(), []

    def probe() -> None:
        conn = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=0, isolation_level=None)
        since = None
        while not stop.is_set():
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                if since is not None:
                    spans.append(time.monotonic() - since)
                    since = None
            except sqlite3.OperationalError:  # database is locked
                since = since if since is not None else time.monotonic()
            time.sleep(0.002)
        if since is not None:
            spans.append(time.monotonic() - since)
        conn.close()

    thread = threading.Thread(target=probe)
    thread.start()
    load = os.getloadavg()[0]
    batch = _import("payments", payload)
    stop.set()
    thread.join()
    print(json.dumps({
        "payments": n, "status": batch.status, "apply_seconds": (batch.summary or {}).get("seconds"),
        "longest_lock_seconds": round(max(spans, default=0.0), 2), "load_average": round(load, 2),
    }))  # fmt: skip
