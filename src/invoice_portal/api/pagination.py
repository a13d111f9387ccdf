"""Keyset (cursor) pagination over any ordered queryset.

The cursor is opaque to clients: base64 of the sort signature and the last row's sort
values (ending with its id). The next page is "rows after that key", so pages stay
stable while rows are added and cost the same at any depth. NULLs sort as the greatest
value on every database (PostgreSQL's own default), so the indexes stay usable there.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce

from invoice_portal.core.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class SortKey:
    path: str
    descending: bool
    field: models.Field[Any, Any]
    unindexed: bool = False  # the selector asked for an order no index provides (see invoices.selectors._unindexed)

    def order_by(self) -> OrderBy:
        expression: Any = Coalesce(F(self.path), F(self.path)) if self.unindexed else F(self.path)
        return expression.desc(nulls_first=True) if self.descending else expression.asc(nulls_last=True)


def _resolve_field(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    field: Any = None
    current: Any = model
    for part in path.split("__"):
        field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        if field.is_relation and field.related_model is not None:
            current = field.related_model
    assert isinstance(field, models.Field)
    return field


def _sort_keys(queryset: QuerySet[Any]) -> list[SortKey]:
    declared = queryset.query.order_by or (queryset.model._meta.ordering if queryset.query.default_ordering else ())
    ordering: list[tuple[str, bool]] = []
    for item in declared:
        if isinstance(item, str):
            ordering.append((item, False))
        elif isinstance(item, OrderBy) and isinstance(item.expression, Coalesce):
            source = item.expression.get_source_expressions()[0]
            ordering.append((("-" if item.descending else "") + source.name, True))
    ordering = ordering or [("-pk", False)]
    keys = []
    for item, unindexed in ordering:
        descending = item.startswith("-")
        path = item.lstrip("-")
        path = "pk" if path in ("id", "pk") else path
        keys.append(SortKey(path=path, descending=descending, field=_resolve_field(queryset.model, path), unindexed=unindexed))
    if keys[-1].path != "pk":
        keys.append(SortKey(path="pk", descending=keys[-1].descending, field=queryset.model._meta.pk))
    return keys


def _tag(field: models.Field[Any, Any]) -> str:
    if isinstance(field, models.DateTimeField):
        return "t"
    if isinstance(field, models.DateField):
        return "d"
    if isinstance(field, models.DecimalField):
        return "m"
    if isinstance(field, models.IntegerField | models.AutoField | models.BigAutoField):
        return "i"
    return "s"


def _encode_value(value: Any) -> Any:
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _decode_value(raw: Any, key: SortKey) -> Any:
    if raw is None:
        if not key.field.null:
            raise ValueError("null for a non-null key")
        return None
    tag = _tag(key.field)
    if tag == "i":
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw < 2**63:
            raise ValueError("not an id")
        return raw
    if not isinstance(raw, str):
        raise ValueError("not a string")
    if tag == "t":
        return dt.datetime.fromisoformat(raw)
    if tag == "d":
        return dt.date.fromisoformat(raw)
    if tag == "m":
        value = Decimal(raw)
        if not value.is_finite():
            raise ValueError("not finite")
        return value
    return raw


def _value_of(row: models.Model, path: str) -> Any:
    value: Any = row
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def _signature(keys: list[SortKey]) -> str:
    return ",".join(("-" if k.descending else "") + k.path for k in keys)


def encode_cursor(keys: list[SortKey], row: models.Model) -> str:
    payload = {"s": _signature(keys), "v": [_encode_value(_value_of(row, k.path)) for k in keys]}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(keys: list[SortKey], cursor: str) -> list[Any]:
    invalid = ValidationFailed("cursor: not a cursor this list gave out (or one for another sort order).", field="cursor")
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(payload, dict) or payload.get("s") != _signature(keys):
            raise invalid
        raw = payload.get("v")
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise invalid
        return [_decode_value(value, key) for value, key in zip(raw, keys, strict=True)]
    except (ValueError, TypeError, InvalidOperation, binascii.Error, UnicodeDecodeError, OverflowError):
        raise invalid from None


def _after(key: SortKey, value: Any) -> Q | None:
    """Rows strictly after ``value`` on this key (NULL is the greatest value)."""
    path = key.path
    if key.descending:
        return Q(**{f"{path}__isnull": False}) if value is None else Q(**{f"{path}__lt": value})
    if value is None:
        return None
    return Q(**{f"{path}__gt": value}) | Q(**{f"{path}__isnull": True}) if key.field.null else Q(**{f"{path}__gt": value})


def _equal(key: SortKey, value: Any) -> Q:
    return Q(**{f"{key.path}__isnull": True}) if value is None else Q(**{key.path: value})


def keyset_filter(keys: list[SortKey], values: list[Any]) -> Q:
    """(k1 > v1) OR (k1 = v1 AND k2 > v2) OR … — lexicographic "after" with NULLs last."""
    condition = Q(pk__in=[])
    prefix = Q()
    for key, value in zip(keys, values, strict=True):
        after = _after(key, value)
        if after is not None:
            condition |= prefix & after
        prefix &= _equal(key, value)
    return condition


def paginate[M: models.Model](queryset: QuerySet[M], *, cursor: str | None, limit: int = DEFAULT_LIMIT) -> tuple[list[M], str | None]:
    """One page of ``queryset`` in its own order, and the cursor of the next page (None at the end)."""
    limit = max(1, min(limit, MAX_LIMIT))
    keys = _sort_keys(queryset)
    ordered = queryset.order_by(*(k.order_by() for k in keys))
    if cursor:
        ordered = ordered.filter(keyset_filter(keys, decode_cursor(keys, cursor)))
    rows = list(ordered[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(keys, rows[-1])
