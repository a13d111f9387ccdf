"""Background delivery of webhooks (Django tasks; the database backend in production)."""

from __future__ import annotations

from django.tasks import task

from invoice_portal.webhooks.services.deliveries import delivery_attempt


@task()
def webhook_deliver_task(*, delivery_id: int) -> str:
    """Try one delivery; one that is not due, claimed by another worker or finished is left alone."""
    return str(delivery_attempt(delivery_id=delivery_id))
