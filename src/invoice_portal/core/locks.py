"""Row locks, always taken in one order.

Deadlocks come from two transactions locking the same rows in different orders. Every
service that locks several rows goes through these helpers, which lock payments before
invoices and each table's rows by ascending primary key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def lock_rows[M: models.Model](model: type[M], pks: Iterable[int]) -> dict[int, M]:
    """Lock the rows of ``model`` with these primary keys (ascending) and return them by pk."""
    ordered = sorted(set(pks))
    if not ordered:
        return {}
    rows = list(model._default_manager.select_for_update().filter(pk__in=ordered).order_by("pk"))
    return {row.pk: row for row in rows}


def lock_one[M: models.Model](model: type[M], pk: int) -> M:
    return model._default_manager.select_for_update().get(pk=pk)
