"""A buyer pays through the built-in test gateway, end to end: start, hosted page, webhook, invoices settled."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from invoice_portal.core.errors import AllocationExceedsBalance, InvalidTransition, NotFound, RefundExceedsPayment
from invoice_portal.integrations.checkout import checkout_start, payment_refund_through_gateway
from invoice_portal.integrations.gateways.base import GatewayError, GatewayNotConfigured
from invoice_portal.integrations.models import EventOutcome, GatewayEvent
from invoice_portal.integrations.testgateway import provider
from invoice_portal.integrations.testgateway.models import SessionStatus, SimulatedSession, SimulatedWebhook
from invoice_portal.integrations.tests.factories import RETURN_URL, fresh, session_of, start
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Status
from invoice_portal.invoices.selectors import invoice_summary_status
from invoice_portal.payments.checkout import checkout_for, gateway_refund_record, reserved_amounts
from invoice_portal.payments.models import Checkout, CheckoutStatus, Payment, PaymentStatus
from invoice_portal.payments.selectors import allocations_to, company_position
from invoice_portal.testing import make_invoice, make_order, pay

pytestmark = pytest.mark.django_db

D = Decimal


def choose(redirect_url: str, outcome: str, **options: str) -> tuple[Client, Any]:
    """The buyer's browser on the hosted page: GET it (CSRF cookie and token), then press a button."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(redirect_url)
    assert page.status_code == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token is not None
    response = browser.post(redirect_url, {"csrfmiddlewaretoken": token.group(1).decode(), "outcome": outcome, **options})
    return browser, response


def test_alice_pays_sixty_percent_of_one_invoice_and_all_of_another(personas):
    order = make_order(company=personas.acme, placed_by=personas.alice)
    a = make_invoice(company=personas.acme, amount="100.00", order=order)
    b = make_invoice(company=personas.acme, amount="250.00", order=make_order(company=personas.acme, placed_by=personas.alice))
    started = start(personas.alice, [(a, "60.00"), (b, "250.00")])
    checkout = started.checkout
    assert started.redirect_url == f"/integrations/testgateway/checkout/{checkout.provider_reference}/"
    assert checkout.status == CheckoutStatus.PENDING

    _, response = choose(started.redirect_url, "succeed")
    assert response.status_code == 303
    assert response["Location"] == f"{RETURN_URL}?checkout={checkout.pk}"

    a, b = fresh(a), fresh(b)
    assert (a.status, a.balance, invoice_summary_status(a)) == (
        Status.PARTIALLY_PAID,
        D("40.00"),
        "New",
    )  # its one line is not paid yet (table 5)
    assert (b.status, b.balance, invoice_summary_status(b)) == (Status.PAID, D("0"), "Paid")
    payment = Payment.objects.get(checkout__pk=checkout.pk)
    assert [row.payment for row in allocations_to(a)] == [payment]
    assert [row.payment for row in allocations_to(b)] == [payment]
    assert (payment.status, payment.gateway, payment.gateway_reference) == ("succeeded", "test", session_of(checkout).payment_id)
    seen = checkout_for(actor=personas.alice, checkout_id=checkout.pk)
    assert seen.status == CheckoutStatus.SUCCEEDED
    # The test gateway sends two success events, as Stripe does: the second changes nothing.
    assert sorted(GatewayEvent.objects.values_list("event_type", "outcome")) == [
        ("checkout.completed", EventOutcome.PROCESSED), ("payment.succeeded", EventOutcome.NO_CHANGE),
    ]  # fmt: skip
    assert check_books() == []


def test_the_hosted_page_shows_the_amount_and_needs_its_csrf_token(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "60.00")])
    page = Client().get(started.redirect_url)
    html = page.content.decode()
    assert "USD" in html
    assert "60.00" in html
    assert "Succeed" in html
    assert "Fail" in html
    assert "Cancel" in html
    assert "<script" not in html
    assert "style=" not in html
    assert "://" not in html
    forged = Client(enforce_csrf_checks=True).post(started.redirect_url, {"outcome": "succeed"})
    assert forged.status_code == 403
    assert fresh(a).status == Status.OPEN
    assert Client().get("/integrations/testgateway/checkout/tgcs_nope/").status_code == 404


def test_a_second_tab_cannot_pay_beyond_the_balance_while_the_first_is_pending(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="50.00")
    first = start(personas.bob, [(a, "100.00"), (b, "50.00")])
    with pytest.raises(AllocationExceedsBalance):
        start(personas.bob, [(a, "100.00"), (b, "50.00")])
    with pytest.raises(AllocationExceedsBalance):
        start(personas.carol, [(b, "0.01")])
    choose(first.redirect_url, "succeed")
    assert [fresh(a).status, fresh(b).status] == [Status.PAID, Status.PAID]
    assert check_books() == []


