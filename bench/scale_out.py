"""Scale-out: requests/s of the same read-mostly API mix against one granian process, then two.

Eight client threads on keep-alive connections send, for ``SECONDS`` each, a fixed mix of what an ERP
and a finance clerk's tools read most: the invoice list filtered by status and by customer, and one
invoice's detail. The figure that matters is ``scale_out.two_over_one``: two web processes against one
PostgreSQL must serve more than one does (PRODUCT.md §5, "several web processes"). Both runs use the
same database, clients and mix, one after the other, so their ratio is comparable even on a busy day.
"""

from __future__ import annotations

import http.client
import os
import random
import threading
import time

from bench.harness import emit, emit_latency, log
from bench.web import bench_admin
from invoice_portal.api.services import api_token_create
from invoice_portal.invoices.models import Invoice

CLIENTS = 8
SECONDS = float(os.environ.get("BENCH_SCALE_OUT_SECONDS", "20"))


def _paths(count: int = 400) -> list[str]:
    rng = random.Random(23)
    ids = list(Invoice.objects.order_by("-pk").values_list("pk", "company__external_id")[:count])
    paths = []
    for pk, customer in ids:
        paths.append(rng.choice(["/api/v1/invoices?status=open&limit=50", f"/api/v1/invoices?customer={customer}&limit=50"]))
        paths.append(f"/api/v1/invoices/{pk}")
    return paths


def _drive(port: int, token: str, paths: list[str]) -> tuple[int, int, list[float], float]:
    """Every client loops over the mix until the time is up; returns (ok, failed, latencies in ms, seconds)."""
    ok = failed = 0
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def client(offset: int) -> None:
        nonlocal ok, failed
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}"}
        i = offset
        while time.monotonic() < deadline:
            sent = time.perf_counter()
            conn.request("GET", paths[i % len(paths)], headers=headers)
            response = conn.getresponse()
            response.read()
            with lock:
                latencies.append((time.perf_counter() - sent) * 1000)
                if response.status == 200:
                    ok += 1
                else:
                    failed += 1
            i += 1

    threads = [threading.Thread(target=client, args=(n * 37,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok, failed, latencies, time.perf_counter() - started


def run() -> None:
    from bench.server import granian

    _, token = api_token_create(actor=None, user=bench_admin(), name="bench-scale-out")
    paths = _paths()
    rates: dict[int, float] = {}
    for workers in (1, 2):
        with granian(workers=workers) as port:
            _drive(port, token, paths[:40])  # warm both processes' imports and connections before timing
            ok, failed, latencies, seconds = _drive(port, token, paths)
        if failed:
            log(f"scale-out: {failed} requests failed with {workers} process(es)")
        rates[workers] = ok / seconds
        label = "1_process" if workers == 1 else f"{workers}_processes"
        emit(f"scale_out.api_reads_per_s.{label}", rates[workers], "req/s", ok, clients=CLIENTS, failed=failed, seconds=round(seconds, 1))
        emit_latency(f"scale_out.api_reads.{label}", latencies, clients=CLIENTS)
    emit("scale_out.two_over_one", rates[2] / rates[1], "ratio", 2, meaning="req/s with 2 granian processes / with 1")
