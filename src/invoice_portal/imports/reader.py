"""Reading a batch: CSV or JSON payload → numbered rows of text cells → documents (groups of rows).

Both formats give the same thing: rows whose cells are strings ("" = empty). CSV is read as a
stream, so a file of a million rows needs no more memory than one document; a JSON batch is one
JSON value and is parsed whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from invoice_portal.core.text import text_problem
from invoice_portal.imports.errors import BatchUnreadable, ErrorLog, RowError
from invoice_portal.imports.models import ImportFormat
from invoice_portal.imports.schema import COLUMNS, Level


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Group:
    """The consecutive rows of one document (an invoice and its lines, a payment and its allocations)."""

    key: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)

    @property
    def first(self) -> int:
        return self.rows[0].number

    @property
    def row_numbers(self) -> list[int]:
        return [r.number for r in self.rows]


def _decode(payload: bytes) -> str:
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BatchUnreadable([RowError(0, "", f"The file is not UTF-8 text (byte {exc.start} cannot be read).")]) from None


def _checked_text(row: int, values: dict[str, str], errors: ErrorLog) -> dict[str, str]:
    """The row's values that follow the text rule (``core.text``); each that does not is an error naming its row and column."""
    kept: dict[str, str] = {}
    for name, value in values.items():
        problem = text_problem(value)
        if problem is None:
            kept[name] = value
        else:
            errors.add(row, name, f"{name} {problem}.")
    return kept


class BatchReader:
    """Checks the header once, then yields rows; ``count()`` counts them without keeping them."""

    def __init__(self, payload: bytes, fmt: str, kind: str) -> None:
        self.kind = kind
        self.fmt = fmt
        self.columns = {c.name: c for c in COLUMNS[kind]}
        if fmt == ImportFormat.CSV:
            self._text = _decode(payload)
            self._header = self._csv_header()
            self._json_rows: list[Any] = []
        elif fmt == ImportFormat.JSON:
            self._json_rows = self._json_body(payload)
        else:
            raise BatchUnreadable([RowError(0, "", f"Unknown format '{fmt}': csv or json.")])

    # --- CSV ---------------------------------------------------------------------------------------

    def _csv_header(self) -> list[str]:
        reader = csv.reader(io.StringIO(self._text, newline=""))
        try:
            header = next(reader)
        except StopIteration:
            raise BatchUnreadable([RowError(0, "", "The file is empty: a CSV import starts with a header row.")]) from None
        except csv.Error as exc:
            raise BatchUnreadable([RowError(1, "", f"The header row cannot be read: {exc}.")]) from None
        names = [h.strip().lower() for h in header]
        problems: list[RowError] = []
        seen: set[str] = set()
        for name in names:
            if not name:
                problems.append(RowError(1, "", "The header has an empty column name."))
            elif name not in self.columns:
                problems.append(RowError(1, name, f"Unknown column '{name}' for a {self.kind} import (see docs/imports.md)."))
            elif name in seen:
                problems.append(RowError(1, name, f"Column '{name}' appears twice in the header."))
            seen.add(name)
        for column in self.columns.values():
            if column.required and column.name not in seen:
                problems.append(RowError(1, column.name, f"Required column '{column.name}' is missing from the header."))
        if problems:
            raise BatchUnreadable(problems)
        return names

    def _csv_rows(self, errors: ErrorLog) -> Iterator[Row]:
        reader = csv.reader(io.StringIO(self._text, newline=""))
        width = len(self._header)
        last_line = 0
        try:
            for cells in reader:
                start, last_line = last_line + 1, reader.line_num
                if start == 1 or not any(c.strip() for c in cells):
                    continue  # the header, or a blank line
                if len(cells) != width:
                    errors.add(start, "", f"The row has {len(cells)} cells; the header has {width}.")
                    continue
                values = {name: cell.strip() for name, cell in zip(self._header, cells, strict=True) if cell.strip()}
                yield Row(start, _checked_text(start, values, errors))
        except csv.Error as exc:
            errors.add(last_line + 1, "", f"The CSV cannot be read from here on: {exc}.")

    # --- JSON --------------------------------------------------------------------------------------

    def _json_body(self, payload: bytes) -> list[Any]:
        try:
            body = json.loads(_decode(payload), parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise BatchUnreadable([RowError(0, "", f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")]) from None
        except (ValueError, RecursionError):  # a number of thousands of digits, or nesting thousands deep
            raise BatchUnreadable(
                [RowError(0, "", "Not a JSON batch this import can read (a value is too large or nested too deep).")]
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
            raise BatchUnreadable([RowError(0, "", 'A JSON batch is an object: {"kind": "invoices", "rows": [{…}, …]}.')])
        if body.get("kind") not in (None, self.kind):
            raise BatchUnreadable([RowError(0, "kind", f"The batch says kind '{body.get('kind')}', the import is of {self.kind}.")])
        unknown = set(body) - {"kind", "rows"}
        if unknown:
            raise BatchUnreadable([RowError(0, "", f"Unknown keys in the batch: {', '.join(sorted(unknown))}.")])
        return body["rows"]

    def _json_rows_iter(self, errors: ErrorLog) -> Iterator[Row]:
        for index, raw in enumerate(self._json_rows, start=1):
            if not isinstance(raw, dict):
                errors.add(index, "", "A row is an object of column names to values.")
                continue
            values: dict[str, str] = {}
            for name, value in raw.items():
                if name not in self.columns:
                    errors.add(index, str(name), f"Unknown column '{name}' for a {self.kind} import (see docs/imports.md).")
                elif value is None:
                    continue
                elif isinstance(value, bool) or not isinstance(value, str | int | Decimal):
                    errors.add(index, name, "A value is a string or a number.")
                elif text := str(value).strip():
                    values[name] = text
            yield Row(index, _checked_text(index, values, errors))

    # --- both --------------------------------------------------------------------------------------

    def rows(self, errors: ErrorLog) -> Iterator[Row]:
        return self._csv_rows(errors) if self.fmt == ImportFormat.CSV else self._json_rows_iter(errors)

    def count(self) -> int:
        if self.fmt == ImportFormat.JSON:
            return len(self._json_rows)
        reader = csv.reader(io.StringIO(self._text, newline=""))
        try:
            return max(sum(1 for cells in reader if any(c.strip() for c in cells)) - 1, 0)
        except csv.Error:
            return 0

    def document_columns(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.level == Level.DOCUMENT]


def group_rows(rows: Iterator[Row], key: Callable[[Row], tuple[str, ...]], errors: ErrorLog, *, label: str) -> Iterator[Group]:
    """Consecutive rows with the same key form one document.

    A key that comes back after another document is refused rather than merged: the rows of
    one document must be together, which lets a file of any size be read in one pass.
    A row without a key is a document of its own (its missing id is reported by the kind).
    """
    seen: dict[tuple[str, ...], int] = {}
    current: Group | None = None
    skipping: tuple[str, ...] | None = None
    for row in rows:
        k = key(row)
        if current is not None and k == current.key and all(k):
            current.rows.append(row)
            continue
        if k == skipping:
            continue
        if current is not None:
            yield current
            current = None
        skipping = None
        if all(k) and k in seen:
            errors.add(row.number, "external_id", f"{label} '{k[-1]}' already appeared at row {seen[k]}; its rows must be consecutive.")
            skipping = k
            continue
        if all(k):
            seen[k] = row.number
        current = Group(k, [row])
    if current is not None:
        yield current
