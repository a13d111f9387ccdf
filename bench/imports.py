"""Bulk import: invoices per second through the import pipeline, beside a raw COPY of the same rows."""

from __future__ import annotations

import csv
import io
import random
import time

from django.db import connection

from bench.harness import emit
from invoice_portal.accounts.models import Role, User
from invoice_portal.companies.models import Company
from invoice_portal.imports.services import import_batch_create, import_batch_run

COLUMNS = ["external_id", "company_external_id", "issue_date", "description", "quantity", "unit_price", "tax_rate", "line_kind"]


def _csv(invoices: int, tag: str) -> bytes:
    rng = random.Random(3)
    companies = list(Company.objects.filter(external_id__startswith="EXT-", currency="USD").values_list("external_id", flat=True)[:200])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for i in range(invoices):
        company = rng.choice(companies)
        for n, kind in enumerate(("item", "item", "cost")):
            price = f"{rng.randint(100, 9999) / 100:.2f}"
            first = n == 0
            writer.writerow([f"IMP-{tag}-{i}", company if first else "", "2026-11-01" if first else "",
                             f"Part {rng.randint(1, 999)}", rng.randint(1, 9), price, "20", kind])  # fmt: skip
    return out.getvalue().encode()


def _raw_copy_seconds(payload: bytes) -> float:
    """The limit: the same rows COPY'd as text into an unlogged table, no validation at all."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_import")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_raw_import ({', '.join(f'{c} text' for c in COLUMNS)})")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_raw_import FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(payload)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_import")
    return elapsed


def run(invoices: int = 10_000) -> None:
    actor = User.objects.filter(email="bench-admin@bench.test").first() or User.objects.create_user(
        "bench-admin@bench.test", None, role=Role.objects.get(code="admin")
    )
    tag = str(time.time_ns())
    payload = _csv(invoices, tag)
    started = time.perf_counter()
    batch = import_batch_create(actor=actor, kind="invoices", fmt="csv", payload=payload, filename="bench.csv")
    batch = import_batch_run(batch_id=batch.pk)
    elapsed = time.perf_counter() - started
    if batch.status != "succeeded":
        raise RuntimeError(f"bench import failed: {batch.errors!r}"[:500])
    copy_seconds = _raw_copy_seconds(payload)
    emit("import.csv_invoices_per_s", invoices / elapsed, "invoices/s", invoices, lines=invoices * 3)
    emit("import.raw_copy_invoices_per_s", invoices / copy_seconds, "invoices/s", invoices)
    emit("import.slowdown_vs_raw_copy", elapsed / copy_seconds, "x", invoices)
