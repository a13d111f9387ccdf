"""Demo data for webhooks: an endpoint delivering every event to the built-in inbox, primed with recent events."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from invoice_portal.events.models import Event, EventType
from invoice_portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from invoice_portal.webhooks.services.deliveries import enqueue_pending
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create

RECENT_EVENTS = 12


def load_demo_webhooks() -> WebhookEndpoint:
    """Subscribe the demo inbox to every event type and queue the latest events for it (the history before
    it is in the change feed; sending two years of it to a new endpoint would only flood the demo)."""
    url = f"{settings.PORTAL_BASE_URL}{reverse('webhook_inbox', args=['demo'])}"
    endpoint = webhook_endpoint_create(actor=None, url=url, event_types=EventType.values, description="Demo: the built-in inbox")
    recent = list(Event.objects.order_by("-pk")[:RECENT_EVENTS])
    deliveries = WebhookDelivery.objects.bulk_create(WebhookDelivery(endpoint=endpoint, event=event) for event in reversed(recent))
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: enqueue_pending(ids))
    return endpoint
