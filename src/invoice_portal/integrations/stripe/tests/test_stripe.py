"""The Stripe adapter against a local fake Stripe: sessions, refunds, and webhooks signed the Stripe way."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from decimal import Decimal
from typing import Any

import pytest

from invoice_portal.core.errors import InvalidAmount
from invoice_portal.integrations.checkout import checkout_start, payment_refund_through_gateway
from invoice_portal.integrations.gateways.base import GatewayError
from invoice_portal.integrations.models import EventOutcome, GatewayEvent
from invoice_portal.integrations.stripe.tests.fake_stripe import FakeStripe
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.payments.checkout import reserved_amounts
from invoice_portal.payments.models import Checkout, CheckoutStatus, Payment, PaymentStatus
from invoice_portal.testing import make_invoice

pytestmark = pytest.mark.django_db

D = Decimal
SECRET = "whsec_suite_stripe"
URL = "/integrations/stripe/webhook/"
RETURN = "https://portal.example.test/portal/pay/return/"


@pytest.fixture
def fake_stripe(settings):
    fake = FakeStripe().start()
    settings.STRIPE_API_BASE = fake.url
    yield fake
    fake.stop()


def fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def stripe_signature(body: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    """Computed here from Stripe's documented scheme, not by the library under test."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def stripe_event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_{secrets.token_hex(8)}",
            "object": "event",
            "api_version": "2026-01-28.clover",
            "created": int(time.time()),
            "livemode": False,
            "type": event_type,
            "data": {"object": obj},
        }
    ).encode()


def post(client, body: bytes, *, signature: str | None = None) -> Any:
    header = stripe_signature(body) if signature is None else signature
    return client.post(URL, data=body, content_type="application/json", headers={"Stripe-Signature": header})


def session_object(checkout: Checkout, *, status: str = "paid", pi: str = "pi_test_1", amount: int | None = None) -> dict[str, Any]:
    return {
        "id": checkout.provider_reference, "object": "checkout.session", "payment_status": status, "status": "complete",
        "amount_total": int(checkout.amount * 100) if amount is None else amount, "currency": checkout.currency.lower(),
        "payment_intent": pi, "client_reference_id": str(checkout.pk), "metadata": {"checkout_id": str(checkout.pk)},
    }  # fmt: skip


def intent_object(checkout: Checkout, *, pi: str = "pi_test_1") -> dict[str, Any]:
    return {
        "id": pi, "object": "payment_intent", "status": "succeeded", "amount": int(checkout.amount * 100),
        "amount_received": int(checkout.amount * 100), "currency": checkout.currency.lower(), "metadata": {"checkout_id": str(checkout.pk)},
    }  # fmt: skip


@pytest.fixture
def pending(personas, fake_stripe):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="50.00")
    started = checkout_start(actor=personas.bob, invoices_amounts=[(a, "60.00"), (b, "50.00")], return_url=RETURN, gateway="stripe")
    return started.checkout, a, b


# --- starting a Checkout Session ------------------------------------------------------------------------------


def test_a_checkout_opens_a_stripe_session_with_the_amounts_in_cents_and_the_checkout_in_its_metadata(personas, fake_stripe, settings):
    settings.PAYMENT_GATEWAY = "stripe"
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="50.00")
    started = checkout_start(actor=personas.bob, invoices_amounts=[(a, "60.00"), (b, "50.00")], return_url=RETURN)
    checkout = started.checkout
    assert started.redirect_url == "https://checkout.stripe.test/c/pay/cs_test_0001"
    assert (checkout.gateway, checkout.provider_reference, checkout.status) == ("stripe", "cs_test_0001", "pending")
    (request,) = fake_stripe.requests
    assert (request.method, request.path) == ("POST", "/v1/checkout/sessions")
    assert request.headers["Authorization"] == "Bearer sk_test_suite"
    assert request.headers["Idempotency-Key"] == f"invoice-portal-checkout-{checkout.pk}"
    p = request.params
    assert (p["mode"], p["client_reference_id"], p["metadata[checkout_id]"]) == ("payment", str(checkout.pk), str(checkout.pk))
    assert p["payment_intent_data[metadata][checkout_id]"] == str(checkout.pk)
    assert (p["line_items[0][price_data][unit_amount]"], p["line_items[1][price_data][unit_amount]"]) == ("6000", "5000")
    assert p["line_items[0][price_data][currency]"] == "usd"
    assert p["line_items[0][price_data][product_data][name]"] == f"Invoice {a.number}"
    assert p["success_url"] == p["cancel_url"] == f"{RETURN}?checkout={checkout.pk}"
    assert int(p["expires_at"]) == int(checkout.expires_at.timestamp())
    assert p["customer_email"] == personas.bob.email


