"""Create-invoice API calls per second against the production server (granian, WSGI) with concurrent clients."""

from __future__ import annotations

import http.client
import json
import os
import threading
import time

from bench.harness import emit, emit_latency, log
from bench.server import granian
from bench.web import bench_admin
from invoice_portal.api.services import api_token_create
from invoice_portal.companies.models import Company

CLIENTS = 8


def run(calls_per_client: int = 60) -> None:
    _, token = api_token_create(actor=None, user=bench_admin(), name="bench-create")
    company = Company.objects.filter(external_id__startswith="EXT-", currency="USD").first()
    assert company is not None
    body = json.dumps({
        "company": company.pk, "issue": os.environ.get("BENCH_CREATE_ISSUE", "1") == "1",
        "lines": [
            {"description": "Hydraulic pump", "quantity": "2", "unit_price": "150.00", "tax_rate": "20"},
            {"description": "Seal kit", "quantity": "4", "unit_price": "12.50", "tax_rate": "20"},
            {"kind": "cost", "description": "Freight", "quantity": "1", "unit_price": "25.00", "tax_rate": "20"},
        ],
    })  # fmt: skip
    with granian(workers=2) as port:
        statuses: list[int] = []
        latencies: list[float] = []
        lock = threading.Lock()

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            for _ in range(calls_per_client):
                sent = time.perf_counter()
                conn.request("POST", "/api/v1/invoices", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                with lock:
                    statuses.append(response.status)
                    latencies.append((time.perf_counter() - sent) * 1000)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        ok = sum(1 for s in statuses if s == 201)
        if ok != len(statuses):
            log(f"create-invoice statuses: { {s: statuses.count(s) for s in set(statuses)} }")
        emit("api.create_invoice_3_lines_per_s", ok / elapsed, "calls/s", ok, clients=CLIENTS, server="granian wsgi, 2 workers")
        emit_latency("api.create_invoice_3_lines", latencies, clients=CLIENTS)
