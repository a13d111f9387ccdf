"""The `make load` traffic mix (Locust): buyers browsing, finance recording payments, API clients creating invoices.

Run by ``python -m bench.load``, which seeds the database and passes the seed in ``LOAD_SEED`` (a JSON
file: API tokens, buyer logins, each company's open invoices). Only loopback hosts are accepted.
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

SEED: dict[str, Any] = json.loads(open(os.environ["LOAD_SEED"], encoding="utf-8").read())  # noqa: SIM115
LINES = [
    {"description": "Hydraulic pump", "quantity": "2", "unit_price": "150.00", "tax_rate": "20"},
    {"description": "Seal kit", "quantity": "4", "unit_price": "12.50", "tax_rate": "20"},
    {"kind": "cost", "description": "Freight", "quantity": "1", "unit_price": "25.00", "tax_rate": "20"},
]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@events.test_start.add_listener
def _loopback_only(environment: Any, **_: Any) -> None:
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"make load only runs against a loopback address, not {host!r}")


class Buyer(HttpUser):
    """A buyer signs in to the portal, opens the invoice list (sometimes filtered) and invoices."""

    weight = 3
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        self.account = random.choice(SEED["buyers"])
        page = self.client.get("/login/", name="login (form)")
        token = _CSRF.search(page.text)
        self.client.post(
            "/login/", name="login (post)", allow_redirects=False,
            data={"username": self.account["email"], "password": SEED["password"],
                  "csrfmiddlewaretoken": token.group(1) if token else ""},
        )  # fmt: skip

    def _page(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code == 200 and "/login/" in r.url:
                r.failure("not signed in: answered with the login page")

    @task(3)
    def invoice_list(self) -> None:
        self._page("/portal/invoices/", "portal: invoice list")

    @task(1)
    def invoice_list_open(self) -> None:
        self._page("/portal/invoices/?status=open", "portal: invoice list ?status=open")

    @task(2)
    def invoice_detail(self) -> None:
        invoice = random.choice(self.account["invoices"])
        self._page(f"/portal/invoices/{invoice}/", "portal: invoice detail")


class Finance(HttpUser):
    """Finance records small payments against open invoices through the API (a race may refuse one: 409)."""

    weight = 1
    wait_time = between(0.2, 1.0)

    @task
    def record_payment(self) -> None:
        account = random.choice(SEED["buyers"])
        headers = {"Authorization": f"Bearer {SEED['finance_token']}"}
        body = {
            "company": account["company"], "amount": "1.00", "currency": "USD", "method": "wire",
            "allocations": [{"invoice": random.choice(account["invoices"]), "amount": "1.00"}],
        }  # fmt: skip
        with self.client.post("/api/v1/payments", json=body, headers=headers, name="api: record payment", catch_response=True) as r:
            if r.status_code == 201 or (r.status_code == 409 and "balance" in r.text):
                r.success()  # a refusal because another payment settled it first is the rule working


class ApiClient(HttpUser):
    """An ERP creates invoices with 3 lines and issues them in the same call."""

    weight = 2
    wait_time = between(0.1, 0.5)

    @task
    def create_and_issue(self) -> None:
        account = random.choice(SEED["buyers"])
        headers = {"Authorization": f"Bearer {SEED['api_token']}"}
        body = {"company": account["company"], "issue": True, "lines": LINES}
        self.client.post("/api/v1/invoices", json=body, headers=headers, name="api: create + issue invoice")
