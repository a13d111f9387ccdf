"""Endpoint subscriptions: Admin creates, changes, enables and deletes them; each change is audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from invoice_portal.audit.services import audit_record, snapshot
from invoice_portal.core.encryption import secret_encrypt
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.events.models import EventType
from invoice_portal.webhooks.guard import url_resolve_safe
from invoice_portal.webhooks.models import DeliveryStatus, WebhookEndpoint
from invoice_portal.webhooks.signing import secret_generate

_AUDITED = ("url", "description", "event_types", "enabled", "disabled_reason")


def _clean_types(event_types: Iterable[str]) -> list[str]:
    types = list(dict.fromkeys(event_types))
    unknown = [t for t in types if t not in EventType.values]
    if unknown:
        raise ValidationFailed(f"event_types: unknown {', '.join(unknown)}; one of {', '.join(EventType.values)}.", field="event_types")
    if not types:
        raise ValidationFailed("event_types: choose at least one event type.", field="event_types")
    return types


def _clean_url(url: str) -> str:
    url = url.strip()
    if len(url) > 500:
        raise ValidationFailed("url: at most 500 characters.", field="url")
    url_resolve_safe(url)
    return url


@transaction.atomic
def webhook_endpoint_create(*, actor: Any, url: str, event_types: Iterable[str], description: str = "") -> WebhookEndpoint:
    """Subscribe a URL to event types; its signing secret is generated here and shown to the Admin."""
    if len(description) > 200:
        raise ValidationFailed("description: at most 200 characters.", field="description")
    endpoint = WebhookEndpoint.objects.create(
        url=_clean_url(url), event_types=_clean_types(event_types), description=description.strip(),
        secret_encrypted=secret_encrypt(secret_generate()), created_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    audit_record(actor=actor, obj=endpoint, action="webhook_endpoint.create", after=snapshot(endpoint, _AUDITED))
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: Any,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what an endpoint receives, or switch it on or off. Switching it on again resends what waited."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = snapshot(endpoint, _AUDITED)
    if url is not None:
        endpoint.url = _clean_url(url)
    if event_types is not None:
        endpoint.event_types = _clean_types(event_types)
    if description is not None:
        if len(description) > 200:
            raise ValidationFailed("description: at most 200 characters.", field="description")
        endpoint.description = description.strip()
    reenabled = enabled is True and not endpoint.enabled
    if enabled is not None:
        endpoint.enabled = enabled
        endpoint.disabled_reason = "" if enabled else "Disabled by an administrator."
    endpoint.save()
    after = snapshot(endpoint, _AUDITED)
    if after != before:
        audit_record(actor=actor, obj=endpoint, action="webhook_endpoint.update", before=before, after=after)
    if reenabled:
        from invoice_portal.webhooks.services.deliveries import enqueue_pending

        pending = list(endpoint.deliveries.filter(status=DeliveryStatus.PENDING).values_list("pk", flat=True))
        transaction.on_commit(lambda: enqueue_pending(pending))
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor: Any, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret_encrypted = secret_encrypt(secret_generate())
    endpoint.save(update_fields=["secret_encrypted", "updated_at"])
    audit_record(actor=actor, obj=endpoint, action="webhook_endpoint.rotate_secret")
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: Any, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its delivery log (the events themselves stay in the feed)."""
    audit_record(actor=actor, obj=endpoint, action="webhook_endpoint.delete", before=snapshot(endpoint, _AUDITED))
    endpoint.delete()
