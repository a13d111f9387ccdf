"""SQLite: a large invoice, order or purchase-order import runs in staged chunks, and another writer gets through
between two of them.

The import runs in a child process against its own SQLite file (WAL, as the app runs it). A hook the
import calls after each committed chunk (``imports.services.between_chunks``) issues an invoice from
another thread — another database connection, with no busy timeout: if the import still held SQLite's
write lock, that write would fail at once with "database is locked". Nothing is timed. The hook also
looks at what other connections see mid-import: none of the batch's documents. Orders and purchase orders: the
other writer upserts an order of the same kind (``order_upsert``/``purchase_order_upsert``).
"""

from __future__ import annotations

import csv
import json
import os
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
RUN = """
import json, threading
from django.db import connection
from invoice_portal.companies.models import Company
from invoice_portal.imports import services
from invoice_portal.imports.kinds.invoices import InvoiceKind
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import invoice_create

InvoiceKind.chunk_size = 100
seen = []

def other_writer(batch_id, rows):
    outcome = {}
    def write():
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 0")  # fail at once if the import holds the write lock
            invoice = invoice_create(
                actor=None, company=Company.objects.get(external_id="ACME"), issue=True,
                lines=[{"description": f"Between chunks at row {rows}", "quantity": "1", "unit_price": "3.00"}],
            )
            outcome.update(number=invoice.number, visible=Invoice.objects.filter(source="erp").count())
        except Exception as exc:
            outcome.update(error=repr(exc))
        finally:
            connection.close()
    thread = threading.Thread(target=write)
    thread.start()
    thread.join()
    seen.append({"rows": rows, **outcome})

services.between_chunks = other_writer
batch = services.import_batch_create(actor=None, kind="invoices", fmt="csv", payload=open(SOURCE, "rb").read())
batch = services.import_batch_run(batch_id=batch.pk)
print(json.dumps({"status": batch.status, "errors": batch.errors, "seen": seen}))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_DATABASE"))}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "INVOICE_PORTAL_VAR": str(tmp_path), "LOG_LEVEL": "ERROR"}


def test_another_writer_issues_between_two_chunks_of_a_large_import(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run([BIN, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run([BIN, "shell", "--no-imports", "-c", SETUP], env=env, check=True, timeout=60)
    source = tmp_path / "big.csv"
    with source.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["external_id", "company_external_id", "description", "quantity", "unit_price", "tax_rate"])
        for i in range(500):
            writer.writerows([[f"ERP-{i}", "ACME", "Widget", "2", "10.00", "20"], [f"ERP-{i}", "ACME", "Freight", "1", "5.00", "20"]])

    ran = subprocess.run(
        [BIN, "shell", "--no-imports", "-c", RUN.replace("SOURCE", repr(str(source)))], env=env, capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stderr
    outcome = json.loads(ran.stdout.strip().splitlines()[-1])

    assert outcome["status"] == "succeeded", outcome["errors"]
    seen = outcome["seen"]
    assert [s["rows"] for s in seen] == [200, 400, 600, 800, 1000]  # after every chunk of 100 invoices (two rows each)
    assert all("error" not in s for s in seen), seen  # each write got the lock while the import was under way
    assert {s["visible"] for s in seen} == {0}  # and saw none of the batch's documents
    # The other writer's numbers came first; the batch numbered its documents when it published them, after them.
    assert [int(s["number"].rsplit("-", 1)[1]) for s in seen] == [1, 2, 3, 4, 5]
    books = subprocess.run([BIN, "check-books"], env=env, capture_output=True, text=True, timeout=120)
    assert books.returncode == 0, books.stdout + books.stderr
    numbers = subprocess.run(
        [BIN, "shell", "--no-imports", "-c",
         "from invoice_portal.invoices.models import Invoice\n"
         "print(sorted(int(n.rsplit('-', 1)[1]) for n in Invoice.objects.values_list('number', flat=True)) == list(range(1, 506)))"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert numbers.stdout.strip() == "True"  # 5 + 500 documents, numbers gapless across both writers


ORDERS_SETUP = """
from invoice_portal.accounts.models import User
from invoice_portal.companies.models import Company
Company.objects.create(name="ACME Corp", external_id="ACME")
Company.objects.create(name="Northwind", external_id="NORTHWIND", is_supplier=True, is_customer=False)
User.objects.create_user(email="approver@demo.test", password="pw-test-12345")
"""
ORDERS_RUN = """
import json, threading
from django.db import connection
from django.db.models import Count
from invoice_portal.audit.models import AuditEvent
from invoice_portal.companies.models import Company
from invoice_portal.imports import services
from invoice_portal.imports.kinds.orders import OrderKind
from invoice_portal.imports.kinds.purchase_orders import PurchaseOrderKind
from invoice_portal.orders.models import Order
from invoice_portal.orders.services import order_upsert
from invoice_portal.payables.services import purchase_order_upsert

