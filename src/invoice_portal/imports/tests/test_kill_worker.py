"""``kill -9`` of the import worker at 20 random moments, on PostgreSQL: no partial batch, and the books hold.

The real thing: batches are queued as the API queues them, ``invoice-portal db-worker`` runs them in a
child process against a database of this test's own (the test database cannot be shared with another
process mid-transaction), and each worker is killed after a random delay, anywhere from its start-up
to the end of its batch. After every kill each batch has either all of its documents (and it says
succeeded) or none of them; at the end the abandoned batches are reaped as failed, the ones still queued
run to the end, and ``check-books`` is clean. The seed is printed so a failing run can be replayed
(``KILL_SEED``).
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

pytestmark = pytest.mark.postgres

BIN = str(Path(sys.executable).parent / "invoice-portal")
KILLS = 20  # of a worker still alive when the signal comes
BATCHES = 40  # a kill that comes after the worker ended counts for nothing: more batches than kills
DOCUMENTS = 100  # invoices per batch, two lines each
SETUP = """
from invoice_portal.companies.models import Company
Company.objects.create(name="ACME Corp", external_id="ACME")
"""
ENQUEUE = """
from pathlib import Path
from django.db import transaction
from invoice_portal.imports.services import import_batch_create, import_batch_enqueue
for path in sorted(Path({folder!r}).glob("batch-*.csv")):
    with transaction.atomic():
        batch = import_batch_create(actor=None, kind="invoices", fmt="csv", payload=path.read_bytes(), filename=path.name)
        import_batch_enqueue(batch)
    print(batch.pk, path.stem)
"""
REAP = """
from invoice_portal.imports.models import ImportBatch
from invoice_portal.imports.services import import_batch_reap
for batch in ImportBatch.objects.order_by("pk"):
    print(batch.pk, import_batch_reap(batch).status)
"""


def _server_url() -> tuple[str, str]:
    db = settings.DATABASES["default"]
    name = f"{db['TEST']['NAME']}_kill"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}", name


@pytest.fixture
def kill_database() -> Iterator[str]:
    server, name = _server_url()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_DATABASE"))}
    return {**env, "DATABASE_URL": url, "INVOICE_PORTAL_VAR": str(tmp_path), "LOG_LEVEL": "ERROR"}


def _write_batch(folder: Path, n: int) -> None:
    with (folder / f"batch-{n:02d}.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["external_id", "company_external_id", "description", "quantity", "unit_price", "tax_rate"])
        for i in range(DOCUMENTS):
            writer.writerows(
                [[f"K{n:02d}-{i}", "ACME", "Widget", "2", "10.00", "20"], [f"K{n:02d}-{i}", "ACME", "Freight", "1", "5.00", "20"]]
            )


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [BIN, "db-worker", "--batch", "--max-tasks", "1", "--no-startup-delay", "--interval", "1"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _state(url: str, batches: dict[int, str]) -> dict[int, tuple[str, int, int]]:
    """Per batch: its status, how many of its documents exist, and how many lines they have."""
    state = {}
    with psycopg.connect(url) as conn:
        for pk, stem in batches.items():
            prefix = f"K{stem.removeprefix('batch-')}-%"
            status = conn.execute("SELECT status FROM imports_importbatch WHERE id = %s", (pk,)).fetchone()
            documents = conn.execute("SELECT count(*) FROM invoices_invoice WHERE external_id LIKE %s", (prefix,)).fetchone()
            lines = conn.execute(
                "SELECT count(*) FROM invoices_invoiceline l JOIN invoices_invoice i ON i.id = l.invoice_id WHERE i.external_id LIKE %s",
                (prefix,),
            ).fetchone()
            assert status is not None
            assert documents is not None
            assert lines is not None
            state[pk] = (status[0], documents[0], lines[0])
    return state


def _assert_all_or_nothing(state: dict[int, tuple[str, int, int]], when: str) -> None:
    for pk, (status, documents, lines) in state.items():
        assert (documents, lines) in ((0, 0), (DOCUMENTS, 2 * DOCUMENTS)), (
            f"{when}: batch {pk} ({status}) is partial: {documents} documents"
        )
        assert (documents == DOCUMENTS) == (status == "succeeded"), f"{when}: batch {pk} is {status} with {documents} documents"


def test_killing_the_worker_at_random_moments_leaves_no_partial_batch(tmp_path: Path, kill_database: str) -> None:
    seed = int(os.environ.get("KILL_SEED", random.SystemRandom().randrange(1_000_000)))
    print(f"KILL_SEED={seed}")
    rng = random.Random(seed)
    env = _env(tmp_path, kill_database)
    subprocess.run([BIN, "migrate", "-v0"], env=env, check=True, timeout=300)
    subprocess.run([BIN, "shell", "--no-imports", "-c", SETUP], env=env, check=True, timeout=60)
    for n in range(BATCHES):
        _write_batch(tmp_path, n)
    queued = subprocess.run(
        [BIN, "shell", "--no-imports", "-c", ENQUEUE.format(folder=str(tmp_path))],
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    batches = {int(pk): stem for pk, stem in (line.split() for line in queued.stdout.split("\n") if line.strip())}
    assert len(batches) == BATCHES

    # One batch run to the end measures how long a worker lives: the kills fall anywhere within it.
    started = time.monotonic()
    worker = _worker(env)
    assert worker.wait(300) == 0
    lifetime = time.monotonic() - started
    _assert_all_or_nothing(_state(kill_database, batches), "after the measured run")

    kills = 0
    for round_no in range(BATCHES - 1):
        worker = _worker(env)
        time.sleep(rng.uniform(0, lifetime))
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            kills += 1
        worker.wait(60)
        _assert_all_or_nothing(_state(kill_database, batches), f"after round {round_no + 1}, kill {kills} (seed {seed})")
        if kills == KILLS:
            break
    assert kills == KILLS, f"only {kills} kills came while the worker was alive (seed {seed})"

    reaped = subprocess.run([BIN, "shell", "--no-imports", "-c", REAP], env=env, check=True, timeout=120, capture_output=True, text=True)
    assert "validating" not in reaped.stdout, reaped.stdout
    assert "running" not in reaped.stdout, reaped.stdout
    drain = subprocess.run([BIN, "db-worker", "--batch", "--no-startup-delay"], env=env, timeout=600, capture_output=True)
    assert drain.returncode == 0, drain.stderr
    final = _state(kill_database, batches)
    _assert_all_or_nothing(final, "at the end")
    assert {status for status, _, _ in final.values()} <= {"succeeded", "failed"}
    books = subprocess.run([BIN, "check-books"], env=env, capture_output=True, text=True, timeout=300)
    assert books.returncode == 0, books.stderr
