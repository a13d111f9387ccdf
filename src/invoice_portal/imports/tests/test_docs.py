"""docs/imports.md documents every column, and its examples import as they say."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from invoice_portal.imports.exports import INVOICE_COLUMNS, PAYMENT_COLUMNS
from invoice_portal.imports.schema import COLUMNS
from invoice_portal.imports.tests.helpers import run_import
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice
from invoice_portal.testing import Personas, make_order

DOC = Path(__file__).resolve().parents[4] / "docs" / "imports.md"


def _section(title: str) -> str:
    text = DOC.read_text()
    start = text.index(title)
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("invoices", "## Invoices"),
        ("orders", "## Orders"),
        ("payments", "## Payments"),
        ("purchase_orders", "## Purchase orders"),
        ("companies", "## Companies"),
    ],
)
def test_every_import_column_is_documented_in_its_section(kind: str, title: str) -> None:
    section = _section(title)
    for column in COLUMNS[kind]:
        assert f"| `{column.name}` |" in section, column.name


def test_every_export_column_is_documented() -> None:
    section = _section("## CSV exports")
    for name, _, _ in (*INVOICE_COLUMNS, *PAYMENT_COLUMNS):
        assert f"| `{name}` |" in section, name


@pytest.mark.django_db
def test_the_examples_import_as_documented(personas: Personas) -> None:
    make_order(company=personas.acme, source="bigcommerce", external_id="100245", placed_by=personas.alice)
    examples = dict(re.findall(r"Example \(`(\w+)\.csv`\):\n\n```csv\n(.*?)```", DOC.read_text(), re.S))
    assert set(examples) == {"invoices", "orders", "payments"}

    for kind in ("orders", "invoices", "payments"):
        batch = run_import(text=examples[kind], kind=kind)
        assert batch.status == "succeeded", (kind, batch.errors)

    assert Invoice.objects.get(external_id="ERP-2026-0042").status == "paid"
    assert Invoice.objects.get(external_id="ERP-2026-0043").balance == Decimal("0")
    assert check_books() == []
