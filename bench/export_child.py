"""Run in a child process by bench.export: stream the CSV export of every invoice to nowhere.

Prints one JSON object: rows, seconds, peak RSS. A separate process so the RSS is the export's own.
The peak is the kernel's high-water mark of this process's memory (VmHWM): ``ru_maxrss`` would also
count the parent's, which a forked child inherits (and keeps across exec) — after generating the
bench data the parent holds over 300 MB.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoice_portal.settings")
    import django

    django.setup()
    from invoice_portal.imports.exports import invoice_csv
    from invoice_portal.invoices.models import Invoice
    from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list

    baseline = peak_rss_mb()
    started = time.perf_counter()
    rows = 0
    size = 0
    for chunk in invoice_csv(invoice_list(Invoice.objects.all(), InvoiceFilters())):
        rows += chunk.count(b"\n")
        size += len(chunk)
    elapsed = time.perf_counter() - started
    json.dump({"rows": rows - 1, "seconds": elapsed, "peak_rss_mb": peak_rss_mb(), "baseline_rss_mb": baseline, "bytes": size}, sys.stdout)


if __name__ == "__main__":
    main()
