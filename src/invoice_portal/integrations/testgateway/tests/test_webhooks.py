"""The test gateway's webhook endpoint: signatures (valid, tampered, stale, wrong secret), duplicates, reordering."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.test import Client

from invoice_portal.integrations.models import EventOutcome, GatewayEvent
from invoice_portal.integrations.testgateway import signing
from invoice_portal.integrations.tests.factories import SECRET, WEBHOOK_URL, event_body, fresh, post_event, session_of, start
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Status
from invoice_portal.payments.models import Checkout, CheckoutStatus, Payment, PaymentStatus
from invoice_portal.testing import make_invoice

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def pending(personas):
    """Bob's pending checkout: 60 of a 100.00 invoice, and all of a 50.00 one."""
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="50.00")
    checkout = start(personas.bob, [(a, "60.00"), (b, "50.00")]).checkout
    return checkout, session_of(checkout), a, b


def test_a_valid_success_webhook_settles_the_invoices(client, pending):
    checkout, session, a, b = pending
    response = post_event(client, event_body("checkout.completed", session, event_id="evt_tg_ok"))
    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    assert [fresh(a).status, fresh(b).status] == [Status.PARTIALLY_PAID, Status.PAID]
    event = GatewayEvent.objects.get(event_id="evt_tg_ok")
    assert (event.gateway, event.checkout_id, event.outcome, event.payment_reference) == (
        "test",
        checkout.pk,
        "processed",
        session.payment_id,
    )
    assert check_books() == []


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body: body.replace(b'"110.00"', b'"1.00"'), id="amount changed"),
        pytest.param(lambda body: body.replace(b"checkout.completed", b"checkout.canceled"), id="type changed"),
        pytest.param(lambda body: body + b" ", id="one byte added"),
    ],
)
def test_a_tampered_body_is_refused_and_nothing_is_stored(client, pending, tamper):
    _, session, a, _ = pending
    body = event_body("checkout.completed", session)
    header = signing.sign(body, SECRET)
    response = post_event(client, tamper(body), header=header)
    assert response.status_code == 400
    assert response.json()["error"] == "webhook_signature_invalid"
    assert not GatewayEvent.objects.exists()
    assert fresh(a).status == Status.OPEN


@pytest.mark.parametrize("age", [330, 3600, -330])  # well past the 300 s tolerance: a busy machine takes a second or two
def test_a_stale_or_future_timestamp_is_refused(client, pending, age):
    _, session, a, _ = pending
    response = post_event(client, event_body("checkout.completed", session), timestamp=int(time.time()) - age)
    assert response.status_code == 400
    assert "timestamp" in response.json()["detail"]
    assert fresh(a).status == Status.OPEN


def test_a_timestamp_within_the_tolerance_is_accepted(client, pending):
    _, session, a, _ = pending
    assert post_event(client, event_body("checkout.completed", session), timestamp=int(time.time()) - 290).status_code == 200
    assert fresh(a).status == Status.PARTIALLY_PAID


def test_a_signature_made_with_another_secret_is_refused(client, pending):
    _, session, a, _ = pending
    response = post_event(client, event_body("checkout.completed", session), secret="whsec_someone_else")
    assert response.status_code == 400
    assert fresh(a).status == Status.OPEN


