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
from invoice_portal.invoices.models import Direction, Invoice

WARMUP = 3


def _queries(companies: int) -> dict[str, Callable[[int], str]]:
    rng = random.Random(11)
    today = timezone.localdate()
    prefixes = number_prefixes(64, seed=11)
    return {
        "status_open": lambda i: "status=open",
        "customer_external_id": lambda i: f"customer=EXT-{rng.randint(1, companies):06d}",
        "number_prefix": lambda i: f"number={prefixes[i % len(prefixes)]}",
        "overdue": lambda i: "overdue=yes&sort=due_date",
        "issued_range_and_source": lambda i: (
            f"issued_from={today - dt.timedelta(days=60 + i)}&issued_to={today - dt.timedelta(days=30 + i)}&source=erp"
        ),
    }


def number_prefixes(n: int, *, seed: int) -> list[str]:
    """Prefixes of ``n`` numbers drawn at random from the issued documents, less their last three digits.

    Each matches up to a thousand documents at every scale: a prefix made up independently of the data
    (INV-2024-0012…) matches a thousand at 1M but nothing at 10k, where the page then renders no row at all
    and 10k against 1M compares an empty page with a full one.
    """
    rng = random.Random(seed)
    issued = Invoice.objects.filter(direction=Direction.ISSUED, number__isnull=False)
    top = issued.order_by("-pk").values_list("pk", flat=True).first() or 0
    prefixes = []
    for _ in range(n):
        number = issued.filter(pk__gte=rng.randint(1, top)).order_by("pk").values_list("number", flat=True).first()
        if number:
            prefixes.append(number[:-3])
    return prefixes or ["INV-"]


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
    if buyers:
        # A buyer logs in once and then browses: each request is timed with its buyer's session already in
        # place (logging in inside the timed call would add a session write that no page view makes).
        drawn = [rng.choice(buyers) for _ in range(runs + WARMUP)]
        portals = {}
        for pk in set(drawn):
            portals[pk] = Client()
            # One server for every buyer, as in production: a fresh test Client builds its own handler and loads the
            # middleware on its first request (WhiteNoise scans every static file: tens of ms), once per process.
            portals[pk].handler = seller.handler
            portals[pk].force_login(User.objects.get(pk=pk))
        sequence = iter(drawn)

        def portal_list(i: int) -> None:
            _check(portals[next(sequence)], "/portal/invoices/")

        emit_latency("portal_invoice_list.buyer", time_calls(portal_list, runs, warmup=WARMUP))