def test_stripe_needs_an_absolute_return_url_and_the_checkout_fails_cleanly(personas, fake_stripe):
    a = make_invoice(company=personas.acme, amount="100.00")
    with pytest.raises(GatewayError) as caught:
        checkout_start(actor=personas.bob, invoices_amounts=[(a, "60.00")], return_url="/portal/pay/return/", gateway="stripe")
    assert caught.value.retryable is False
    assert Checkout.objects.get().status == CheckoutStatus.FAILED
    assert reserved_amounts([a.pk]) == {}
    assert fake_stripe.requests == []


@pytest.mark.parametrize(
    ("status", "error_type", "retryable"),
    [
        (500, "api_error", True),
        (429, "rate_limit_error", True),
        (400, "invalid_request_error", False),
        (401, "authentication_error", False),
    ],
)
def test_stripe_errors_say_whether_a_retry_helps_and_release_the_reservation(personas, fake_stripe, status, error_type, retryable):
    a = make_invoice(company=personas.acme, amount="100.00")
    fake_stripe.fail_with = (status, {"error": {"type": error_type, "message": "Something is off"}})
    with pytest.raises(GatewayError) as caught:
        checkout_start(actor=personas.bob, invoices_amounts=[(a, "60.00")], return_url=RETURN, gateway="stripe")
    assert caught.value.retryable is retryable
    assert "Something is off" in caught.value.message
    assert Checkout.objects.get().status == CheckoutStatus.FAILED
    assert reserved_amounts([a.pk]) == {}


def test_an_unreachable_stripe_is_a_retryable_error(personas):
    a = make_invoice(company=personas.acme, amount="100.00")  # STRIPE_API_BASE points at a closed local port
    with pytest.raises(GatewayError) as caught:
        checkout_start(actor=personas.bob, invoices_amounts=[(a, "60.00")], return_url=RETURN, gateway="stripe")
    assert caught.value.retryable is True


def test_stripes_minimum_charge_is_checked_before_anything_is_reserved(personas, fake_stripe):
    a = make_invoice(company=personas.acme, amount="100.00")
    with pytest.raises(InvalidAmount, match=r"at least 0\.50 USD"):
        checkout_start(actor=personas.bob, invoices_amounts=[(a, "0.49")], return_url=RETURN, gateway="stripe")
    assert not Checkout.objects.exists()
    assert fake_stripe.requests == []


# --- webhooks -----------------------------------------------------------------------------------------------------


def test_a_verified_session_completed_settles_the_invoices_and_a_second_success_event_changes_nothing(client, pending):
    checkout, a, b = pending
    response = post(client, stripe_event("checkout.session.completed", session_object(checkout), event_id="evt_1"))
    assert (response.status_code, response.json()["status"]) == (200, "processed")
    assert [fresh(a).status, fresh(b).status] == [Status.PARTIALLY_PAID, Status.PAID]
    payment = Payment.objects.get(checkout__pk=checkout.pk)
    assert (payment.status, payment.gateway, payment.gateway_reference) == ("succeeded", "stripe", "pi_test_1")
    again = post(client, stripe_event("payment_intent.succeeded", intent_object(checkout)))
    assert again.json()["status"] == EventOutcome.NO_CHANGE
    assert fresh(a).allocated_total == D("60.00")
    assert check_books() == []


def test_a_tampered_stripe_body_is_refused(client, pending):
    checkout, a, _ = pending
    body = stripe_event("checkout.session.completed", session_object(checkout))
    signature = stripe_signature(body)
    response = post(client, body.replace(b'"paid"', b'"unpaid"'), signature=signature)
    assert response.status_code == 400
    assert not GatewayEvent.objects.exists()
    assert fresh(a).status == Status.OPEN


