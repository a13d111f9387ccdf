"""Deliveries: an outbox row per subscribed endpoint in the event's transaction, sent signed after commit,
retried with backoff and jitter for about three days, then failed; a dead endpoint is disabled and Admin told."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from invoice_portal.events.models import Event
from invoice_portal.notifications.models import Message, MessageKind
from invoice_portal.testing import Personas, make_invoice, pay
from invoice_portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from invoice_portal.webhooks.services.deliveries import (
    RETRY_CAP,
    RETRY_WINDOW,
    deliveries_sweep,
    delivery_attempt,
    delivery_replay,
    delivery_retry,
    retry_delay,
)
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create, webhook_endpoint_update
from invoice_portal.webhooks.tests.receiver import Receiver, receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def _endpoint(url: str, *types: str) -> WebhookEndpoint:
    return webhook_endpoint_create(actor=None, url=url, event_types=list(types) or ["invoice.issued", "payment.recorded"])


def test_an_event_writes_one_delivery_per_subscribed_enabled_endpoint(personas: Personas, inbox: Receiver) -> None:
    issued = _endpoint(inbox.url, "invoice.issued")
    _endpoint(inbox.url, "payment.refunded")
    off = _endpoint(inbox.url, "invoice.issued")
    webhook_endpoint_update(actor=None, endpoint=off, enabled=False)
    make_invoice(company=personas.acme)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.event.type, delivery.status) == (issued, "invoice.issued", DeliveryStatus.PENDING)
    assert inbox.requests == [], "nothing is sent inside the transaction"


def test_the_worker_delivers_after_commit_signed_so_that_standard_webhooks_verifies_it(
    personas: Personas, inbox: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = _endpoint(inbox.url)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = make_invoice(company=personas.acme, amount="42.00")
    assert len(inbox.requests) == 1
    sent = inbox.requests[0]
    event = Event.objects.get(type="invoice.issued")
    assert sent.path == "/hooks"
    assert sent.headers["webhook-id"] == event.uid
    assert sent.headers["content-type"] == "application/json"
    payload = Webhook(endpoint.secret).verify(sent.body, sent.headers)
    assert payload["type"] == "invoice.issued"
    assert payload["version"] == 1
    assert payload["data"]["id"] == invoice.pk
    assert payload["data"]["total"] == "42.00"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.last_status_code == 200
    attempt = delivery.attempt_log.get()
    assert attempt.succeeded
    assert attempt.response_excerpt == '{"ok": true}'


def test_a_forged_or_altered_delivery_does_not_verify(personas: Personas, inbox: Receiver) -> None:
    endpoint = _endpoint(inbox.url)
    make_invoice(company=personas.acme)
    delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)
    sent = inbox.requests[0]
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(sent.body.replace(b'"invoice.issued"', b'"invoice.paid"'), sent.headers)
    other = webhook_endpoint_create(actor=None, url=inbox.url, event_types=["invoice.paid"])
    with pytest.raises(WebhookVerificationError):
        Webhook(other.secret).verify(sent.body, sent.headers)


def test_a_failed_attempt_is_logged_and_retried_later_with_backoff(personas: Personas, inbox: Receiver) -> None:
    _endpoint(inbox.url)
    inbox.status, inbox.reply = 503, b"down for maintenance"
    make_invoice(company=personas.acme)
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    assert delivery_attempt(delivery_id=delivery.pk, now=now) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_status_code == 503
    assert dt.timedelta(seconds=15) <= delivery.next_attempt_at - now <= dt.timedelta(seconds=30)
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.response_excerpt, attempt.error) == (503, "down for maintenance", "HTTP 503")
    assert delivery_attempt(delivery_id=delivery.pk, now=now + dt.timedelta(seconds=5)) == DeliveryStatus.PENDING
    assert len(inbox.requests) == 1, "not due yet: not sent again"
    inbox.status = 204
    assert delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at) == DeliveryStatus.SUCCEEDED
    assert len(inbox.requests) == 2
    assert inbox.requests[0].headers["webhook-id"] == inbox.requests[1].headers["webhook-id"], "a retry is the same message"


def test_the_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    rng = random.Random(7)
    delays = [retry_delay(n, rng=rng) for n in range(1, 16)]
    for n, delay in enumerate(delays, start=1):
        full = min(RETRY_CAP, dt.timedelta(seconds=30) * 2 ** (n - 1))
        assert full / 2 <= delay <= full
    assert len({round(d.total_seconds()) for d in delays[-4:]}) == 4, "capped delays still differ (jitter)"


def test_after_about_three_days_of_failures_the_delivery_fails_and_a_dead_endpoint_is_disabled_and_admin_emailed(
    personas: Personas, inbox: Receiver
) -> None:
    endpoint = _endpoint(inbox.url)
    inbox.status = 500
    make_invoice(company=personas.acme)
    delivery = WebhookDelivery.objects.get()
    now, rng = delivery.window_start, random.Random(1)
    statuses = []
    while (status := delivery_attempt(delivery_id=delivery.pk, now=now, rng=rng)) == DeliveryStatus.PENDING:
        statuses.append(status)
        delivery.refresh_from_db()
        now = delivery.next_attempt_at
    assert status == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert 15 <= delivery.attempts <= 30
    assert RETRY_WINDOW - RETRY_CAP <= now - delivery.window_start <= RETRY_WINDOW
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "failed for 3 days" in endpoint.disabled_reason
    message = Message.objects.get(kind=MessageKind.WEBHOOK_DISABLED)
    assert message.to == ["admin@demo.test"], "integration admins only (Finance and Sales cannot fix it)"
    assert inbox.url in message.body


def test_an_endpoint_that_accepted_something_meanwhile_stays_enabled(personas: Personas, inbox: Receiver) -> None:
    endpoint = _endpoint(inbox.url)
    inbox.status = 500
    make_invoice(company=personas.acme)
    delivery = WebhookDelivery.objects.get()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(last_success_at=delivery.window_start + dt.timedelta(days=1))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(window_start=delivery.window_start - RETRY_WINDOW)
    assert delivery_attempt(delivery_id=delivery.pk, now=timezone.now()) == DeliveryStatus.FAILED
    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert not Message.objects.filter(kind=MessageKind.WEBHOOK_DISABLED).exists()


def test_retry_of_a_failed_delivery_and_replay_of_a_delivered_one(personas: Personas, inbox: Receiver) -> None:
    _endpoint(inbox.url)
    make_invoice(company=personas.acme)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    delivery_retry(actor=personas.admin, delivery=delivery)
    assert delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED
    from invoice_portal.core.errors import InvalidTransition

    with pytest.raises(InvalidTransition, match="only failed deliveries"):
        delivery_retry(actor=personas.admin, delivery=delivery)
    replay = delivery_replay(actor=personas.admin, delivery=delivery)
    assert delivery_attempt(delivery_id=replay.pk) == DeliveryStatus.SUCCEEDED
    first, second = inbox.requests
    assert json.loads(first.body) == json.loads(second.body)
    assert second.headers["webhook-id"] == f"{first.headers['webhook-id']}_replay{replay.pk}"


def test_a_disabled_endpoint_keeps_its_deliveries_until_it_is_switched_on(personas: Personas, inbox: Receiver) -> None:
    endpoint = _endpoint(inbox.url)
    pay(company=personas.acme, invoices=[], amount="5.00")
    webhook_endpoint_update(actor=None, endpoint=endpoint, enabled=False)
    delivery = WebhookDelivery.objects.get()
    assert delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    assert deliveries_sweep() == 0
    assert inbox.requests == []
    webhook_endpoint_update(actor=None, endpoint=endpoint, enabled=True)
    assert deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED, "the sweep handed it to the (immediate) worker"


def test_an_unreachable_endpoint_is_a_logged_failure_not_a_crash(personas: Personas) -> None:
    _endpoint("http://127.0.0.1:9/nothing-listens")
    make_invoice(company=personas.acme)
    delivery = WebhookDelivery.objects.get()
    assert delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert "ConnectionRefused" in attempt.error


def test_the_send_webhooks_command_sweeps_due_deliveries(personas: Personas, inbox: Receiver, capsys: Any) -> None:
    from django.core.management import call_command

    _endpoint(inbox.url)
    make_invoice(company=personas.acme)
    call_command("send_webhooks")
    assert "1 events stamped, 1 deliveries handed to the worker." in capsys.readouterr().out
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert len(inbox.requests) == 1
