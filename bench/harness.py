"""Timing helpers and the JSON line format of `make bench`."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def emit(name: str, value: float, unit: str, n: int, **extra: Any) -> None:
    record = {"name": name, "value": round(value, 3), "unit": unit, "n": n, **extra}
    print(json.dumps(record), flush=True)


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
