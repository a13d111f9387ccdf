"""`make load`: Locust (headless) against granian + PostgreSQL on 127.0.0.1, bounded in time, then check-books.

LOAD_DATABASE_URL (default a database `invoice_portal_load` on the local server), LOAD_USERS (default
24 simulated users), LOAD_SECONDS (default 60), LOAD_PORT (8798), LOAD_WORKERS (granian processes, 2).
Prints requests/s, p50/p95/p99 per endpoint and the error count, then the check-books violations.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-2026"  # noqa: S105 - a throwaway database on loopback


def _seed(out: Path) -> None:
    from invoice_portal.accounts.models import Role, User
    from invoice_portal.accounts.services import roles_ensure_builtin
    from invoice_portal.api.services import api_token_create
    from invoice_portal.companies.models import Company
    from invoice_portal.invoices.models import Invoice, Status
    from invoice_portal.invoices.services import invoice_create, invoice_issue

    roles_ensure_builtin()

    def user(email: str, role: str, company: Company | None = None) -> User:
        found = User.objects.filter(email=email).first()
        if found is None:
            found = User.objects.create_user(email, PASSWORD, role=Role.objects.get(code=role), company=company)
        return found

    buyers = []
    for n in range(1, 11):
        company, _ = Company.objects.get_or_create(
            external_id=f"LOAD-{n:03d}", defaults={"name": f"Load Customer {n}", "currency": "USD", "email": f"ap{n}@load.test"}
        )
        buyer = user(f"buyer{n}@load.test", "company_admin", company)
        open_ids = list(Invoice.objects.filter(company=company, status=Status.OPEN).values_list("pk", flat=True)[:20])
        while len(open_ids) < 20:
            lines = [{"description": "Seed", "quantity": "1", "unit_price": "100000.00"}]
            open_ids.append(invoice_issue(actor=None, invoice=invoice_create(actor=None, company=company, lines=lines)).pk)
        buyers.append({"email": buyer.email, "company": company.pk, "invoices": open_ids})
    _, finance_token = api_token_create(actor=None, user=user("finance@load.test", "finance"), name="load finance")
    _, api_token = api_token_create(actor=None, user=user("erp@load.test", "admin"), name="load erp")
    out.write_text(json.dumps({"buyers": buyers, "password": PASSWORD, "finance_token": finance_token, "api_token": api_token}))


def _report(stats_csv: Path, seconds: int) -> int:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    print(f"{'endpoint':<40} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    errors = 0
    for r in rows:
        name = "TOTAL" if r["Name"] == "Aggregated" else f"{r['Type']} {r['Name']}"
        errors += int(r["Failure Count"]) if r["Name"] != "Aggregated" else 0
        print(f"{name:<40} {r['Request Count']:>8} {r['Failure Count']:>6} {float(r['Requests/s']):>7.1f} "
              f"{r['50%']:>7} {r['95%']:>7} {r['99%']:>7}")  # fmt: skip
    return errors


def main() -> None:
    import psycopg

    from bench.__main__ import _ensure_database
    from bench.harness import conditions

    url = os.environ.get("LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/invoice_portal_load")
    host = url.split("@", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"make load runs only against a local PostgreSQL, not {host}")
    _ensure_database(url)
    os.environ.update({"DATABASE_URL": url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoice_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    out_dir = ROOT / "var" / "load"
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = out_dir / "seed.json"
    _seed(seed)
    from django.db import connection

    connection.close()
    psycopg.connect(url).close()

    port = os.environ.get("LOAD_PORT", "8798")
    users, seconds = os.environ.get("LOAD_USERS", "24"), int(os.environ.get("LOAD_SECONDS", "60"))
    workers = os.environ.get("LOAD_WORKERS", "2")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    server = subprocess.Popen(  # noqa: S603 - our own server binary, loopback only
        [str(bin_dir / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", port, "--workers", workers,
         "--log-level", "warning", "invoice_portal.wsgi:application"],
        env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        from bench.server import wait_for

        wait_for(int(port))
        before = conditions()
        subprocess.run(  # noqa: S603
            [str(bin_dir / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", users, "-r", users,
             "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(out_dir / "load"), "--only-summary",
             "--stop-timeout", "10", "--loglevel", "WARNING"],
            env={**env, "LOAD_SEED": str(seed)}, check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        after = conditions()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"# {users} users, {seconds} s, granian {workers} workers; load average {before['load_avg_1m']} -> "
          f"{after['load_avg_1m']}, CPU probe {before['cpu_probe_ms']} / {after['cpu_probe_ms']} ms, "
          f"commit probe {before['commit_probe_ms']} / {after['commit_probe_ms']} ms")  # fmt: skip
    errors = _report(out_dir / "load_stats.csv", seconds)
    from invoice_portal.invoices.books import check_books

    violations = check_books()
    for v in violations[:20]:
        print(f"check-books: {v}")
    print(f"errors: {errors}; check-books violations: {len(violations)}")
    sys.exit(1 if errors or violations else 0)


if __name__ == "__main__":
    main()
