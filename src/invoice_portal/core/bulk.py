"""Inserting many new rows fast: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere (imports, business events);
``row_new`` makes their instances."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any

from django.db import connection, models
from django.db.models.base import DEFERRED, ModelState
from django.db.models.fields import return_None  # type: ignore[attr-defined]  # what Field.get_default() gives a field without a default
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init
from psycopg.types.json import Jsonb


@dataclass(frozen=True)
class _Plan:
    """How ``row_new`` builds one model's ``Model(*args)``: the arguments every instance starts from (constant
    defaults, ``DEFERRED`` for generated fields), the positions of the defaults computed per instance
    (``timezone.now``, ``dict``), and where each keyword goes (by attname, or by name for a foreign key)."""

    template: tuple[Any, ...]
    computed: tuple[tuple[int, Callable[[], Any]], ...]
    by_attname: dict[str, int]
    foreign: dict[str, tuple[int, models.Field[Any, Any]]]
    stored: tuple[tuple[int, str], ...]  # (position, attname) of the values kept in the instance's ``__dict__`` as they are
    assigned: tuple[tuple[int, str], ...]  # (position, attname) of those whose descriptor must see the assignment


@functools.cache
def _plan(model: type[models.Model]) -> _Plan:
    template: list[Any] = []
    computed: list[tuple[int, Callable[[], Any]]] = []
    by_attname: dict[str, int] = {}
    foreign: dict[str, tuple[int, models.Field[Any, Any]]] = {}
    stored: list[tuple[int, str]] = []
    assigned: list[tuple[int, str]] = []
    for i, field in enumerate(model._meta.concrete_fields):
        if field.generated:
            template.append(DEFERRED)
            continue
        by_attname[field.attname] = i
        # What ``Model.__init__`` does with a positional value is ``setattr``: the same as storing it for a plain
        # field (no descriptor, or one that only reads) and for a foreign key's id on a new instance (its descriptor
        # only drops a cached object, which a new instance has not got); any other descriptor that writes (a file) is
        # given the assignment.
        descriptor = inspect.getattr_static(model, field.attname, None)
        if hasattr(type(descriptor), "__set__") and not isinstance(descriptor, ForeignKeyDeferredAttribute):
            assigned.append((i, field.attname))
        else:
            stored.append((i, field.attname))
        if field.is_relation and field.name != field.attname:
            foreign[field.name] = (i, field)
        default = field._get_default  # type: ignore[attr-defined]  # Django's own choice of default, as get_default() calls it
        if default is return_None:
            template.append(None)
        elif default is str:
            template.append("")
        elif field.has_default() and not callable(field.default):
            template.append(field.default)  # the same object get_default() returns every time
        else:
            template.append(None)
            computed.append((i, default))
    return _Plan(tuple(template), tuple(computed), by_attname, foreign, tuple(stored), tuple(assigned))


def row_new[M: models.Model](model: type[M], **values: Any) -> M:
    """``model(**values)``: the same new instance, made the way Django makes the rows it reads (``Model(*args)``).

    The keyword path of ``Model.__init__`` looks every field up in the keywords and raises a ``KeyError`` for
    each one left to its default; with one instance per document, line, audit event and seal, an import spent
    more time there than in writing the rows. Here the defaults are laid out once per model and only the given
    values are placed. Values go by attname (``company_id``) or, for a foreign key, by name (``company``: the
    object's key is stored and the object cached, as the keyword path does); fields not given take their
    defaults; an unknown name is a ``TypeError``, as with ``model(**values)``, and so is a foreign key given both ways
    (which Django would take, the id overriding the object).
    """
    plan = _plan(model)
    args = list(plan.template)
    for i, default in plan.computed:
        args[i] = default()
    related: list[tuple[models.Field[Any, Any], Any]] = []
    unknown: list[str] = []
    by_attname = plan.by_attname
    for key, value in values.items():
        i = by_attname.get(key, -1)
        if i < 0:
            if (where := plan.foreign.get(key)) is None:
                unknown.append(key)
                continue
            i, field = where
            if field.attname in values:
                raise TypeError(f"{model.__name__}() got both {key} and its foreign key's other name")
            target = field.related_model
            if value is not None and isinstance(target, type) and not isinstance(value, target):  # as the foreign key's descriptor
                raise ValueError(f'"{model.__name__}.{key}" must be a "{target.__name__}" instance.')
            related.append((field, value))
            value = None if value is None else getattr(value, field.target_field.attname)  # type: ignore[attr-defined]
        args[i] = value
    if unknown:
        raise TypeError(f"{model.__name__}() got unexpected keyword arguments: {', '.join(unknown)}")
    if pre_init.receivers or post_init.receivers:
        instance = model(*args)  # someone listens for instances being made: let Django make it and tell them
    else:
        # ``Model(*args)`` without its per-field ``setattr`` loop (~40 calls for a document): the instance state, then
        # the values straight into the instance's dictionary, as that loop leaves them.
        instance = model.__new__(model)
        instance._state = ModelState()
        instance.__dict__.update([(name, args[i]) for i, name in plan.stored])
        for i, name in plan.assigned:
            setattr(instance, name, args[i])
    for field, obj in related:
        field.set_cached_value(instance, obj)  # type: ignore[attr-defined]
    return instance


def _copy_getter(field: models.Field[Any, Any], encoded: dict[int, str]) -> Callable[[models.Model], Any]:
    """How to read one column of a new row for ``COPY``: auto dates set as ``save()`` would, JSON encoded by the field's
    encoder. ``encoded`` holds the JSON text of the values encoded so far by the same ``rows_insert`` call, by
    ``id()``: a value that several rows or columns hold (the "after" of one audit event is the "before" of the next)
    is encoded once. The ids are safe keys because the rows keep their values alive until the call ends."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, add=True)
    if isinstance(field, models.JSONField):
        dumps = partial(json.dumps, cls=field.encoder)
        attname = field.attname

        def get_json(obj: models.Model) -> Jsonb | None:
            value = getattr(obj, attname)
            if value is None:
                return None
            text = encoded.get(id(value))
            if text is None:
                text = encoded[id(value)] = dumps(value)
            return Jsonb(text, dumps=_as_is)

        return get_json
    return attrgetter(field.attname)


def _as_is(text: str) -> str:
    return text


# The PostgreSQL type of each Django field type a binary ``COPY`` writes (see ``_binary_types``).
_BINARY_TYPES = {
    "AutoField": "int4", "BigAutoField": "int8", "SmallAutoField": "int2", "IntegerField": "int4", "BigIntegerField": "int8",
    "SmallIntegerField": "int2", "PositiveIntegerField": "int4", "PositiveBigIntegerField": "int8",
    "PositiveSmallIntegerField": "int2", "CharField": "varchar", "TextField": "text", "BinaryField": "bytea",
    "BooleanField": "bool", "DateField": "date", "DateTimeField": "timestamptz", "DecimalField": "numeric", "JSONField": "jsonb",
    "UUIDField": "uuid",
}  # fmt: skip


def _binary_types(fields: Sequence[models.Field[Any, Any]]) -> list[str] | None:
    """The columns' types for a binary ``COPY``, for a table with a bytes column (a kept original): in text format
    each byte travels as two hex digits, escaped, which the server decodes again. None: text format (no bytes
    column, or a column of a type not listed)."""
    if not any(isinstance(f, models.BinaryField) for f in fields):
        return None
    types = []
    for field in fields:
        target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
        name = _BINARY_TYPES.get(target.get_internal_type())
        if name is None:
            return None
        types.append(name)
    return types


# The ids of new rows (as many as the last parameter) in one statement: the sequence behind the table's key is
# looked up once (the materialized CTE) and ``nextval`` runs per row on its oid, ~4× cheaper per row than
# ``pg_get_serial_sequence`` in the select list, which PostgreSQL evaluates for every row.
_NEW_IDS = (
    "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) SELECT nextval(s.seq) FROM s, generate_series(1, %s)"
)


# Up to this many rows, one ``INSERT … RETURNING`` (one round trip) beats the sequence read and the ``COPY``
# exchange (three): what one transition writes, e.g. its business events.
SMALL_INSERT = 4


def rows_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new rows (of any model without side effects on save) and set their ids: ``COPY`` on PostgreSQL,
    ``bulk_create`` elsewhere.

    ``bulk_create`` spends most of its time preparing each value of each row; ``COPY`` streams the
    rows as they are. The ids are taken from the table's sequence first, as an INSERT would. A few rows
    (``SMALL_INSERT``) go in one ``INSERT … RETURNING`` of the same values instead.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    qn = connection.ops.quote_name
    if len(objs) <= SMALL_INSERT:
        _rows_insert_returning(model, objs)
        return
    with connection.cursor() as cursor:
        cursor.execute(_NEW_IDS, [meta.db_table, meta.pk.column, len(objs)])
        _stored(objs, cursor.fetchall())
        fields = [f for f in meta.concrete_fields if not f.generated]
        encoded: dict[int, str] = {}
        getters = [_copy_getter(f, encoded) for f in fields]
        columns = ", ".join(qn(str(f.column)) for f in fields)
        types = _binary_types(fields)
        binary = " (FORMAT BINARY)" if types is not None else ""
        with cursor.cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN{binary}") as copy:
            if types is not None:
                copy.set_types(types)
            for obj in objs:
                copy.write_row([get(obj) for get in getters])


_INSERTS: dict[tuple[type[models.Model], int], tuple[list[models.Field[Any, Any]], str]] = {}


def _insert_statement(model: type[models.Model], count: int) -> tuple[list[models.Field[Any, Any]], str]:
    """The columns and the ``INSERT … RETURNING`` of ``count`` rows of ``model``, written once per process (every
    transition inserts the same few shapes: its document, lines, audit event, business event, message)."""
    statement = _INSERTS.get((model, count))
    if statement is None:
        meta = model._meta
        qn = connection.ops.quote_name
        fields = [f for f in meta.concrete_fields if not f.generated and not f.primary_key]
        row = f"({', '.join(['%s'] * len(fields))})"
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(str(f.column)) for f in fields)}) "
            f"VALUES {', '.join([row] * count)} RETURNING {qn(str(meta.pk.column))}"
        )
        statement = _INSERTS[(model, count)] = (fields, sql)
    return statement