OrderKind.chunk_size = PurchaseOrderKind.chunk_size = 100
seen = []

def other_writer(batch_id, rows):
    outcome = {}
    def write():
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 0")  # fail at once if the import holds the write lock
            lines = [{"description": f"Between chunks at row {rows}", "quantity": "1", "unit_price": "3.00"}]
            key = {"source": "api", "external_id": f"OTHER-{rows}", "lines": lines}
            if KIND == "orders":
                order, _ = order_upsert(actor=None, company=Company.objects.get(external_id="ACME"), **key)
            else:
                order, _ = purchase_order_upsert(actor=None, supplier=Company.objects.get(external_id="NORTHWIND"), **key)
            on_disk = Order.all_objects.filter(source="erp").count()
            outcome.update(id=order.pk, visible=Order.objects.filter(source="erp").count(), on_disk=on_disk)
        except Exception as exc:
            outcome.update(error=repr(exc))
        finally:
            connection.close()
    thread = threading.Thread(target=write)
    thread.start()
    thread.join()
    seen.append({"rows": rows, **outcome})

services.between_chunks = other_writer
batch = services.import_batch_create(actor=None, kind=KIND, fmt="csv", payload=open(SOURCE, "rb").read())
batch = services.import_batch_run(batch_id=batch.pk)
published = Order.objects.filter(source="erp", import_batch_id__isnull=True).count()
audited = AuditEvent.objects.filter(action__endswith="order.create").values_list("channel").order_by("channel")
audited = {channel: n for channel, n in audited.annotate(n=Count("id")).values_list("channel", "n")}
print(json.dumps({"status": batch.status, "errors": batch.errors, "seen": seen, "published": published, "audited": audited}))
"""


@pytest.mark.parametrize("kind", ["orders", "purchase_orders"])
def test_another_writer_writes_orders_between_two_chunks_of_a_large_order_import(tmp_path: Path, kind: str) -> None:
    env = _env(tmp_path)
    subprocess.run([BIN, "migrate", "-v0"], env=env, check=True, timeout=120)
    subprocess.run([BIN, "shell", "--no-imports", "-c", ORDERS_SETUP], env=env, check=True, timeout=60)
    source = tmp_path / "orders.csv"
    with source.open("w", newline="") as f:
        writer = csv.writer(f)
        if kind == "orders":
            writer.writerow(["external_id", "company_external_id", "description", "quantity", "unit_price", "tax_rate"])
            company = "ACME"
        else:
            writer.writerow(["external_id", "supplier_external_id", "description", "quantity", "unit_price", "tax_rate"])
            company = "NORTHWIND"
        for i in range(500):
            writer.writerows([[f"E-{i}", company, "Widget", "2", "10.00", "20"], [f"E-{i}", company, "Freight", "1", "5.00", "20"]])

    script = ORDERS_RUN.replace("SOURCE", repr(str(source))).replace("KIND", repr(kind))
    ran = subprocess.run([BIN, "shell", "--no-imports", "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    outcome = json.loads(ran.stdout.strip().splitlines()[-1])

    assert outcome["status"] == "succeeded", outcome["errors"]
    seen = outcome["seen"]
    assert [s["rows"] for s in seen] == [200, 400, 600, 800, 1000]  # after every chunk of 100 orders (two rows each)
    assert all("error" not in s for s in seen), seen  # each write got the lock while the import was under way
    assert {s["visible"] for s in seen} == {0}  # and saw none of the batch's orders
    assert [s["on_disk"] for s in seen] == [100, 200, 300, 400, 500]  # though they were on disk, staged
    assert outcome["published"] == 500
    assert outcome["audited"] == {"import": 500, "system": 5}  # the batch's orders and the other writer's 5
    books = subprocess.run([BIN, "check-books"], env=env, capture_output=True, text=True, timeout=120)
    assert books.returncode == 0, books.stdout + books.stderr
