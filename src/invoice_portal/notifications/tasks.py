"""Background delivery of messages (Django tasks; the database backend in production)."""

from __future__ import annotations

from django.tasks import task

from invoice_portal.notifications.services import message_deliver


@task()
def message_deliver_task(*, message_id: int) -> str:
    """Send one logged message; a message already claimed or sent is left alone."""
    return str(message_deliver(message_id=message_id))
