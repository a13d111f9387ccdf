"""Payments to suppliers in the AP app: record one with allocations, errors beside the row, allocate what is on account."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, ReceivedStatus, Status
from invoice_portal.payables.models import SupplierPayment
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.testing import make_user

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _accepted(ap: ApPersonas, number: str) -> Invoice:
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.clerk, number=number)
    assert invoice.ap_status == ReceivedStatus.ACCEPTED
    return invoice


def test_the_clerk_records_a_payment_with_allocations_and_allocates_the_rest_later(ap: ApPersonas) -> None:
    first, second = _accepted(ap, "NW-10"), _accepted(ap, "NW-11")
    clerk = _client(ap.clerk)
    url = reverse("ap:ap_payment_new")
    chooser = clerk.get(url).content.decode()
    assert "Northwind Traders" in chooser
    form = clerk.get(url, {"supplier": ap.northwind.pk}).content.decode()
    assert "NW-10" in form and "NW-11" in form  # noqa: PT018
    amount = first.total + Decimal("30")
    reply = clerk.post(url, {"supplier": ap.northwind.pk, "amount": f"{amount}", "method": "wire", "reference": "TRF-77",
                             f"pay_{first.pk}": f"{first.total}", f"pay_{second.pk}": ""})  # fmt: skip
    assert reply.status_code == 302
    payment = SupplierPayment.objects.get()
    assert reply["Location"] == reverse("ap:ap_payment_detail", args=[payment.pk])
    first.refresh_from_db()
    assert first.status == Status.PAID
    detail = clerk.get(reply["Location"]).content.decode()
    assert "TRF-77" in detail
    assert "Allocate the $30.00 on account" in detail
    reply = clerk.post(reverse("ap:ap_payment_allocate", args=[payment.pk]), {f"pay_{second.pk}": "30"})
    assert reply.status_code == 302
    second.refresh_from_db()
    assert second.allocated_total == Decimal("30")
    assert "TRF-77" in clerk.get(reverse("ap:ap_payments")).content.decode()
    assert check_books() == []


def test_too_much_on_an_invoice_is_an_error_beside_its_row_and_nothing_is_recorded(ap: ApPersonas) -> None:
    invoice = _accepted(ap, "NW-12")
    reply = _client(ap.clerk).post(reverse("ap:ap_payment_new"), {
        "supplier": ap.northwind.pk, "amount": "100000", "method": "wire", f"pay_{invoice.pk}": f"{invoice.total + 1}",
    })  # fmt: skip
    assert reply.status_code == 422
    page = reply.content.decode()
    assert "still due on NW-12" in page
    assert 'class="has-error"' in page
    reply = _client(ap.clerk).post(reverse("ap:ap_payment_new"), {"supplier": ap.northwind.pk, "amount": "10", "method": "wire",
                                                                   f"pay_{invoice.pk}": "ten"})  # fmt: skip
    assert reply.status_code == 422
    assert "has-error" in reply.content.decode()
    reply = _client(ap.clerk).post(reverse("ap:ap_payment_new"), {"supplier": ap.northwind.pk, "amount": "", "method": "wire"})
    assert reply.status_code == 422
    assert not SupplierPayment.objects.exists()


def test_an_approver_sees_payments_but_may_not_record_or_allocate(ap: ApPersonas) -> None:
    invoice = _accepted(ap, "NW-13")
    approver = _client(ap.approver)
    assert approver.get(reverse("ap:ap_payments")).status_code == 200
    assert approver.post(reverse("ap:ap_payment_new"), {"supplier": ap.northwind.pk, "amount": "1", "method": "wire"}).status_code == 403
    from invoice_portal.payables.services.supplier_payments import supplier_payment_record

    payment = supplier_payment_record(actor=ap.clerk, supplier=ap.northwind, amount="5", method="wire")
    assert approver.post(reverse("ap:ap_payment_allocate", args=[payment.pk]), {f"pay_{invoice.pk}": "5"}).status_code == 403
    assert _client(make_user(role="sales")).get(reverse("ap:ap_payments")).status_code == 403
