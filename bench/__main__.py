"""`make bench`: build (or reuse) the bench database on PostgreSQL and print one JSON line per figure.

BENCH_SCALE sets the number of invoices (default 1,000,000 over 10,000 companies);
BENCH_DATABASE_URL the database (default a database `invoice_portal_bench` on the local server).
"""

from __future__ import annotations

import os
import sys

import psycopg


def _ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/invoice_portal_bench")
    _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoice_portal.settings")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    from invoice_portal.core.collector import startup_heap_frozen

    startup_heap_frozen()  # as the web server and the invoice-portal command do after setting Django up

    from bench import (
        api_create,
        einvoice_import,
        export,
        generate,
        imports,
        lifecycle,
        matching,
        payments,
        pdf,
        queries,
        scale_out,
        ubl,
        web,
    )
    from bench.harness import emit, log, summary, vacuum_dead_rows

    scale = int(os.environ.get("BENCH_SCALE", "1000000"))
    companies = max(10, scale // 100)
    call_command("migrate", verbosity=0)
    if generate.existing_scale() != scale:
        log(f"generating {scale:,} invoices over {companies:,} companies (COPY)")
        timings = generate.generate(invoices=scale, companies=companies)
        emit("generate.copy_rows_per_s", (scale + timings["lines"]) / timings["copy_s"], "rows/s", scale, **timings)
    else:
        log(f"reusing the bench database with {scale:,} invoices")
    if vacuumed := vacuum_dead_rows():
        log(f"vacuumed what earlier runs left dead: {', '.join(vacuumed)}")
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    suites = {
        "queries": lambda: queries.run(companies),
        "web": lambda: web.run(companies),
        "lifecycle": lifecycle.run,
        "payments": payments.run,
        "api_create": api_create.run,
        "scale_out": scale_out.run,
        "export": export.run,
        "imports": imports.run,
        "pdf": pdf.run,
        "ubl": ubl.run,
        "einvoice_import": einvoice_import.run,
        "matching": matching.run,
    }
    for name, suite in suites.items():
        if only and name not in only:
            continue
        log(f"running {name}")
        suite()
    summary()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
