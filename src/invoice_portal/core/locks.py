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


def lock_rows[M: models.Model](model: type[M], pks: Iterable[int], *, no_key: bool = False) -> dict[int, M]:
    """Lock the rows of ``model`` with these primary keys (ascending) and return them by pk.

    ``no_key`` takes PostgreSQL's ``FOR NO KEY UPDATE``, for callers that change no key column: it still
    queues every other writer of the rows, but not the inserts of rows that refer to them (their foreign
    key check only needs the key to stay), e.g. a concurrent payment writing its allocation rows.
    """
    ordered = sorted(set(pks))
    if not ordered:
        return {}
    rows = list(model._default_manager.select_for_update(no_key=no_key).filter(pk__in=ordered).order_by("pk"))
    return {row.pk: row for row in rows}


def lock_one[M: models.Model](model: type[M], pk: int, *, related: tuple[str, ...] = ()) -> M:
    """Lock one row; ``related`` foreign keys are read in the same statement (joined, not locked)."""
    rows = model._default_manager.all()
    locked = rows.select_related(*related).select_for_update(of=("self",)) if related else rows.select_for_update()
    return locked.get(pk=pk)
