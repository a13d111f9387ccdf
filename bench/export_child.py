"""Run in a child process by bench.export: stream the CSV export of every invoice to nowhere.

Prints one JSON object: rows, seconds, peak RSS. A separate process so the RSS is the export's own.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoice_portal.settings")
    import django

    django.setup()
    from invoice_portal.imports.exports import csv_chunks, invoice_rows
    from invoice_portal.invoices.models import Invoice
    from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rows = 0
    size = 0
    for chunk in csv_chunks(invoice_rows(invoice_list(Invoice.objects.all(), InvoiceFilters()))):
        rows += chunk.count("\n")
        size += len(chunk)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(
        {"rows": rows - 1, "seconds": elapsed, "peak_rss_mb": peak / 1024, "baseline_rss_mb": baseline / 1024, "bytes": size}, sys.stdout
    )


if __name__ == "__main__":
    main()
