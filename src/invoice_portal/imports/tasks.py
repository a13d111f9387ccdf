"""Background runs of import batches (Django tasks; the database backend in production)."""

from __future__ import annotations

from django.tasks import task

from invoice_portal.imports.services import import_batch_run


@task()
def import_batch_task(*, batch_id: int) -> str:
    """Run one queued batch; a batch already claimed or finished is left alone (safe to deliver twice)."""
    return import_batch_run(batch_id=batch_id).status
