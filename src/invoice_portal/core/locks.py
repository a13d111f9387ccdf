"""Row locks, always taken in one order.

Deadlocks come from two transactions locking the same rows in different orders. Every
service that locks several rows goes through these helpers, which lock payments before
invoices and each table's rows by ascending primary key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import QuerySet

from invoice_portal.core.prepared import Prepared, PreparedIn

_INTEGER_KEYS = ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField")
# Each lock statement's shape is built once (``core.prepared``): a transition's locked read costs a third.
_one: dict[tuple[Any, ...], Prepared[Any]] = {}
_rows: dict[tuple[Any, ...], PreparedIn[Any]] = {}


def _locked_one[M: models.Model](model: type[M], related: tuple[str, ...]) -> QuerySet[M]:
    rows = model._default_manager.all()
    return rows.select_related(*related).select_for_update(of=("self",)) if related else rows.select_for_update()


def lock_rows[M: models.Model](model: type[M], pks: Iterable[int], *, no_key: bool = False) -> dict[int, M]:
    """Lock the rows of ``model`` with these primary keys (ascending) and return them by pk.

    ``no_key`` takes PostgreSQL's ``FOR NO KEY UPDATE``, for callers that change no key column: it still
    queues every other writer of the rows, but not the inserts of rows that refer to them (their foreign
    key check only needs the key to stay), e.g. a concurrent payment writing its allocation rows.
    """
    ordered = sorted(set(pks))
    if not ordered:
        return {}
    shape = (model, no_key)
    if shape not in _rows:
        locked = model._default_manager.select_for_update(no_key=no_key).order_by("pk")
        _rows[shape] = PreparedIn(lambda keys: locked.filter(pk__in=keys))
    return {row.pk: row for row in _rows[shape].all(ordered)}


def lock_one[M: models.Model](model: type[M], pk: int, *, related: tuple[str, ...] = ()) -> M:
    """Lock one row; ``related`` foreign keys are read in the same statement (joined, not locked)."""
    if type(pk) is not int or model._meta.pk.get_internal_type() not in _INTEGER_KEYS:
        return _locked_one(model, related).get(pk=pk)
    shape = (model, related)
    if shape not in _one:
        locked = _locked_one(model, related)
        _one[shape] = Prepared(lambda pk: locked.filter(pk=pk), pk=int)
    return _one[shape].one(pk=pk)
