"""Helpers for database constraints over money columns.

Amounts are stored with 4 decimal places. PostgreSQL compares them exactly; SQLite (the
embedded demo database) evaluates arithmetic in floating point, where 40.7 − 20 is not
20.7. Constraints that do arithmetic therefore allow a slack of half the storage
resolution: on exact databases that admits no other value, on SQLite it absorbs the
float error.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, Value
from django.db.models.expressions import Combinable

SLACK = Value(Decimal("0.00005"))


def equals(field: str, expression: Combinable) -> Q:
    return Q(**{f"{field}__gte": expression - SLACK}) & Q(**{f"{field}__lte": expression + SLACK})


def at_most(field: str, expression: Combinable) -> Q:
    return Q(**{f"{field}__lte": expression + SLACK})
