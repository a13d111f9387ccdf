"""What every import kind shares: reading a document's cells, locating domain errors on rows, results.

A kind turns groups of rows into *plans* (validated, looked up, with the action each would take:
created, updated or unchanged) and applies plans through the domain services. Planning writes
nothing, so the same code validates a batch, previews a dry run and prepares the apply phase.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from invoice_portal.core.errors import DomainError
from invoice_portal.imports.errors import MAX_REPORTED, CellError, ErrorLog
from invoice_portal.imports.reader import Group, Row
from invoice_portal.imports.schema import COLUMNS, Column, Level


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class Results:
    """What the batch did (or, in a dry run, would do), per document; counts are always complete."""

    counts: dict[str, int] = field(default_factory=lambda: {a.value: 0 for a in Action})
    items: list[dict[str, Any]] = field(default_factory=list)
    cap: int = MAX_REPORTED

    def record(self, *, rows: list[int], external_id: str, action: Action, object_id: int | None) -> None:
        self.counts[action] += 1
        if len(self.items) < self.cap:
            self.items.append({"rows": rows, "external_id": external_id, "action": action.value, "id": object_id})

    @property
    def documents(self) -> int:
        return sum(self.counts.values())


@dataclass
class Document:
    """The document-level cells of a group: the first non-empty value of each, and the row it came from."""

    group: Group
    values: dict[str, str]
    origin: dict[str, int]

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def row(self, column: str) -> int:
        return self.origin.get(column, self.group.first)

    @property
    def external_id(self) -> str:
        return self.get("external_id")


def parse_date(value: str, column: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CellError(column, f"'{value}' is not a date (YYYY-MM-DD).") from None


_INDEXED = re.compile(r"^(?P<list>\w+)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?$")


class BatchKind:
    """One import kind. Subclasses define ``key``, ``plan`` and ``apply``."""

    kind: str
    label: str  # "invoice": used in messages
    # Domain field names that are not column names (``lines[0].discount`` is the ``line_discount`` column).
    field_columns: dict[str, str] = {}
    chunk_size = 500
    # Whether the kind can run staged (SQLite: chunks in short transactions, published at the end; see services).
    can_stage = False

    def __init__(self, *, actor: Any) -> None:
        self.actor = actor
        self.columns: dict[str, Column] = {c.name: c for c in COLUMNS[self.kind]}
        self.document_columns = [c.name for c in self.columns.values() if c.level == Level.DOCUMENT]
        self.line_columns = [c.name for c in self.columns.values() if c.level == Level.LINE]

    def applying(self) -> BatchKind:
        """The instance that plans and applies the batch again after this one validated it: a fresh one, to which a
        kind may hand what its validating pass computed that no one else's writes can change (see ``InvoiceKind``)."""
        return type(self)(actor=self.actor)

    def key(self, row: Row) -> tuple[str, ...]:
        raise NotImplementedError

    def plan(self, groups: Sequence[Group], errors: ErrorLog) -> list[Any]:
        raise NotImplementedError

    def apply(self, plans: Sequence[Any], errors: ErrorLog, results: Results) -> None:
        raise NotImplementedError

    def stage(self, plans: Sequence[Any], errors: ErrorLog, batch_id: int) -> None:
        raise NotImplementedError

    def publish(self, errors: ErrorLog, results: Results, batch_id: int) -> None:
        raise NotImplementedError

    # --- shared checks -----------------------------------------------------------------------------

    def document(self, group: Group, errors: ErrorLog) -> Document | None:
        """Check every cell of the group and gather the document-level ones; None when anything is wrong."""
        before = errors.total
        values: dict[str, str] = {}
        origin: dict[str, int] = {}
        for row in group.rows:
            for name, value in row.values.items():
                column = self.columns[name]
                if column.max_length is not None and len(value) > column.max_length:
                    errors.add(row.number, name, f"At most {column.max_length} characters (got {len(value)}).")
                if column.choices and value not in column.choices:
                    errors.add(row.number, name, f"'{value}' is not one of: {', '.join(column.choices)}.")
                if column.level != Level.DOCUMENT:
                    continue
                if name not in values:
                    values[name], origin[name] = value, row.number
                elif values[name] != value:
                    errors.add(
                        row.number, name, f"'{value}' differs from '{values[name]}' at row {origin[name]}; one {self.label} has one {name}."
                    )
            for name in self.line_columns:
                if self.columns[name].required and not row.get(name):
                    errors.add(row.number, name, "Required.")
        for name in self.document_columns:
            if self.columns[name].required and name not in values:
                errors.add(group.first, name, "Required.")
        if errors.total > before:
            return None
        return Document(group, values, origin)

    def locate(self, exc: DomainError, document: Document, errors: ErrorLog, *, line_rows: Sequence[int] | None = None) -> None:
        """Record a domain error on the row and column it is about.

        Services name the field they refuse (``lines[2].quantity``, ``due_date``); indexed fields
        point at the n-th line row of the document (``line_rows``, default every row of it).
        """
        name = exc.field or ""
        rows = list(line_rows) if line_rows is not None else document.group.row_numbers
        message = exc.message
        if name and message.startswith(f"{name}: "):
            message = message[len(name) + 2 :]
        match = _INDEXED.match(name)
        if match:
            index = int(match["index"])
            row = rows[index] if index < len(rows) else document.group.first
            key = f"{match['list']}.{match['field']}" if match["field"] else match["list"]
            column = self.field_columns.get(key, match["field"] or "")
        else:
            column = self.field_columns.get(name, name if name in self.columns else "")
            row = document.row(column) if column else document.group.first
        errors.add(row, column, message)
