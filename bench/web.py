"""Server time of the list pages and API at scale: seller dashboard, JSON API list, buyer portal list.

Requests go through the whole Django stack in-process (middleware, auth, views, templates), so the
figure is the server's time for the response, without a network in between.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from bench.harness import emit_latency, time_calls
from invoice_portal.accounts.models import Role, User
from invoice_portal.api.services import api_token_create


def _queries(companies: int) -> dict[str, Callable[[int], str]]:
    rng = random.Random(11)
    today = timezone.localdate()
    return {
        "status_open": lambda i: "status=open",
        "customer_external_id": lambda i: f"customer=EXT-{rng.randint(1, companies):06d}",
        "number_prefix": lambda i: f"number=INV-{2024 + i % 3}-00{rng.randint(10, 99)}",
        "overdue": lambda i: "overdue=yes&sort=due_date",
        "issued_range_and_source": lambda i: (
            f"issued_from={today - dt.timedelta(days=60 + i)}&issued_to={today - dt.timedelta(days=30 + i)}&source=erp"
        ),
    }


def bench_admin() -> User:
    """The bench's staff Admin (made once), whose session and API tokens the suites use."""
    user = User.objects.filter(email="bench-admin@bench.test").first()
    if user is None:
        user = User.objects.create_user("bench-admin@bench.test", None, role=Role.objects.get(code="admin"))
    return user


def _check(client: Client, url: str, **headers: str) -> None:
    response = client.get(url, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")


def run(companies: int, runs: int = 30) -> None:
    staff = bench_admin()
    seller = Client()
    seller.force_login(staff)
    _, token = api_token_create(actor=None, user=staff, name="bench")
    api = Client()
    for name, make in _queries(companies).items():

        def dashboard(i: int, make: Callable[[int], str] = make) -> None:
            _check(seller, f"/seller/invoices/?{make(i)}")

        emit_latency(f"seller_dashboard.{name}", time_calls(dashboard, runs))

        def api_list(i: int, make: Callable[[int], str] = make) -> None:
            _check(api, f"/api/v1/invoices?{make(i).replace('overdue=yes', 'overdue=true')}", Authorization=f"Bearer {token}")

        emit_latency(f"api_invoice_list.{name}", time_calls(api_list, runs))
    rng = random.Random(5)
    buyers = list(User.objects.filter(email__endswith="@bench.test", company__isnull=False).values_list("pk", flat=True)[:500])
    portal = Client()

    def portal_list(i: int) -> None:
        portal.force_login(User.objects.get(pk=rng.choice(buyers)))
        _check(portal, "/portal/invoices/")

    if buyers:
        emit_latency("portal_invoice_list.buyer", time_calls(portal_list, runs))