def test_a_stale_stripe_timestamp_is_refused(client, pending):
    checkout, a, _ = pending
    body = stripe_event("checkout.session.completed", session_object(checkout))
    response = post(client, body, signature=stripe_signature(body, timestamp=int(time.time()) - 301))
    assert response.status_code == 400
    assert "tolerance" in response.json()["detail"]
    assert fresh(a).status == Status.OPEN


def test_a_stripe_signature_with_the_wrong_secret_or_none_is_refused(client, pending):
    checkout, a, _ = pending
    body = stripe_event("checkout.session.completed", session_object(checkout))
    assert post(client, body, signature=stripe_signature(body, secret="whsec_wrong")).status_code == 400
    assert post(client, body, signature="").status_code == 400
    assert post(client, body, signature="t=1,v0=abc").status_code == 400
    assert fresh(a).status == Status.OPEN


def test_a_duplicate_stripe_delivery_is_acknowledged_once(client, pending):
    checkout, a, _ = pending
    body = stripe_event("checkout.session.completed", session_object(checkout), event_id="evt_twice")
    assert post(client, body).json()["status"] == "processed"
    assert post(client, body).json()["status"] == "duplicate"
    assert GatewayEvent.objects.get(event_id="evt_twice").deliveries == 2
    assert fresh(a).allocated_total == D("60.00")


def test_payment_intent_succeeded_arriving_first_and_twice_allocates_once(client, pending):
    checkout, a, b = pending
    intent = stripe_event("payment_intent.succeeded", intent_object(checkout), event_id="evt_pi")
    assert post(client, intent).json()["status"] == "processed"
    assert post(client, intent).json()["status"] == "duplicate"
    assert post(client, stripe_event("checkout.session.completed", session_object(checkout))).json()["status"] == EventOutcome.NO_CHANGE
    assert [fresh(a).allocated_total, fresh(b).allocated_total] == [D("60.00"), D("50.00")]
    assert check_books() == []


def test_a_completion_after_the_session_expired_still_records_the_money(client, pending):
    checkout, a, _ = pending
    expired = {**session_object(checkout), "status": "expired", "payment_status": "unpaid", "payment_intent": None}
    assert post(client, stripe_event("checkout.session.expired", expired)).json()["status"] == "processed"
    assert Checkout.objects.get(pk=checkout.pk).status == CheckoutStatus.EXPIRED
    assert post(client, stripe_event("checkout.session.completed", session_object(checkout))).json()["status"] == "processed"
    assert Checkout.objects.get(pk=checkout.pk).status == CheckoutStatus.SUCCEEDED
    assert fresh(a).status == Status.PARTIALLY_PAID
    assert check_books() == []


def test_an_expiry_after_the_completion_changes_nothing(client, pending):
    checkout, _a, _ = pending
    post(client, stripe_event("checkout.session.completed", session_object(checkout)))
    assert post(client, stripe_event("checkout.session.expired", session_object(checkout))).json()["status"] == EventOutcome.NO_CHANGE
    assert post(client, stripe_event("payment_intent.canceled", intent_object(checkout))).json()["status"] == EventOutcome.NO_CHANGE
    assert Checkout.objects.get(pk=checkout.pk).status == CheckoutStatus.SUCCEEDED


def test_a_bank_debit_is_processing_first_and_paid_when_its_async_success_arrives(client, pending):
    checkout, a, _ = pending
    unpaid = session_object(checkout, status="unpaid")
    assert post(client, stripe_event("checkout.session.completed", unpaid)).json()["status"] == EventOutcome.IGNORED
    assert Checkout.objects.get(pk=checkout.pk).status == CheckoutStatus.PENDING
    assert post(client, stripe_event("checkout.session.async_payment_succeeded", session_object(checkout))).json()["status"] == "processed"
    assert fresh(a).status == Status.PARTIALLY_PAID


