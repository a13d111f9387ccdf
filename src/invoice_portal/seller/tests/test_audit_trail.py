"""The audit trail in words: document numbers instead of database ids, read in a fixed number of queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoice_portal.payments.services import payment_allocate, payment_refund
from invoice_portal.seller.tests.conftest import World
from invoice_portal.testing import make_invoice, pay


def test_a_payments_trail_names_the_invoices_it_allocated_to(world: World, client) -> None:
    first = make_invoice(company=world.p.acme, amount="1000.00")
    second = make_invoice(company=world.p.acme, amount="250.00")
    payment = pay(company=world.p.acme, invoices=[(first, "1000.00")], amount="1500.00")
    payment_allocate(actor=world.p.finance, payment=payment, allocations=[(second, "250.00")])
    client.force_login(world.p.finance)
    html = client.get(reverse("seller:payment_detail", args=[payment.pk])).content.decode()
    assert f"allocated $1,000.00 to {first.number}" in html
    assert f"allocated $250.00 to {second.number}" in html
    assert f"{first.pk}=1000.00" not in html


def test_a_refund_says_which_invoice_it_released(world: World, client) -> None:
    invoice = make_invoice(company=world.p.acme, amount="100.00")
    payment = pay(company=world.p.acme, invoices=[(invoice, "100.00")], amount="100.00")
    payment_refund(actor=world.p.finance, payment=payment, amount="40.00", reason="damaged")
    client.force_login(world.p.finance)
    html = client.get(reverse("seller:payment_detail", args=[payment.pk])).content.decode()
    assert f"released $40.00 from {invoice.number}" in html


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_a_longer_trail_costs_no_more_queries(world: World, client) -> None:
    payment = pay(company=world.p.acme, invoices=[], amount="5000.00")
    client.force_login(world.p.finance)
    url = reverse("seller:payment_detail", args=[payment.pk])
    payment_allocate(actor=world.p.finance, payment=payment, allocations=[(make_invoice(company=world.p.acme), "10.00")])
    short = _queries(client, url)
    for _ in range(5):
        payment_allocate(actor=world.p.finance, payment=payment, allocations=[(make_invoice(company=world.p.acme), "10.00")])
    assert _queries(client, url) == short
