"""/api/v1/webhook-endpoints: Admin manages subscriptions and the delivery log; nobody else may."""

from __future__ import annotations

from typing import Any

import pytest
from standardwebhooks import Webhook

from invoice_portal.api.tests.conftest import ApiClient
from invoice_portal.audit.models import AuditEvent
from invoice_portal.testing import Personas, make_invoice
from invoice_portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from invoice_portal.webhooks.services.deliveries import delivery_attempt
from invoice_portal.webhooks.tests.receiver import receiver

pytestmark = pytest.mark.django_db


def test_admin_creates_changes_and_deletes_an_endpoint(personas: Personas, as_: Any) -> None:
    admin = as_("admin")
    created = admin.post("webhook-endpoints", {"url": "http://127.0.0.1:9/h", "event_types": ["invoice.paid"], "description": "ERP"})
    assert created.status == 201
    assert created.body["secret"].startswith("whsec_")
    Webhook(created.body["secret"])  # a secret the reference library accepts
    pk = created.body["id"]
    assert [e["id"] for e in admin.get("webhook-endpoints").body] == [pk]
    assert "secret" not in admin.get(f"webhook-endpoints/{pk}").body
    assert admin.get(f"webhook-endpoints/{pk}/secret").body["secret"] == created.body["secret"]
    changed = admin.patch(f"webhook-endpoints/{pk}", {"event_types": ["payment.recorded", "invoice.paid"], "enabled": False})
    assert changed.status == 200
    assert changed.body["event_types"] == ["payment.recorded", "invoice.paid"]
    assert changed.body["enabled"] is False
    rotated = admin.post(f"webhook-endpoints/{pk}/rotate-secret")
    assert rotated.body["secret"] != created.body["secret"]
    assert admin.delete(f"webhook-endpoints/{pk}").status == 204
    assert not WebhookEndpoint.objects.exists()
    actions = set(AuditEvent.objects.filter(object_type="webhooks.webhookendpoint").values_list("action", flat=True))
    assert actions == {"webhook_endpoint.create", "webhook_endpoint.update", "webhook_endpoint.rotate_secret", "webhook_endpoint.delete"}


def test_bad_input_is_a_problem_and_writes_nothing(personas: Personas, as_: Any) -> None:
    admin = as_("admin")
    for body in (
        {"url": "http://127.0.0.1:9/h", "event_types": []},
        {"url": "http://127.0.0.1:9/h", "event_types": ["invoice.exploded"]},
        {"url": "gopher://x/", "event_types": ["invoice.paid"]},
        {"url": "http://127.0.0.1:9/h"},
    ):
        reply = admin.post("webhook-endpoints", body)
        assert reply.status == 422, body
        assert reply.content_type.startswith("application/problem+json")
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_retry_and_replay(personas: Personas, as_: Any) -> None:
    admin = as_("admin")
    with receiver() as inbox:
        pk = admin.post("webhook-endpoints", {"url": inbox.url, "event_types": ["invoice.issued"]}).body["id"]
        make_invoice(company=personas.acme)
        delivery = WebhookDelivery.objects.get()
        inbox.status = 500
        delivery_attempt(delivery_id=delivery.pk)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
        log = admin.get(f"webhook-endpoints/{pk}/deliveries?status=failed")
        assert [d["id"] for d in log.body["items"]] == [delivery.pk]
        detail = admin.get(f"webhook-endpoints/{pk}/deliveries/{delivery.pk}").body
        assert detail["attempt_log"][0]["status_code"] == 500
        assert admin.post(f"webhook-endpoints/{pk}/deliveries/{delivery.pk}/retry").body["status"] == "pending"
        conflict = admin.post(f"webhook-endpoints/{pk}/deliveries/{delivery.pk}/retry")
        assert conflict.status == 409
        replay = admin.post(f"webhook-endpoints/{pk}/deliveries/{delivery.pk}/replay")
        assert replay.status == 201
        assert replay.body["replay_of"] == delivery.pk
    assert admin.get(f"webhook-endpoints/{pk}/deliveries/999999").status == 404


@pytest.mark.parametrize("persona", ["finance", "sales", "alice", "bob", "carol", "charlie"])
def test_only_integration_admins_may_touch_endpoints(personas: Personas, as_: Any, persona: str) -> None:
    endpoint = as_("admin").post("webhook-endpoints", {"url": "http://127.0.0.1:9/h", "event_types": ["invoice.paid"]}).body
    client: ApiClient = as_(persona)
    for method, path in (
        ("GET", "webhook-endpoints"),
        ("POST", "webhook-endpoints"),
        ("GET", f"webhook-endpoints/{endpoint['id']}/secret"),
        ("PATCH", f"webhook-endpoints/{endpoint['id']}"),
        ("DELETE", f"webhook-endpoints/{endpoint['id']}"),
    ):
        reply = client.call(method, path, {"url": "http://127.0.0.1:9/x", "event_types": ["invoice.paid"]} if method != "GET" else None)
        assert reply.status == 403, (method, path)
    assert WebhookEndpoint.objects.get().url == "http://127.0.0.1:9/h"
