"""CSV export of every invoice, streamed: rows per second and the process's peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.harness import emit


def run() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.export_child"], env=os.environ.copy(), capture_output=True, text=True, check=True, timeout=1800
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    emit("export.invoices_csv_rows_per_s", figures["rows"] / figures["seconds"], "rows/s", figures["rows"])
    emit("export.invoices_csv_peak_rss", figures["peak_rss_mb"], "MB", figures["rows"], baseline_mb=round(figures["baseline_rss_mb"], 1))
