"""Reads of import batches."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.imports.models import ImportBatch


def import_batches_visible_to(user: Any) -> QuerySet[ImportBatch]:
    """Seller staff see the batches they started; with ``integrations.manage``, every batch. Company users see none.

    The payload is deferred: a batch's file can be large and is read only by the runner.
    """
    batches = ImportBatch.objects.defer("payload")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active or user.company_id is not None:
        return batches.none()
    if user_has_perm(user, "integrations.manage"):
        return batches
    return batches.filter(created_by=user)
