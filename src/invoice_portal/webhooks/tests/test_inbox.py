"""The demo inbox stores what arrives, verifies it with Standard Webhooks and shows it to integration Admins."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from invoice_portal.testing import Personas, make_invoice
from invoice_portal.webhooks.demo import load_demo_webhooks
from invoice_portal.webhooks.models import InboxMessage, WebhookDelivery
from invoice_portal.webhooks.services.deliveries import request_body
from invoice_portal.webhooks.signing import signed_headers

pytestmark = pytest.mark.django_db
INBOX = "/integrations/webhook-inbox/demo/"


def _post(client: Client, body: bytes, headers: dict[str, str]) -> int:
    return client.post(INBOX, data=body, content_type="application/json", headers=headers).status_code


def test_the_demo_endpoint_gets_recent_events_and_the_inbox_verifies_and_shows_them(personas: Personas) -> None:
    make_invoice(company=personas.acme, amount="77.00")
    endpoint = load_demo_webhooks()
    assert endpoint.url.endswith(INBOX)
    delivery = WebhookDelivery.objects.select_related("event").get(endpoint=endpoint)
    body = request_body(delivery)
    headers = signed_headers(secret=endpoint.secret, message_id=delivery.message_id, timestamp=timezone.now(), body=body)
    assert _post(Client(), body, headers) == 204
    assert _post(Client(), body.replace(b"77.00", b"1.00"), headers) == 400
    assert list(InboxMessage.objects.order_by("pk").values_list("verified", flat=True)) == [True, False]
    admin = Client()
    admin.force_login(personas.admin)
    page = admin.get(INBOX).content.decode()
    assert "Signature verified" in page
    assert "Not verified" in page
    assert "invoice.issued" in page
    finance = Client()
    finance.force_login(personas.finance)
    assert finance.get(INBOX).status_code == 403


@override_settings(WEBHOOKS_ALLOW_LOOPBACK=False)
def test_the_inbox_does_not_exist_in_production() -> None:
    assert Client().post(INBOX, data=b"{}", content_type="application/json").status_code == 404
    assert not InboxMessage.objects.exists()
