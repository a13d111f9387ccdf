"""CSV files streamed row by row, so a long list never sits in memory.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or tab, carriage
return) as a formula. Every text cell that comes from stored data (wrapped in ``Text``) and starts
so gets a leading ``'``; amounts and dates are formatted by the caller's row function (an amount is
a plain number, a negative balance included, which a spreadsheet reads as a number and never runs).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000


class Text(str):
    """A cell from stored data: neutralized when written."""

    __slots__ = ()


def neutralize(value: str) -> str:
    """A text cell a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Text):
        return neutralize(str(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Echo:
    """A file-like object whose ``write`` hands back the line, for ``csv.writer`` inside a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM makes spreadsheet programs read UTF-8
    for row in rows:
        yield writer.writerow([_cell(cell) for cell in row])


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def export_filename(stem: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.csv"
