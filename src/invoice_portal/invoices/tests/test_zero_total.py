"""A zero-total invoice (a free replacement, a 100 % discount): settled when issued, with no money, never "paid".

The decision is in docs/domain.md ("A zero-total document"): stored as settled (``paid``: no balance, no
reminders, nothing to pay online), read everywhere as "Nothing to pay", and no "invoice paid" event.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from invoice_portal.audit.models import AuditEvent
from invoice_portal.events.models import Event
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.line_statuses import line_statuses_customer_paid, line_statuses_sync
from invoice_portal.invoices.models import Status
from invoice_portal.payments.checkout import payable_invoices
from invoice_portal.testing import line, make_invoice

pytestmark = pytest.mark.django_db

FREE = [line(description="Replacement part, no charge", unit_price="0.00")]


def test_an_issued_zero_total_invoice_is_settled_and_reads_nothing_to_pay(personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=FREE)
    assert (invoice.total, invoice.balance, invoice.status) == (Decimal("0"), Decimal("0"), Status.PAID)
    assert invoice.nothing_to_pay
    assert invoice.status_label == "Nothing to pay"
    assert invoice.status_colour == "grey"
    assert check_books() == []


def test_a_paid_invoice_still_reads_paid(personas) -> None:
    invoice = make_invoice(company=personas.acme, status="paid")
    assert not invoice.nothing_to_pay
    assert invoice.status_label == "Paid"


def test_issuing_a_zero_total_invoice_is_no_payment_event(personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=FREE)
    assert not AuditEvent.objects.filter(object_id=str(invoice.pk), object_type="invoices.invoice", action="invoice.paid").exists()
    assert list(Event.objects.filter(object_id=str(invoice.pk)).values_list("type", flat=True)) == ["invoice.issued"]


def test_a_zero_total_invoice_is_not_offered_for_payment(personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=FREE)
    assert not payable_invoices(personas.bob).filter(pk=invoice.pk).exists()


def test_the_seller_and_the_buyer_read_nothing_to_pay_not_paid(personas, client) -> None:
    invoice = make_invoice(company=personas.acme, lines=FREE)
    client.force_login(personas.finance)
    seller = client.get(reverse("seller:invoice_detail", args=[invoice.pk])).content.decode()
    heading = seller[seller.index("<h1>") : seller.index("</h1>")]
    assert "Nothing to pay" in heading
    assert ">Paid<" not in heading
    assert "sum it up: <strong>Nothing to pay</strong>" in seller
    client.force_login(personas.bob)
    portal = client.get(reverse("portal:invoice_detail", args=[invoice.pk])).content.decode()
    heading = portal[portal.index("<h1>") : portal.index("</h1>")]
    assert 'badge-grey">Nothing to pay</span>' in heading


def test_the_lines_of_a_zero_total_invoice_stay_new_on_both_sides(personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=[*FREE, line(description="Setup", unit_price="0.00")])
    assert [(ln.customer_status, ln.enterprise_status) for ln in invoice.lines.order_by("line_no")] == [("new", "new")] * 2
    line_statuses_customer_paid(claims=[(invoice.pk, Decimal("0"))])
    line_statuses_sync(invoice)
    assert [(ln.customer_status, ln.enterprise_status) for ln in invoice.lines.order_by("line_no")] == [("new", "new")] * 2
    assert invoice.status_label == "Nothing to pay"


def test_the_seller_page_shows_no_line_of_a_zero_total_invoice_as_paid(personas, client) -> None:
    invoice = make_invoice(company=personas.acme, lines=FREE)
    client.force_login(personas.finance)
    seller = client.get(reverse("seller:invoice_detail", args=[invoice.pk])).content.decode()
    assert 'badge-green">Payment received<' not in seller
    assert 'badge-green">Paid<' not in seller
    assert "sum it up: <strong>Nothing to pay</strong>" in seller
