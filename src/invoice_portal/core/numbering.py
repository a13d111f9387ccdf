"""Gapless document numbers.

A number is taken from a counter row inside the transaction that issues the document:
the row lock serializes concurrent issuers, and if the issue fails the increment rolls
back with it, so no number is ever burnt or given twice.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

from invoice_portal.core.models import NumberSequence


def _increment(key: str) -> int | None:
    """Add one to the counter and read it back in the same statement (which takes the row lock); None if no counter yet."""
    table, key_column, value_column = map(connection.ops.quote_name, (NumberSequence._meta.db_table, "key", "last_value"))
    sql = f"UPDATE {table} SET {value_column} = {value_column} + 1 WHERE {key_column} = %s RETURNING {value_column}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def next_value(key: str) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value must run inside the issuing transaction")
    value = _increment(key)
    if value is not None:
        return value
    try:
        with transaction.atomic():
            NumberSequence.objects.create(key=key, last_value=1)
            return 1
    except IntegrityError:
        # Another transaction created the counter first; take the next value from it.
        value = _increment(key)
        assert value is not None
        return value


def format_number(template: str, *, year: int, seq: int) -> str:
    return template.format(year=year, seq=seq)
