"""Background stamping of event positions (Django tasks)."""

from __future__ import annotations

from django.tasks import task

from invoice_portal.events.services import events_stamp_all


@task()
def events_stamp_task() -> int:
    return events_stamp_all()