def _rows_insert_returning(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """``rows_insert`` of a few rows: the same column values, in one ``INSERT … RETURNING`` (PostgreSQL)."""
    fields, sql = _insert_statement(model, len(objs))
    encoded: dict[int, str] = {}
    getters = [_copy_getter(f, encoded) for f in fields]
    params = [get(obj) for obj in objs for get in getters]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        _stored(objs, cursor.fetchall())


def _stored(objs: Sequence[models.Model], ids: Sequence[tuple[Any, ...]]) -> None:
    """Mark new rows as saved under their ids, as ``save()`` would."""
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def rows_update(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Store ``fields`` of existing rows, each row its own values: on PostgreSQL one ``UPDATE … FROM (VALUES …)`` joining
    the rows' new values by id; elsewhere (or with a row given twice) one ``UPDATE … WHERE id = %s`` prepared once and run
    for every row (``executemany``). ``bulk_update`` builds one ``CASE`` per field listing every row (slow to build and to
    run for hundreds of rows). No signals, no ``auto_now``: the caller sets what changes."""
    if not objs:
        return
    meta = model._meta
    qn = connection.ops.quote_name
    columns = [field for name in fields if isinstance(field := meta.get_field(name), models.Field)]
    if len(columns) != len(fields):
        raise ValueError(f"rows_update: {fields} are not all columns of {meta.label}")
    params = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns] + [obj.pk] for obj in objs]
    if connection.vendor == "postgresql" and len({obj.pk for obj in objs}) == len(objs):
        _rows_update_from_values(model, columns, params)
        return
    assigned = ", ".join(f"{qn(str(field.column))} = %s" for field in columns)
    sql = f"UPDATE {qn(meta.db_table)} SET {assigned} WHERE {qn(str(meta.pk.column))} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


UPDATE_BATCH = 500


def _rows_update_from_values(model: type[models.Model], columns: Sequence[models.Field[Any, Any]], params: list[list[Any]]) -> None:
    """``rows_update`` on PostgreSQL: one ``UPDATE … FROM (VALUES …)`` per ``UPDATE_BATCH`` rows (each row once), the values
    cast to their columns' types."""
    meta = model._meta
    qn = connection.ops.quote_name
    assigned = ", ".join(f"{qn(str(field.column))} = v.c{i}" for i, field in enumerate(columns))
    row = f"({', '.join(f'%s::{field.cast_db_type(connection)}' for field in [*columns, meta.pk])})"
    names = ", ".join([*(f"c{i}" for i in range(len(columns))), "pk"])
    with connection.cursor() as cursor:
        for start in range(0, len(params), UPDATE_BATCH):
            batch = params[start : start + UPDATE_BATCH]
            cursor.execute(
                f"UPDATE {qn(meta.db_table)} SET {assigned} FROM (VALUES {', '.join([row] * len(batch))}) AS v({names}) "
                f"WHERE {qn(meta.db_table)}.{qn(str(meta.pk.column))} = v.pk",
                [value for values in batch for value in values],
            )