@pytest.mark.parametrize(("outcome", "status", "payment_status"), [("fail", "failed", "failed"), ("cancel", "canceled", "canceled")])
def test_a_failed_or_canceled_payment_releases_the_invoices(personas, outcome, status, payment_status):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    _, response = choose(started.redirect_url, outcome)
    assert response.status_code == 303
    checkout = Checkout.objects.get(pk=started.checkout.pk)
    assert checkout.status == status
    assert Payment.objects.get(checkout__pk=checkout.pk).status == payment_status
    assert reserved_amounts([a.pk]) == {}
    assert start(personas.bob, [(a, "100.00")]).checkout.amount == D("100.00")
    # The provider's page takes one choice per session.
    page = Client().get(started.redirect_url)
    assert b"Succeed" not in page.content
    assert status.encode() in page.content.lower()


def test_held_webhooks_leave_the_checkout_pending_until_delivered_later(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    choose(started.redirect_url, "succeed", hold="on")
    assert Checkout.objects.get(pk=started.checkout.pk).status == CheckoutStatus.PENDING
    assert fresh(a).status == Status.OPEN
    out = StringIO()
    call_command("testgateway", "list", stdout=out)
    assert out.getvalue().count("held") == 2
    call_command("testgateway", "deliver", stdout=out)
    assert fresh(a).status == Status.PAID
    assert not SimulatedWebhook.objects.filter(held=True).exists()
    call_command("testgateway", "deliver", stdout=(out := StringIO()))
    assert "Nothing held" in out.getvalue()


def test_duplicate_deliveries_allocate_once(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "60.00")])
    choose(started.redirect_url, "succeed", twice="on")
    assert fresh(a).allocated_total == D("60.00")
    assert sorted(GatewayEvent.objects.values_list("deliveries", flat=True)) == [2, 2]
    call_command("testgateway", "deliver", *SimulatedWebhook.objects.values_list("event_id", flat=True), "--twice", stdout=StringIO())
    assert fresh(a).allocated_total == D("60.00")
    assert sorted(GatewayEvent.objects.values_list("deliveries", flat=True)) == [4, 4]
    assert check_books() == []


