"""Gapless document numbers.

A number is taken from a counter row inside the transaction that issues the document:
the row lock serializes concurrent issuers, and if the issue fails the increment rolls
back with it, so no number is ever burnt or given twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.db import IntegrityError, connection, transaction

from invoice_portal.core.errors import ValidationFailed
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


# --- Number formats --------------------------------------------------------------------------------
# A format is literal text with the documented placeholders only: {year}, {seq} and {seq:0Nd} (the
# sequence zero-padded to N digits, 1 ≤ N ≤ 12); {{ and }} are literal braces. It is parsed by this
# small grammar, never by str.format, which would also evaluate {seq[0]} or {year.__class__}.

_TOKEN = re.compile(r"\{\{|\}\}|\{(?P<name>year|seq)(?::0(?P<width>[1-9]|1[0-2])d)?\}|(?P<literal>[^{}]+)|(?P<bad>[{}])")
PLACEHOLDERS = "{year}, {seq} and {seq:0Nd} (N from 1 to 12, e.g. {seq:06d}); {{ and }} for literal braces"


@dataclass(frozen=True)
class _Field:
    name: str
    width: int


@cache
def parse_number_format(template: str) -> tuple[str | _Field, ...]:
    """The parts of a number format, or ``ValidationFailed`` naming where it breaks the grammar."""
    parts: list[str | _Field] = []
    position = 0
    while position < len(template):
        match = _TOKEN.match(template, position)
        assert match is not None  # every character matches one alternative
        if match.group("bad") is not None:
            raise ValidationFailed(
                f"number format: unknown placeholder at character {position + 1} of '{template}'; use only {PLACEHOLDERS}."
            )
        if match.group("name") is not None:
            parts.append(_Field(match.group("name"), int(match.group("width") or 0)))
        elif match.group("literal") is not None:
            parts.append(match.group("literal"))
        else:
            parts.append(match.group()[0])
        position = match.end()
    return tuple(parts)


def format_number(template: str, *, year: int, seq: int) -> str:
    """The document number ``template`` gives for ``year`` and ``seq`` (``ValidationFailed`` for a broken format)."""
    values = {"year": year, "seq": seq}
    return "".join(part if isinstance(part, str) else f"{values[part.name]:0{part.width}d}" for part in parse_number_format(template))
