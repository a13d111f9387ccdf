"""A real ``kill -9`` in the middle of the apply phase: nothing of the batch is visible, and the batch is then failed.

Runs ``invoice-portal import`` in a child process against its own SQLite file (the test database
cannot be shared with another process), kills it once the apply phase has written a part of the
file, and looks at what is on disk. On SQLite the apply phase runs in staged chunks: committed chunks
are on disk as hidden, unnumbered drafts of the batch (no audit event, seal or number); reaping the
batch deletes them, and so does the next run.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="runs in the SQLite leg; uses its own database file")

BIN = Path(sys.executable).parent / "invoice-portal"
SETUP = """
from invoice_portal.companies.models import Company
Company.objects.create(name="ACME Corp", external_id="ACME")
"""
REAP = """
from invoice_portal.imports.models import ImportBatch
from invoice_portal.imports.services import import_batch_reap
from invoice_portal.invoices.models import Invoice
print(import_batch_reap(ImportBatch.objects.get()).status, Invoice.all_objects.count())
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_DATABASE"))}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "INVOICE_PORTAL_VAR": str(tmp_path), "LOG_LEVEL": "ERROR"}


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_killing_the_import_midway_leaves_nothing_of_the_batch(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run([BIN, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run([BIN, "shell", "--no-imports", "-c", SETUP], env=env, check=True, timeout=60)
    source = tmp_path / "big.csv"
    with source.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["external_id", "company_external_id", "description", "quantity", "unit_price", "tax_rate"])
        for i in range(1500):
            writer.writerows([[f"ERP-{i}", "ACME", "Widget", "2", "10.00", "20"], [f"ERP-{i}", "ACME", "Freight", "1", "5.00", "20"]])

    child = subprocess.Popen([BIN, "import", str(source)], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert child.stderr is not None
    for line in child.stderr:  # without a terminal the bar prints a line per tenth of each phase
        if line.startswith("running") and " 0/" not in line:
            break
    else:
        pytest.fail(f"the import ended before it could be killed (exit {child.wait()})")
    child.send_signal(signal.SIGKILL)
    child.wait(30)

    db = tmp_path / "db.sqlite3"
    with sqlite3.connect(db) as conn:
        staged = conn.execute("SELECT count(*), count(number), max(status), min(import_batch_id) FROM invoices_invoice").fetchone()
        visible = conn.execute("SELECT count(*) FROM invoices_invoice WHERE import_batch_id IS NULL").fetchone()[0]
        assert conn.execute("SELECT status FROM imports_importbatch").fetchone()[0] == "running"
    assert staged[0] > 0, "the kill came before a chunk was committed: nothing staged to clean up"
    assert staged[1:] == (0, "draft", 1)  # hidden, unnumbered drafts of the batch
    assert visible == 0
    assert _count(db, "audit_auditevent") == 0
    assert _count(db, "audit_documentseal") == 0
    assert _count(db, "core_numbersequence") == 0
    reaped = subprocess.run([BIN, "shell", "--no-imports", "-c", REAP], env=env, check=True, timeout=60, capture_output=True, text=True)
    assert reaped.stdout.strip() == "failed 0"
    assert _count(db, "invoices_invoiceline") == 0


def test_the_next_run_cleans_up_what_a_killed_import_staged(tmp_path: Path) -> None:
    """Killed, never reaped: the next import deletes the hidden drafts first (or it could not reuse their external ids)."""
    env = _env(tmp_path)
    subprocess.run([BIN, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run([BIN, "shell", "--no-imports", "-c", SETUP], env=env, check=True, timeout=60)
    source = tmp_path / "big.csv"
    with source.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["external_id", "company_external_id", "description", "quantity", "unit_price", "tax_rate"])
        for i in range(1500):
            writer.writerow([f"ERP-{i}", "ACME", "Widget", "2", "10.00", "20"])
    child = subprocess.Popen([BIN, "import", str(source)], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert child.stderr is not None
    for line in child.stderr:
        if line.startswith("running") and " 0/" not in line:
            break
    else:
        pytest.fail(f"the import ended before it could be killed (exit {child.wait()})")
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    db = tmp_path / "db.sqlite3"
    assert _count(db, "invoices_invoice") > 0  # staged, hidden

    again = subprocess.run([BIN, "import", str(source)], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(number) FROM invoices_invoice WHERE import_batch_id IS NULL").fetchone() == (1500, 1500)
        assert conn.execute("SELECT count(*) FROM invoices_invoice WHERE import_batch_id IS NOT NULL").fetchone()[0] == 0
        assert [row[0] for row in conn.execute("SELECT status FROM imports_importbatch ORDER BY id")] == ["failed", "succeeded"]
    books = subprocess.run([BIN, "check-books"], env=env, capture_output=True, text=True, timeout=120)
    assert books.returncode == 0, books.stdout + books.stderr