def test_reversed_deliveries_settle_the_same(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    choose(started.redirect_url, "succeed", reverse="on")
    assert fresh(a).status == Status.PAID
    assert dict(GatewayEvent.objects.values_list("event_type", "outcome")) == {
        "payment.succeeded": EventOutcome.PROCESSED, "checkout.completed": EventOutcome.NO_CHANGE,
    }  # fmt: skip


def test_a_success_emitted_after_a_cancel_still_records_the_money_as_credit_where_nothing_is_due(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    abandoned = start(personas.bob, [(a, "100.00")])
    choose(abandoned.redirect_url, "cancel")
    paid = start(personas.bob, [(a, "100.00")])
    choose(paid.redirect_url, "succeed")
    session = session_of(abandoned.checkout)
    call_command("testgateway", "emit", session.id, "checkout.completed", "--now", stdout=StringIO())
    late = Checkout.objects.get(pk=abandoned.checkout.pk)
    assert late.status == CheckoutStatus.SUCCEEDED
    assert Payment.objects.get(checkout__pk=late.pk).unallocated == D("100.00")
    assert fresh(a).allocated_total == D("100.00")
    assert company_position(personas.acme.pk, "USD").unallocated_payments == D("100.00")
    assert check_books() == []


def test_a_late_success_after_the_invoice_was_paid_offline_becomes_credit(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    choose(started.redirect_url, "succeed", hold="on")
    pay(company=personas.acme, invoices=[(a, "100.00")], reference="Wire 77")
    call_command("testgateway", "deliver", stdout=StringIO())
    payment = Payment.objects.get(checkout__pk=started.checkout.pk)
    assert (payment.status, payment.allocated_total, payment.unallocated) == ("succeeded", D("0"), D("100.00"))
    assert fresh(a).allocated_total == D("100.00")
    assert check_books() == []


def test_charlie_cannot_start_a_checkout_for_an_acme_invoice(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    with pytest.raises(NotFound):
        start(personas.charlie, [(a, "10.00")])
    assert not Checkout.objects.exists()
    assert not SimulatedSession.objects.exists()


def test_credit_covering_the_whole_amount_returns_straight_to_the_return_page(personas):
    a = make_invoice(company=personas.acme, amount="40.00")
    pay(company=personas.acme, invoices=[], amount="40.00")
    started = checkout_start(
        actor=personas.bob, invoices_amounts={a.pk: "40.00"}, apply_credit="40.00", return_url="/portal/pay/return/?tab=all"
    )
    assert started.redirect_url == f"/portal/pay/return/?tab=all&checkout={started.checkout.pk}"
    assert started.checkout.status == CheckoutStatus.SUCCEEDED
    assert fresh(a).status == Status.PAID
    assert not SimulatedSession.objects.exists()


def test_a_gateway_that_cannot_start_marks_the_checkout_failed_and_frees_the_invoices(personas, settings):
    a = make_invoice(company=personas.acme, amount="100.00")
    settings.TEST_GATEWAY_ENABLED = False
    with pytest.raises(GatewayNotConfigured) as caught:
        start(personas.bob, [(a, "100.00")])
    assert caught.value.retryable is False
    checkout = Checkout.objects.get()
    assert checkout.status == CheckoutStatus.FAILED
    assert Payment.objects.get(checkout__pk=checkout.pk).status == PaymentStatus.FAILED
    assert reserved_amounts([a.pk]) == {}
    settings.TEST_GATEWAY_ENABLED = True
    assert start(personas.bob, [(a, "100.00")]).checkout.status == CheckoutStatus.PENDING


def test_an_unknown_gateway_name_is_refused_before_anything_is_reserved(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    with pytest.raises(GatewayNotConfigured):
        start(personas.bob, [(a, "100.00")], gateway="paypal")
    assert not Checkout.objects.exists()


def test_an_expired_hosted_session_closes_and_tells_the_portal(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    SimulatedSession.objects.filter(pk=started.checkout.provider_reference).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = Client().get(started.redirect_url)
    assert b"expired" in page.content
    assert Checkout.objects.get(pk=started.checkout.pk).status == CheckoutStatus.EXPIRED


def test_the_expire_command_ends_stale_checkouts(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    Checkout.objects.filter(pk=started.checkout.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    out = StringIO()
    call_command("expire_checkouts", stdout=out)
    assert "1 checkout(s) expired" in out.getvalue()
    assert Checkout.objects.get(pk=started.checkout.pk).status == CheckoutStatus.EXPIRED


# --- refunds through the gateway ---------------------------------------------------------------------------


def test_a_refund_through_the_test_gateway_is_recorded_once_and_its_webhook_then_changes_nothing(
    personas, django_capture_on_commit_callbacks
):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    choose(started.redirect_url, "succeed")
    payment = Payment.objects.get(checkout__pk=started.checkout.pk)
    with django_capture_on_commit_callbacks(execute=True):  # the provider's webhook follows the API call
        payment = payment_refund_through_gateway(actor=personas.finance, payment=payment, amount="25.00", reason="Damaged box")
    assert (payment.refunded_amount, payment.status) == (D("25.00"), PaymentStatus.PARTIALLY_REFUNDED)
    (refund,) = payment.refunds.all()
    assert (refund.created_by, refund.reason) == (personas.finance, "Damaged box")
    assert fresh(a).balance == D("25.00")
    assert GatewayEvent.objects.get(event_type="refund.succeeded").outcome == EventOutcome.NO_CHANGE
    assert SimulatedSession.objects.get(payment_id=payment.gateway_reference).refunded == D("25.00")
    assert check_books() == []


def test_a_refund_whose_webhook_overtakes_the_api_answer_is_recorded_once(personas, django_capture_on_commit_callbacks):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    choose(started.redirect_url, "succeed")
    payment = Payment.objects.get(checkout__pk=started.checkout.pk)
    with django_capture_on_commit_callbacks(execute=True):
        refund_id = provider.refund_create(payment_id=payment.gateway_reference, amount=D("40.00"), currency="USD")
    assert GatewayEvent.objects.get(event_type="refund.succeeded").outcome == EventOutcome.PROCESSED
    assert not gateway_refund_record(actor=personas.finance, payment=payment, amount="40.00", refund_reference=refund_id)
    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.refunds.count()) == (D("40.00"), 1)
    assert check_books() == []


def test_a_refund_event_before_the_success_waits_and_then_applies(personas, django_capture_on_commit_callbacks):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    choose(started.redirect_url, "succeed", hold="on")
    session = session_of(started.checkout)
    with django_capture_on_commit_callbacks(execute=True):  # its webhook overtakes the held success
        provider.refund_create(payment_id=session.payment_id, amount=D("10.00"), currency="USD")
    deferred = GatewayEvent.objects.get(event_type="refund.succeeded")
    assert (deferred.outcome, deferred.processed_at) == (EventOutcome.DEFERRED, None)
    call_command("testgateway", "deliver", stdout=StringIO())
    deferred.refresh_from_db()
    assert deferred.outcome == EventOutcome.PROCESSED
    assert deferred.processed_at is not None
    payment = Payment.objects.get(checkout__pk=started.checkout.pk)
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.PARTIALLY_REFUNDED, D("10.00"))
    assert fresh(a).balance == D("10.00")
    assert check_books() == []


def test_the_test_gateway_refuses_refunds_beyond_what_it_took(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    started = start(personas.bob, [(a, "100.00")])
    choose(started.redirect_url, "succeed")
    payment = Payment.objects.get(checkout__pk=started.checkout.pk)
    with pytest.raises(RefundExceedsPayment):
        payment_refund_through_gateway(actor=personas.finance, payment=payment, amount="100.01")
    with pytest.raises(GatewayError) as caught:
        provider.refund_create(payment_id=payment.gateway_reference, amount=D("100.01"), currency="USD")
    assert caught.value.retryable is False
    offline = pay(company=personas.acme, invoices=[], amount="5.00")
    with pytest.raises(InvalidTransition):
        payment_refund_through_gateway(actor=personas.finance, payment=offline, amount="1.00")
    assert SimulatedSession.objects.get(payment_id=payment.gateway_reference).status == SessionStatus.SUCCEEDED