def test_a_replayed_signature_with_a_fresh_timestamp_does_not_verify(client, pending):
    _, session, _, _ = pending
    body = event_body("checkout.completed", session)
    old = int(time.time()) - 3600
    stolen = signing.signature(body, SECRET, old)
    response = post_event(client, body, header=f"t={int(time.time())},v1={stolen}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "header", ["", "garbage", "t=abc,v1=00", "v1=abcdef", f"t={int(time.time())}", "t=²,v1=00", f"t={'9' * 5000},v1=00"]
)
def test_a_missing_or_malformed_signature_header_is_refused(client, pending, header):
    _, session, _, _ = pending
    body = event_body("checkout.completed", session)
    response = post_event(client, body, header=header) if header else client.post(WEBHOOK_URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert not GatewayEvent.objects.exists()


def test_during_a_secret_rotation_either_signature_verifies(client, pending):
    _, session, a, _ = pending
    body = event_body("checkout.completed", session)
    ts = int(time.time())
    header = f"t={ts},v1={signing.signature(body, 'whsec_old', ts)},v1={signing.signature(body, SECRET, ts)}"
    assert post_event(client, body, header=header).status_code == 200
    assert fresh(a).status == Status.PARTIALLY_PAID


def test_a_signed_body_that_is_not_an_event_is_refused(client, pending):
    for body in (
        b"not json",
        b"[]",
        b'{"id": "evt_x", "type": "checkout.completed"}',
        b'{"id": "e", "type": "x", "data": {"amount": "1"}}',
    ):
        response = post_event(client, body)
        assert response.status_code == 400, body
        assert response.json()["error"] == "webhook_malformed"
    assert not GatewayEvent.objects.exists()


def test_the_endpoint_takes_posts_only_and_no_csrf_token(pending):
    _, session, _, _ = pending
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(WEBHOOK_URL).status_code == 405
    assert post_event(strict, event_body("checkout.completed", session)).status_code == 200


def test_a_duplicate_delivery_is_acknowledged_and_changes_nothing(client, pending):
    checkout, session, a, _b = pending
    body = event_body("checkout.completed", session, event_id="evt_tg_dup")
    assert post_event(client, body).json()["status"] == "processed"
    again = post_event(client, body)  # re-signed later, as a provider's retry is
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert GatewayEvent.objects.get(event_id="evt_tg_dup").deliveries == 2
    assert fresh(a).allocated_total == D("60.00")
    assert Payment.objects.get(checkout__pk=checkout.pk).allocated_total == D("110.00")


def test_a_second_success_event_for_the_same_payment_changes_nothing(client, pending):
    _checkout, session, a, _ = pending
    post_event(client, event_body("checkout.completed", session))
    second = post_event(client, event_body("payment.succeeded", session))
    assert second.json()["status"] == EventOutcome.NO_CHANGE
    assert fresh(a).allocated_total == D("60.00")


def test_a_success_after_a_cancel_records_the_money(client, pending):
    checkout, session, a, b = pending
    assert post_event(client, event_body("checkout.canceled", session)).json()["status"] == "processed"
    assert Checkout.objects.get(pk=checkout.pk).status == CheckoutStatus.CANCELED
    assert post_event(client, event_body("checkout.completed", session)).json()["status"] == "processed"
    assert Checkout.objects.get(pk=checkout.pk).status == CheckoutStatus.SUCCEEDED
    assert [fresh(a).status, fresh(b).status] == [Status.PARTIALLY_PAID, Status.PAID]
    assert check_books() == []


@pytest.mark.parametrize("ending", ["checkout.canceled", "payment.failed", "checkout.expired", "payment.processing"])
def test_an_ending_after_the_success_changes_nothing(client, pending, ending):
    checkout, session, a, _ = pending
    post_event(client, event_body("checkout.completed", session))
    response = post_event(client, event_body(ending, session))
    assert response.json()["status"] in (EventOutcome.NO_CHANGE, EventOutcome.IGNORED)
    assert Checkout.objects.get(pk=checkout.pk).status == CheckoutStatus.SUCCEEDED
    assert Payment.objects.get(checkout__pk=checkout.pk).status == PaymentStatus.SUCCEEDED
    assert fresh(a).allocated_total == D("60.00")


def test_a_refund_before_its_payment_waits_and_applies_when_the_payment_succeeds(client, pending):
    checkout, session, _a, _b = pending
    refund = event_body("refund.succeeded", None, refund="tgre_early", payment=session.payment_id, amount="20.00", currency="USD")
    assert post_event(client, refund).json()["status"] == EventOutcome.DEFERRED
    assert post_event(client, event_body("checkout.completed", session)).json()["status"] == "processed"
    payment = Payment.objects.get(checkout__pk=checkout.pk)
    assert (payment.status, payment.refunded_amount, payment.allocated_total) == (PaymentStatus.PARTIALLY_REFUNDED, D("20.00"), D("90.00"))
    assert GatewayEvent.objects.get(event_type="refund.succeeded").outcome == EventOutcome.PROCESSED
    assert post_event(client, refund).json()["status"] == "duplicate"
    assert check_books() == []


def test_events_for_unknown_checkouts_are_kept_but_change_nothing(client, pending):
    _, session, a, _ = pending
    foreign = event_body("checkout.completed", None, session="tgcs_other", payment="tgpi_other", amount="5.00", currency="USD")
    assert post_event(client, foreign).json()["status"] == EventOutcome.IGNORED
    bogus = event_body("checkout.completed", None, payment="tgpi_x", amount="5.00", currency="USD", metadata={"checkout_id": "999999"})
    assert post_event(client, bogus).json()["status"] == EventOutcome.REJECTED
    wrong_amount = event_body("checkout.completed", session, amount="1.00")
    response = post_event(client, wrong_amount)
    assert response.json()["status"] == EventOutcome.REJECTED
    assert "reports 1.00 USD" in response.json()["detail"]
    assert post_event(client, event_body("customer.created", None)).json()["status"] == EventOutcome.IGNORED
    assert fresh(a).status == Status.OPEN
    assert GatewayEvent.objects.count() == 4


def test_odd_metadata_a_deep_body_or_a_long_event_id_never_answers_500(client, pending):
    superscript = event_body("checkout.completed", None, payment="tgpi_y", amount="5.00", currency="USD", metadata={"checkout_id": "²"})
    assert post_event(client, superscript).json()["status"] == EventOutcome.IGNORED
    huge_id = event_body("checkout.completed", None, payment="tgpi_z", amount="5.00", currency="USD", metadata={"checkout_id": "9" * 5000})
    assert post_event(client, huge_id).json()["status"] == EventOutcome.IGNORED
    deep = b'{"id": "evt_deep", "type": "x", "data": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    long_id = event_body("checkout.completed", None, event_id="e" * 256)
    for body in (deep, long_id):
        response = post_event(client, body)
        assert response.status_code == 400
        assert response.json()["error"] == "webhook_malformed"
    assert GatewayEvent.objects.count() == 2
