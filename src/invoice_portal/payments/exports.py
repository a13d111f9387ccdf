"""The statement of account as CSV rows (for the portal's and the seller's statement downloads)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from invoice_portal.core.csv_export import Text
from invoice_portal.core.money import as_str
from invoice_portal.payments.statements import Statement

STATEMENT_HEADER = ("Date", "Description", "Reference", "Debit", "Credit", "Balance", "Currency")


def statement_rows(statement: Statement) -> Iterator[list[Any]]:
    currency = statement.currency
    yield [statement.start, "Opening balance", "", "", "", as_str(statement.opening, currency), currency]
    for line in statement.lines:
        yield [
            line.date, line.description, Text(line.reference), as_str(line.debit, currency) if line.debit else "",
            as_str(line.credit, currency) if line.credit else "", as_str(line.balance, currency), currency,
        ]  # fmt: skip
    yield [statement.end, "Closing balance", "", as_str(statement.total_debit, currency), as_str(statement.total_credit, currency),
           as_str(statement.closing, currency), currency]  # fmt: skip
