"""Row errors of an import: every problem names its row, its column and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A file with a systematic mistake can have an error on each of a million rows; the report lists
# the first ones (all are counted) so that the answer stays readable.
MAX_REPORTED = 10_000


@dataclass(frozen=True)
class RowError:
    row: int  # CSV: the line in the file as a spreadsheet numbers it (header = 1); JSON: position in `rows` from 1; 0: the batch itself
    column: str  # "" when the problem is not one cell's
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class CellError(Exception):
    """A value that cannot be used; the caller knows the row."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class BatchUnreadable(Exception):
    """The payload as a whole cannot be read (not UTF-8, not JSON, no header…)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class ErrorLog:
    """Every error counted, the first ``cap`` kept."""

    def __init__(self, cap: int = MAX_REPORTED) -> None:
        self.cap = cap
        self.items: list[RowError] = []
        self.total = 0

    def add(self, row: int, column: str, message: str) -> None:
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append(RowError(row, column, message))

    def extend(self, errors: list[RowError]) -> None:
        for e in errors:
            self.add(e.row, e.column, e.message)

    def __bool__(self) -> bool:
        return self.total > 0

    def as_list(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in sorted(self.items, key=lambda e: (e.row, e.column))]