def test_an_async_failure_ends_the_checkout(client, pending):
    checkout, a, _ = pending
    failed = session_object(checkout, status="unpaid")
    assert post(client, stripe_event("checkout.session.async_payment_failed", failed)).json()["status"] == "processed"
    assert Checkout.objects.get(pk=checkout.pk).status == CheckoutStatus.FAILED
    assert Payment.objects.get(checkout__pk=checkout.pk).status == PaymentStatus.FAILED
    assert reserved_amounts([a.pk]) == {}


def test_a_refund_event_before_the_payment_waits_for_it(client, pending):
    checkout, _a, _ = pending
    refund = {"id": "re_early", "object": "refund", "amount": 1000, "currency": "usd", "payment_intent": "pi_test_1", "status": "succeeded"}
    assert post(client, stripe_event("refund.created", refund)).json()["status"] == EventOutcome.DEFERRED
    post(client, stripe_event("checkout.session.completed", session_object(checkout)))
    payment = Payment.objects.get(checkout__pk=checkout.pk)
    assert (payment.refunded_amount, payment.status) == (D("10.00"), PaymentStatus.PARTIALLY_REFUNDED)
    assert post(client, stripe_event("refund.updated", refund)).json()["status"] == EventOutcome.NO_CHANGE
    assert check_books() == []


def test_events_of_other_sessions_and_types_are_ignored(client, pending):
    _checkout, a, _ = pending
    other = {"id": "cs_someone_else", "object": "checkout.session", "payment_status": "paid", "amount_total": 500, "currency": "usd"}
    assert post(client, stripe_event("checkout.session.completed", other)).json()["status"] == EventOutcome.IGNORED
    assert post(client, stripe_event("customer.created", {"id": "cus_1", "object": "customer"})).json()["status"] == EventOutcome.IGNORED
    assert fresh(a).status == Status.OPEN


def test_without_a_webhook_secret_stripe_webhooks_are_not_accepted(client, pending, settings):
    checkout, _, _ = pending
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert post(client, stripe_event("checkout.session.completed", session_object(checkout))).status_code == 404


# --- refunds through the API ----------------------------------------------------------------------------------------


def test_a_refund_goes_through_the_stripe_api_and_its_webhook_then_changes_nothing(client, personas, pending, fake_stripe):
    checkout, _a, _b = pending
    post(client, stripe_event("checkout.session.completed", session_object(checkout)))
    payment = Payment.objects.get(checkout__pk=checkout.pk)
    payment = payment_refund_through_gateway(actor=personas.finance, payment=payment, amount="25.00", reason="Goodwill")
    request = fake_stripe.requests[-1]
    assert (request.path, request.params["payment_intent"], request.params["amount"]) == ("/v1/refunds", "pi_test_1", "2500")
    assert request.headers["Idempotency-Key"].startswith(f"invoice-portal-refund-{payment.pk}-")
    (refund,) = payment.refunds.all()
    assert (refund.amount, refund.gateway_reference, refund.created_by) == (D("25.00"), "re_test_0002", personas.finance)
    assert (payment.refunded_amount, payment.status) == (D("25.00"), PaymentStatus.PARTIALLY_REFUNDED)
    echo = {
        "id": "re_test_0002",
        "object": "refund",
        "amount": 2500,
        "currency": "usd",
        "payment_intent": "pi_test_1",
        "status": "succeeded",
    }
    assert post(client, stripe_event("refund.created", echo)).json()["status"] == EventOutcome.NO_CHANGE
    assert payment.refunds.count() == 1
    assert check_books() == []


def test_a_refund_stripe_refuses_records_nothing(client, personas, pending, fake_stripe):
    checkout, _a, _ = pending
    post(client, stripe_event("checkout.session.completed", session_object(checkout)))
    payment = Payment.objects.get(checkout__pk=checkout.pk)
    fake_stripe.fail_with = (
        400,
        {"error": {"type": "invalid_request_error", "code": "charge_already_refunded", "message": "Already refunded"}},
    )
    with pytest.raises(GatewayError) as caught:
        payment_refund_through_gateway(actor=personas.finance, payment=payment, amount="10.00")
    assert caught.value.retryable is False
    assert caught.value.code == "stripe_charge_already_refunded"
    payment.refresh_from_db()
    assert payment.refunded_amount == D("0")
    assert payment.refunds.count() == 0
