"""Promises to pay in the seller app: the list by promised day with the kept/broken tally, its CSV, the customer page."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from invoice_portal.invoices.models import Invoice
from invoice_portal.remittances.services import promise_to_pay_create
from invoice_portal.seller.tests.conftest import World
from invoice_portal.testing import make_invoice, pay


def _promises(world: World) -> tuple[Invoice, Invoice]:
    today = timezone.localdate()
    kept = make_invoice(company=world.p.acme, amount="1000.00")
    upcoming = make_invoice(company=world.p.acme, amount="70.00")
    promise_to_pay_create(actor=world.p.bob, invoice=kept, date=today, amount="1000.00", note="Wire on Friday")
    promise_to_pay_create(actor=world.p.bob, invoice=upcoming, date=today + dt.timedelta(days=7), amount="70.00")
    pay(company=world.p.acme, invoices=[(kept, "1000.00")], amount="1000.00")
    return kept, upcoming


def test_finance_sees_promises_due_with_the_kept_and_broken_tally(world: World, client) -> None:
    kept, upcoming = _promises(world)
    client.force_login(world.p.finance)
    page = client.get(reverse("seller:promises"))
    html = page.content.decode()
    assert str(kept) in html
    assert str(upcoming) in html
    assert 'data-figure="promises-kept">1<' in html
    assert 'data-figure="promises-pending">1<' in html
    assert "$1,000.00" in html
    due_today = client.get(reverse("seller:promises") + "?due=today", headers={"HX-Request": "true"}).content.decode()
    assert str(kept) in due_today
    assert str(upcoming) not in due_today
    assert "<html" not in due_today
    only_pending = client.get(reverse("seller:promises") + "?status=pending").content.decode()
    assert str(upcoming) in only_pending
    assert f">{kept!s}<" not in only_pending


def test_the_promise_export_is_the_filtered_list(world: World, client) -> None:
    kept, _upcoming = _promises(world)
    client.force_login(world.p.finance)
    response = client.get(reverse("seller:promise_export") + "?status=kept")
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].lstrip("\ufeff").startswith("Promised day,Invoice,Customer")
    assert len(lines) == 2
    assert str(kept) in lines[1]
    assert "1000.00,1000.00,Kept" in lines[1]
    assert "Wire on Friday" in lines[1]


def test_the_customer_page_lists_its_promises(world: World, client) -> None:
    kept, upcoming = _promises(world)
    client.force_login(world.p.finance)
    html = client.get(reverse("seller:customer_detail", args=[world.p.acme.pk])).content.decode()
    assert "Promises to pay" in html
    assert str(kept) in html
    assert str(upcoming) in html
    other = client.get(reverse("seller:customer_detail", args=[world.p.globex.pk])).content.decode()
    assert str(kept) not in other.split("Promises to pay", 1)[1]
