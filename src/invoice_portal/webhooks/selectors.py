from __future__ import annotations

from django.db.models import QuerySet

from invoice_portal.accounts.models import User
from invoice_portal.core.prepared import Prepared
from invoice_portal.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

_ENABLED = Prepared(lambda: WebhookEndpoint.objects.filter(enabled=True).order_by("pk"))


def endpoints_enabled() -> list[WebhookEndpoint]:
    """Enabled endpoints (few rows: the caller filters by event type, portable across databases); read by
    every transition that writes a business event, so its statement is built once (``core.prepared``)."""
    return _ENABLED.all()


def endpoint_deliveries(endpoint: WebhookEndpoint, *, status: str = "") -> QuerySet[WebhookDelivery]:
    deliveries = endpoint.deliveries.select_related("event").order_by("-created_at", "-pk")
    return deliveries.filter(status=status) if status else deliveries


def delivery_attempts(delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return delivery.attempt_log.order_by("-at", "-pk")


def integration_admins() -> list[User]:
    """Active seller staff whose role may manage integrations: they hear about a disabled endpoint."""
    return list(
        User.objects.filter(company__isnull=True, is_active=True, role__grants__permission="integrations.manage")
        .distinct()
        .order_by("email")
    )
