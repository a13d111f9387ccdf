"""Remittance advice on the seller side: Finance confirms it into a payment or rejects it with a comment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from invoice_portal.audit.models import AuditEvent
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.remittances.models import RemittanceAdvice, RemittanceStatus
from invoice_portal.remittances.services import remittance_reject, remittance_submit
from invoice_portal.seller.tests.conftest import World

LIST = "/seller/remittances/"


def submit(world: World, **changes: Any) -> RemittanceAdvice:
    """Bob (accounts payable at ACME) says he wired 150 for two invoices; 20 of it is meant as credit."""
    arguments: dict[str, Any] = {
        "actor": world.p.bob, "amount": "150.00", "method": "wire", "reference": "WIRE 4471", "paid_on": timezone.localdate(),
        "invoices_amounts": [(world.open, "100.00"), (world.overdue, "30.00")],
    }  # fmt: skip
    return remittance_submit(**{**arguments, **changes})


def detail(advice: RemittanceAdvice) -> str:
    return reverse("seller:remittance_detail", args=[advice.pk])


def test_the_list_shows_submitted_advice_by_default_with_what_it_names(world: World, client) -> None:
    advice = submit(world)
    rejected = submit(world, reference="WIRE 9999", invoices_amounts=[])
    remittance_reject(actor=world.p.finance, remittance=rejected, comment="Not on our bank statement")
    client.force_login(world.p.finance)
    response = client.get(LIST)
    assert [r.pk for r in response.context["page"]] == [world.remittance.pk, advice.pk]  # oldest first: a queue
    assert response.context["counts"] == {"submitted": 2, "confirmed": 0, "rejected": 1}
    html = response.content.decode()
    for text in ("ACME Corp", "$150.00", "Wire transfer", "WIRE 4471", f"{world.open.number}: $100.00", f"{world.overdue.number}: $30.00"):
        assert text in html, text
    assert "bob@acme.test" in html
    assert 'data-figure="submitted">2<' in html
    assert "WIRE 9999" not in html
    assert [r.pk for r in client.get(LIST + "?status=rejected").context["page"]] == [rejected.pk]
    assert {r.pk for r in client.get(LIST + "?status=all").context["page"]} == {world.remittance.pk, advice.pk, rejected.pk}


def test_the_list_runs_the_same_queries_however_many_advices_and_lines(world: World, client) -> None:
    client.force_login(world.p.finance)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST + "?status=all")
    for _ in range(5):
        submit(world, amount="1.00", invoices_amounts=[(world.open, "0.50"), (world.overdue, "0.50")])
    with CaptureQueriesContext(connection) as many:
        client.get(LIST + "?status=all")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_finance_confirms_an_advice_into_a_payment_with_its_allocations(world: World, client) -> None:
    advice = submit(world)
    client.force_login(world.p.finance)
    page = client.get(detail(advice)).content.decode()
    assert "Confirm as payment" in page
    assert "Reject" in page
    response = client.post(reverse("seller:remittance_confirm", args=[advice.pk]), {"confirm-received_on": "", "confirm-comment": "Thanks"})
    assert response["Location"] == detail(advice)
    advice.refresh_from_db()
    assert advice.status == RemittanceStatus.CONFIRMED
    assert advice.reviewed_by == world.p.finance
    assert advice.payment is not None
    payment = advice.payment
    assert (payment.amount, payment.method, payment.reference, payment.company) == (Decimal("150.00"), "wire", "WIRE 4471", world.p.acme)
    assert payment.received_on == advice.paid_on
    allocations = {(a.invoice_id, a.amount) for a in Allocation.objects.filter(payment=payment)}
    assert allocations == {(world.open.pk, Decimal("100.00")), (world.overdue.pk, Decimal("30.00"))}
    page = client.get(detail(advice)).content.decode()
    assert reverse("seller:payment_detail", args=[payment.pk]) in page
    assert "$20.00 left as credit on account" in page  # the message after the redirect
    assert "Confirm as payment" not in page


def test_the_received_on_date_is_the_payments_date(world: World, client) -> None:
    advice = submit(world)
    client.force_login(world.p.finance)
    day = timezone.localdate().replace(day=1)
    client.post(reverse("seller:remittance_confirm", args=[advice.pk]), {"confirm-received_on": day.isoformat()})
    advice.refresh_from_db()
    assert advice.payment is not None
    assert advice.payment.received_on == day


def test_rejecting_without_a_comment_is_a_form_error_and_changes_nothing(world: World, client) -> None:
    advice = submit(world)
    client.force_login(world.p.finance)
    response = client.post(reverse("seller:remittance_reject", args=[advice.pk]), {"reject-comment": "  "})
    assert response.status_code == 200
    assert response.context["reject_form"].errors["comment"]
    advice.refresh_from_db()
    assert advice.status == RemittanceStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action="remittance.reject").exists()
    response = client.post(reverse("seller:remittance_reject", args=[advice.pk]), {"reject-comment": "No such wire arrived"})
    assert response.status_code == 302
    advice.refresh_from_db()
    assert (advice.status, advice.review_comment, advice.payment) == (RemittanceStatus.REJECTED, "No such wire arrived", None)
    assert not Payment.objects.filter(reference="WIRE 4471").exists()


def test_an_advice_already_reviewed_cannot_be_confirmed_and_the_page_says_why(world: World, client) -> None:
    advice = submit(world)
    remittance_reject(actor=world.p.finance, remittance=advice, comment="No")
    client.force_login(world.p.finance)
    response = client.post(reverse("seller:remittance_confirm", args=[advice.pk]), {})
    assert response.status_code == 200
    assert "already rejected" in response.content.decode()
    assert not Payment.objects.filter(reference="WIRE 4471").exists()


def test_sales_sees_the_advice_but_no_buttons_and_cannot_post(world: World, client) -> None:
    advice = submit(world)
    client.force_login(world.p.sales)
    page = client.get(detail(advice)).content.decode()
    assert "WIRE 4471" in page
    assert "Confirm as payment" not in page
    assert "remittance_reject" not in page
    assert reverse("seller:remittance_reject", args=[advice.pk]) not in page
    assert client.post(reverse("seller:remittance_confirm", args=[advice.pk]), {}).status_code == 403
    assert client.post(reverse("seller:remittance_reject", args=[advice.pk]), {"reject-comment": "x"}).status_code == 403
    advice.refresh_from_db()
    assert advice.status == RemittanceStatus.SUBMITTED


def test_an_unknown_advice_is_404(world: World, client) -> None:
    client.force_login(world.p.finance)
    assert client.get("/seller/remittances/999999/").status_code == 404
    assert client.post("/seller/remittances/999999/confirm", {}).status_code == 404
    assert client.post("/seller/remittances/999999/reject", {"reject-comment": "x"}).status_code == 404


def test_remittances_are_in_the_navigation_of_who_sees_payments(world: World, client) -> None:
    client.force_login(world.p.sales)
    nav = client.get(reverse("seller:home")).content.decode().split('aria-label="Seller"')[1].split("</nav>")[0]
    assert ">Remittances</a>" in nav
