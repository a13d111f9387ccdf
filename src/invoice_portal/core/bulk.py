"""Inserting many new rows fast: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere (imports, business events)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

from django.db import connection, models
from psycopg.types.json import Jsonb


def _copy_getter(field: models.Field[Any, Any]) -> Callable[[models.Model], Any]:
    """How to read one column of a new row for ``COPY``: auto dates set as ``save()`` would, JSON encoded by the field's encoder."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, add=True)
    if isinstance(field, models.JSONField):
        dumps = partial(json.dumps, cls=field.encoder)
        return lambda obj: None if (value := getattr(obj, field.attname)) is None else Jsonb(value, dumps=dumps)
    return attrgetter(field.attname)


def rows_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new rows (of any model without side effects on save) and set their ids: ``COPY`` on PostgreSQL,
    ``bulk_create`` elsewhere.

    ``bulk_create`` spends most of its time preparing each value of each row; ``COPY`` streams the
    rows as they are. The ids are taken from the table's sequence first, as an INSERT would.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [meta.db_table, meta.pk.column, len(objs)]
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
        fields = [f for f in meta.concrete_fields if not f.generated]
        getters = [_copy_getter(f) for f in fields]
        columns = ", ".join(qn(str(f.column)) for f in fields)
        with cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([get(obj) for get in getters])


def rows_update(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Store ``fields`` of existing rows, each row its own values: one ``UPDATE … WHERE id = %s`` prepared once and
    run for every row (``executemany``), where ``bulk_update`` builds one ``CASE`` per field listing every row (slow to
    build and to run for hundreds of rows). No signals, no ``auto_now``: the caller sets what changes."""
    if not objs:
        return
    meta = model._meta
    qn = connection.ops.quote_name
    columns = [field for name in fields if isinstance(field := meta.get_field(name), models.Field)]
    if len(columns) != len(fields):
        raise ValueError(f"rows_update: {fields} are not all columns of {meta.label}")
    assigned = ", ".join(f"{qn(str(field.column))} = %s" for field in columns)
    sql = f"UPDATE {qn(meta.db_table)} SET {assigned} WHERE {qn(str(meta.pk.column))} = %s"
    params = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns] + [obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
