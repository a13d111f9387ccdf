"""The follow-up task of business transactions (``core.followups``; Django tasks, the database backend in production)."""

from __future__ import annotations

from django.tasks import task

from invoice_portal.core.followups import followups_run


@task()
def followups_task() -> None:
    """Run every registered follow-up (stamp committed events, send new messages)."""
    followups_run()
