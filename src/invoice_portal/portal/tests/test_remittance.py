"""Remittance advice: the buyer says what was sent offline; Finance confirms it into a payment (exactly once) or rejects it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import AllocationExceedsBalance, Conflict, CurrencyMismatch, InvalidAmount, NotFound, PermissionDenied
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.payments.selectors import company_position
from invoice_portal.portal.tests.conftest import Books
from invoice_portal.remittances.models import RemittanceAdvice, RemittanceStatus
from invoice_portal.remittances.selectors import remittances_to_review
from invoice_portal.remittances.services import remittance_confirm, remittance_reject, remittance_submit
from invoice_portal.testing import pay

pytestmark = pytest.mark.django_db

D = Decimal


def _fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def _submit(books: Books, **kwargs: Any) -> RemittanceAdvice:
    defaults: dict[str, Any] = {
        "actor": books.p.bob, "amount": "100.00", "method": "wire", "reference": "WIRE 4471", "paid_on": timezone.localdate(),
        "invoices_amounts": [(books.acme_erp, "70.00"), (books.bob_web, "20.00")],
    }  # fmt: skip
    return remittance_submit(**{**defaults, **kwargs})


def test_bob_tells_the_seller_about_a_wire_from_the_page(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    page = client.get("/portal/remittance/").content.decode()
    assert f'name="for_{books.acme_erp.pk}"' in page
    response = client.post(
        "/portal/remittance/",
        {"amount": "100.00", "method": "wire", "reference": "WIRE 4471", "paid_on": timezone.localdate().isoformat(),
         f"for_{books.acme_erp.pk}": "70.00", f"for_{books.bob_web.pk}": "20.00"},
    )  # fmt: skip
    assert response.status_code == 303
    advice = RemittanceAdvice.objects.get()
    assert (advice.status, advice.amount, advice.company, advice.submitted_by) == ("submitted", D("100.00"), books.p.acme, books.p.bob)
    assert {(line.invoice_id, line.amount) for line in advice.lines.all()} == {
        (books.acme_erp.pk, D("70.00")),
        (books.bob_web.pk, D("20.00")),
    }
    assert AuditEvent.objects.filter(action="remittance.submit", object_id=str(advice.pk)).exists()
    assert not Payment.objects.filter(reference="WIRE 4471").exists()  # nothing is paid until Finance confirms
    html = client.get("/portal/remittance/").content.decode()
    assert "WIRE 4471" in html
    assert "Submitted" in html


def test_a_remittance_with_an_amount_above_a_balance_is_a_form_error(books: Books, login: Any) -> None:
    response = login(books.p.bob).post(
        "/portal/remittance/",
        {"amount": "100.00", "method": "wire", "paid_on": timezone.localdate().isoformat(), f"for_{books.acme_erp.pk}": "70.01"},
    )
    assert response.status_code == 200
    assert "more than the 70.00 USD still due" in response.content.decode()
    assert not RemittanceAdvice.objects.exists()


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"amount": "80.00"}, InvalidAmount, "more than the 80.00 sent"),
        ({"invoices_amounts": [("{acme_erp}", "70.01")]}, AllocationExceedsBalance, "still due"),
        ({"invoices_amounts": [("{globex}", "1.00")]}, NotFound, "was not found"),
        ({"invoices_amounts": [("{west}", "1.00")]}, NotFound, "was not found"),
        ({"invoices_amounts": [("{acme_paid}", "1.00")]}, Conflict, "nothing is due"),
        ({"paid_on": "tomorrow"}, Exception, "cannot be in the future"),
        ({"method": "card"}, Exception, "method"),
        ({"currency": "EUR"}, CurrencyMismatch, "one currency"),
    ],
)
def test_a_wrong_remittance_is_refused_and_nothing_is_written(
    books: Books, changes: dict[str, Any], error: type[Exception], match: str
) -> None:
    names = {"acme_erp": books.acme_erp.pk, "globex": books.globex.pk, "west": books.west.pk, "acme_paid": books.acme_paid.pk}
    if "invoices_amounts" in changes:
        changes = {"invoices_amounts": [(pk.format(**names), amount) for pk, amount in changes["invoices_amounts"]]}
    if changes.get("paid_on") == "tomorrow":
        changes = {"paid_on": timezone.localdate() + dt.timedelta(days=1)}
    with pytest.raises(error, match=match):
        _submit(books, **changes)
    assert not RemittanceAdvice.objects.exists()


def test_finance_confirms_a_remittance_into_a_payment_with_its_allocations(books: Books) -> None:
    advice = _submit(books)
    credit_before = company_position(books.p.acme.pk, "USD").credit
    assert list(remittances_to_review()) == [advice]
    payment = remittance_confirm(actor=books.p.finance, remittance=advice)
    assert (payment.amount, payment.method, payment.reference, payment.company) == (D("100.00"), "wire", "WIRE 4471", books.p.acme)
    assert payment.received_on == advice.paid_on
    allocations = {(a.invoice_id, a.amount) for a in Allocation.objects.filter(payment=payment)}
    assert allocations == {(books.acme_erp.pk, D("70.00")), (books.bob_web.pk, D("20.00"))}
    assert _fresh(books.acme_erp).status == Status.PAID
    assert _fresh(books.bob_web).balance == D("30.00")
    assert company_position(books.p.acme.pk, "USD").credit == credit_before + D("10.00")  # what the lines did not take
    advice.refresh_from_db()
    assert (advice.status, advice.payment, advice.reviewed_by) == (RemittanceStatus.CONFIRMED, payment, books.p.finance)
    assert AuditEvent.objects.filter(action="remittance.confirm", object_id=str(advice.pk)).exists()
    assert list(remittances_to_review()) == []
    assert check_books() == []


def test_a_remittance_is_confirmed_only_once(books: Books) -> None:
    advice = _submit(books)
    remittance_confirm(actor=books.p.finance, remittance=advice)
    with pytest.raises(Conflict, match="already confirmed"):
        remittance_confirm(actor=books.p.finance, remittance=advice.pk)
    assert Payment.objects.filter(reference="WIRE 4471").count() == 1


def test_an_invoice_paid_meanwhile_takes_only_what_is_left_and_the_rest_is_credit(books: Books) -> None:
    advice = _submit(books)
    pay(company=books.p.acme, invoices=[(books.acme_erp, "60.00")])  # paid by another way before Finance confirms
    payment = remittance_confirm(actor=books.p.finance, remittance=advice)
    assert Allocation.objects.get(payment=payment, invoice=books.acme_erp).amount == D("10.00")
    assert payment.unallocated == D("100.00") - D("10.00") - D("20.00")
    assert check_books() == []


def test_only_seller_staff_who_record_payments_confirm_or_reject(books: Books) -> None:
    advice = _submit(books)
    for actor in (books.p.sales, books.p.bob, books.p.carol, None):
        with pytest.raises(PermissionDenied):
            remittance_confirm(actor=actor, remittance=advice)
        with pytest.raises(PermissionDenied):
            remittance_reject(actor=actor, remittance=advice, comment="no")
    advice.refresh_from_db()
    assert advice.status == RemittanceStatus.SUBMITTED


def test_finance_rejects_a_remittance_with_a_comment_the_buyer_reads(books: Books, login: Any) -> None:
    advice = _submit(books)
    with pytest.raises(Exception, match="comment"):
        remittance_reject(actor=books.p.finance, remittance=advice, comment=" ")
    remittance_reject(actor=books.p.finance, remittance=advice, comment="No wire 4471 reached our account")
    advice.refresh_from_db()
    assert advice.status == RemittanceStatus.REJECTED
    assert advice.payment is None
    with pytest.raises(Conflict):
        remittance_confirm(actor=books.p.finance, remittance=advice)
    html = login(books.p.bob).get("/portal/remittance/").content.decode()
    assert "Rejected" in html
    assert "No wire 4471 reached our account" in html


def test_a_buyer_sees_only_her_own_remittances_and_never_another_companys(books: Books, login: Any) -> None:
    _submit(books)
    mine = remittance_submit(
        actor=books.p.alice, amount="5.00", method="check", reference="CHK-ALICE", paid_on=timezone.localdate(),
        invoices_amounts=[(books.alice_web, "5.00")],
    )  # fmt: skip
    alice = login(books.p.alice).get("/portal/remittance/").content.decode()
    assert "CHK-ALICE" in alice
    assert "WIRE 4471" not in alice
    assert "WIRE 4471" not in login(books.p.charlie).get("/portal/remittance/").content.decode()
    assert "CHK-ALICE" in login(books.p.bob).get("/portal/remittance/").content.decode()
    assert mine.company == books.p.acme


def test_a_remittance_without_invoices_becomes_credit_on_account(books: Books) -> None:
    advice = _submit(books, invoices_amounts=[], amount="12.00")
    payment = remittance_confirm(actor=books.p.finance, remittance=advice)
    assert payment.unallocated == D("12.00")


def test_a_parent_companys_remittance_may_pay_a_subsidiarys_invoice(books: Books) -> None:
    advice = remittance_submit(
        actor=books.p.carol, amount="70.00", method="check", reference="CHK-TREE", paid_on=timezone.localdate(),
        invoices_amounts=[(books.west_erp, "70.00")],
    )  # fmt: skip
    remittance_confirm(actor=books.p.finance, remittance=advice)
    assert _fresh(books.west_erp).status == Status.PAID
