"""Querysets compiled to SQL once per database, then run again with new values.

Django builds a query's SQL each time it is evaluated. For the small statements every transition
runs (the document locked by its key, its lines, the settings row) building costs more than the
database's own work: ~60 % of a locked read's client time, measured (docs/domain.md, "Where a
transition's time goes"). ``Prepared`` builds a queryset's shape once per database alias, with a
marker value in place of each parameter, keeps the compiler that built it, and runs the same SQL
with the caller's values through Django's own model iteration — ``select_related``, converters and
``prefetch_related`` behave as on the plain queryset, and the rows are the same.

Only shapes whose SQL does not depend on the values can be prepared: scalar ``int`` and ``str``
parameters compared with ``=`` (a primary or foreign key, a code). A value of another type, or
``None`` (which Django would turn into ``IS NULL``), is refused with ``TypeError``; a marker the
compiled SQL does not carry, or carries in a transformed form, is refused when the shape is built,
so a shape that cannot be prepared fails loudly on its first use instead of reading wrong rows.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

_KINDS = (int, str)
# Negative values within a 32-bit integer column's range (Django refuses values outside a column's range
# before they reach the SQL) that no key sequence hands out; a constant of the shape equal to one is refused.
_int_markers = itertools.count(-2_000_000_001, -1)
_BIGINT = (-(2**63), 2**63 - 1)


def _marker(kind: type, name: str) -> int | str:
    """A value no caller passes, of the parameter's kind (``Prepared`` took only int or str kinds)."""
    return next(_int_markers) if kind is int else f"\u2060prepared:{name}:{next(_int_markers)}\u2060"


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet[Any]
    compiler: Any  # the SQLCompiler that built ``sql``: its select list and row layout are reused
    sql: str
    params: tuple[Any, ...]
    positions: tuple[tuple[str, int], ...]  # (parameter name, index in params)
    for_update: bool


class _BoundQuery:
    """The compiled query for one run: hands Django's model iteration the compiler with this run's values."""

    __slots__ = ("_compiler", "_query")

    def __init__(self, query: Any, compiler: Any) -> None:
        self._query, self._compiler = query, compiler

    def get_compiler(self, using: str | None = None, connection: Any = None, elide_empty: bool = True) -> Any:
        return self._compiler

    def __getattr__(self, name: str) -> Any:
        return getattr(self._query, name)


class Prepared[R]:
    """``build(**parameters)`` returns the queryset (of model instances, or of ``values_list`` rows); ``kinds``
    names each parameter's type (int or str).

    ``Prepared(lambda pk: Invoice.objects.select_for_update().filter(pk=pk), pk=int).one(pk=5)``
    """

    def __init__(self, build: Callable[..., QuerySet[Any, R]], **kinds: type) -> None:
        for name, kind in kinds.items():
            if kind not in _KINDS:
                raise TypeError(f"prepared parameter {name}: int or str, not {kind.__name__}")
        self._build, self._kinds = build, kinds
        self._compiled: dict[str, _Compiled] = {}
        self._template: QuerySet[Any, R] | None = None

    def _compile(self, alias: str) -> _Compiled:
        markers = {name: _marker(kind, name) for name, kind in self._kinds.items()}
        queryset = self._build(**markers).using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = []
        for name, marker in markers.items():
            found = [i for i, value in enumerate(params) if type(value) is type(marker) and value == marker]
            if len(found) != 1:
                raise TypeError(f"prepared parameter {name}: the compiled query carries it {len(found)} times, not once as given")
            positions.append((name, found[0]))
        compiled = _Compiled(queryset, compiler, sql, tuple(params), tuple(positions), bool(queryset.query.select_for_update))
        self._compiled[alias] = compiled
        return compiled

    def _shape(self) -> QuerySet[Any, R]:
        """The queryset built once with markers, never run: its model, and the database it would run on."""
        if self._template is None:
            self._template = self._build(**{name: _marker(kind, name) for name, kind in self._kinds.items()})
        return self._template

    def all(self, *, using: str | None = None, **values: Any) -> list[R]:
        """The rows of the queryset built with ``values``, as the plain queryset would return them."""
        if values.keys() != self._kinds.keys():
            raise TypeError(f"prepared query takes {', '.join(sorted(self._kinds))}, given {', '.join(sorted(values))}")
        alias = using or self._shape().db  # the router's choice, for reading or (locking) writing
        compiled = self._compiled.get(alias) or self._compile(alias)
        params = list(compiled.params)
        for name, index in compiled.positions:
            value = values[name]
            if type(value) is not self._kinds[name]:
                raise TypeError(f"prepared parameter {name}: {self._kinds[name].__name__}, not {type(value).__name__}")
            if type(value) is int and not _BIGINT[0] <= value <= _BIGINT[1]:
                return []  # no key column holds it (Django's own lookup reads nothing for it either)
            params[index] = value
        connection = connections[alias]
        if compiled.for_update and connection.features.has_select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")  # as Django says it
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        run = (compiled.sql, tuple(params))
        compiler.as_sql = lambda *args, **kwargs: run
        # A fresh queryset of the prepared one's state whose query hands the model iteration this compiler.
        template = compiled.queryset
        queryset = template.__class__.__new__(template.__class__)
        queryset.__dict__.update(template.__dict__)
        queryset.__dict__.update(_query=_BoundQuery(template.query, compiler), _result_cache=None, _prefetch_done=False)
        return list(queryset)

    def one(self, *, using: str | None = None, **values: Any) -> R:
        """The one row, or the model's ``DoesNotExist`` / ``MultipleObjectsReturned`` as ``QuerySet.get`` raises them."""
        rows = self.all(using=using, **values)
        if len(rows) == 1:
            return rows[0]
        model: Any = self._shape().model
        if not rows:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name} -- it returned {len(rows)}!")

    def first(self, *, using: str | None = None, **values: Any) -> R | None:
        rows = self.all(using=using, **values)
        return rows[0] if rows else None


class PreparedIn[R]:
    """A shape filtered by a list of integer keys (``pk__in``): one prepared statement per count of keys.

    ``build(keys)`` returns the queryset for a list of keys. Up to ``most`` keys, each count's statement is
    built once; more keys, or keys that are not ints, build the queryset as Django does, with the same rows.
    """

    def __init__(self, build: Callable[[list[Any]], QuerySet[Any, R]], *, most: int = 8) -> None:
        self._build, self._most = build, most
        self._by_count: dict[int, Prepared[R]] = {}

    def all(self, keys: Sequence[Any]) -> list[R]:
        if len(keys) > self._most or any(type(key) is not int for key in keys):
            return list(self._build(list(keys)))
        prepared = self._by_count.get(len(keys))
        if prepared is None:
            names = [f"key{i}" for i in range(len(keys))]
            prepared = self._by_count[len(keys)] = Prepared(lambda **given: self._build(list(given.values())), **dict.fromkeys(names, int))
        return prepared.all(**{f"key{i}": key for i, key in enumerate(keys)})
