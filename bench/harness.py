"""Timing helpers and the JSON line format of `make bench`.

Every figure is printed as one JSON line that carries, beside its value, what it ran under: the
one-minute load average and a CPU probe (the time of a fixed pure-Python workload, measured just
before the figure is printed), so two runs on a busy or a quiet day can be compared. Figures with a
target in ``TARGETS`` also carry the target and whether it was met; ``summary()`` prints them all
again, one line each, at the end of the run.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

# name pattern → (comparison, target): ">=" figures are rates, "<=" figures are latencies or counts.
TARGETS: list[tuple[str, str, float]] = [
    (r"lifecycle\.create_per_s", ">=", 1000),
    (r"lifecycle\.issue_per_s", ">=", 500),
    (r"lifecycle\.pay_per_s", ">=", 500),
    (r"lifecycle\.invoices_per_s", ">=", 200),
    (r"api\.create_invoice_3_lines_per_s", ">=", 300),
    (r"import\.csv_invoices_per_s", ">=", 5000),
    (r"import\.slowdown_vs_raw_copy", "<=", 5),
    (r"payments\.allocations_per_s", ">=", 500),
    (r"payments\.over_allocated_invoices", "<=", 0),
    (r"payments\.allocated_sum_matches", ">=", 1),
    (r"(seller_dashboard|portal_invoice_list|invoice_list\.selector|api_invoice_list)\..*\.p95", "<=", 50),
    (r"export\.invoices_csv_rows_per_s", ">=", 100_000),
    (r"export\.invoices_csv_peak_rss", "<=", 150),
    (r"(ubl|cii)\.export_docs_per_s", ">=", 1000),
    (r"einvoice\.import_docs_per_s", ">=", 1000),
    (r"matching\.(pure|db_batched)_lines_per_s", ">=", 10_000),
    (r"pdf\.two_page_invoice\.first_render\.p95", "<=", 300),
    (r"pdf\.two_page_invoice\.cached\.p95", "<=", 20),
    (r"scale_out\.two_over_one", ">=", 1.1),  # two web processes serve clearly more than one
]
_COMPARE = {">=": operator.ge, "<=": operator.le}
_results: list[dict[str, Any]] = []


def target_for(name: str) -> tuple[str, float] | None:
    for pattern, comparison, value in TARGETS:
        if re.fullmatch(pattern, name):
            return comparison, value
    return None


def cpu_probe_ms() -> float:
    """Milliseconds of a fixed pure-Python workload (hashing and dict churn): the machine's speed right now."""
    started = time.perf_counter()
    digest = b"probe"
    table: dict[int, bytes] = {}
    for i in range(20_000):
        digest = hashlib.sha256(digest).digest()
        table[i % 512] = digest
    sum(len(v) for v in table.values())
    return (time.perf_counter() - started) * 1000


def commit_probe_ms() -> float | None:
    """Median milliseconds of a PostgreSQL transaction that commits (one WAL flush): the disk's speed right now.

    Most figures of one document per transaction are bounded by this as much as by the CPU.
    """
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        return None
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT txid_current()")  # takes a transaction id, so COMMIT flushes the WAL
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def conditions() -> dict[str, float | None]:
    """The machine's state beside a figure: load average (1 min), the CPU probe and the commit probe."""
    commit = commit_probe_ms()
    return {
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "cpu_probe_ms": round(cpu_probe_ms(), 2),
        "commit_probe_ms": None if commit is None else round(commit, 2),
    }


def emit(name: str, value: float, unit: str, n: int, **extra: Any) -> None:
    record: dict[str, Any] = {"name": name, "value": round(value, 3), "unit": unit, "n": n, **extra, **conditions()}
    target = target_for(name)
    if target is not None:
        comparison, limit = target
        record["target"] = f"{comparison} {limit:g}"
        record["met"] = bool(_COMPARE[comparison](value, limit))
    _results.append(record)
    print(json.dumps(record), flush=True)


def summary() -> None:
    """Every figure again, one aligned line each, with its target and met / NOT met (on stderr)."""
    log("summary: figure, value, target, verdict, load average (1 min), CPU probe (ms), commit probe (ms)")
    for r in _results:
        verdict = "" if "target" not in r else ("met" if r["met"] else "NOT met")
        target = r.get("target", "")
        log(
            f"{r['name']:<58} {r['value']:>12,.3f} {r['unit']:<13} {target:<10} {verdict:<8}"
            f" load {r['load_avg_1m']:<5} cpu {r['cpu_probe_ms']:<6} commit {r['commit_probe_ms']} ms"
        )


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def time_calls(fn: Callable[[int], Any], runs: int, warmup: int = 3) -> list[float]:
    """Milliseconds per call of fn(i) over ``runs`` calls after ``warmup`` untimed ones."""
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def emit_latency(name: str, samples: list[float], **extra: Any) -> None:
    emit(f"{name}.p50", statistics.median(samples), "ms", len(samples), **extra)
    emit(f"{name}.p95", percentile(samples, 95), "ms", len(samples), **extra)


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def vacuum_dead_rows(threshold: int = 1000) -> list[str]:
    """``VACUUM (ANALYZE)`` every table holding more than ``threshold`` dead rows; returns their names.

    Suites that roll their work back (``einvoice_import``) leave their rows dead, and a server with autovacuum off
    (this machine's) keeps them: run after run, the bench database bloats and later runs measure the bloat. Run at
    the start of ``make bench`` so each run starts from the same state.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup > %s ORDER BY relname", [threshold])
        tables = [name for (name,) in cursor.fetchall()]
        for name in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(name)}")
    return tables
