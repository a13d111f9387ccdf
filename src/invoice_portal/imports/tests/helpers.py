"""Keyword-default builders for import tests: rows, CSV text, running a batch."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from invoice_portal.imports.models import ImportBatch
from invoice_portal.imports.services import import_batch_create, import_batch_run


def invoice_row(
    *,
    external_id: str = "ERP-1",
    company: str = "ACME",
    description: str = "Widget",
    quantity: str = "1",
    unit_price: str = "100.00",
    **extra: str,
) -> dict[str, str]:
    return {
        "external_id": external_id, "company_external_id": company, "description": description, "quantity": quantity,
        "unit_price": unit_price, **extra,
    }  # fmt: skip


def payment_row(
    *, external_id: str = "PAY-1", company: str = "ACME", amount: str = "100.00", method: str = "wire", **extra: str
) -> dict[str, str]:
    return {"external_id": external_id, "company_external_id": company, "amount": amount, "method": method, **extra}


def allocation_row(*, external_id: str = "PAY-1", **cells: str) -> dict[str, str]:
    """A further row of a payment: only its allocation cells (the document cells stay empty)."""
    return {"external_id": external_id, **cells}


def order_row(
    *, external_id: str = "SO-1", company: str = "ACME", description: str = "Widget", unit_price: str = "25.00", **extra: str
) -> dict[str, str]:
    return {"external_id": external_id, "company_external_id": company, "description": description, "unit_price": unit_price, **extra}


def csv_text(rows: list[dict[str, str]]) -> str:
    """A CSV whose header is every column any row uses, in first-seen order; missing cells are empty."""
    header: list[str] = []
    for row in rows:
        header += [k for k in row if k not in header]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def run_import(
    rows: list[dict[str, Any]] | None = None,
    *,
    kind: str = "invoices",
    text: str | None = None,
    fmt: str = "csv",
    actor: Any = None,
    dry_run: bool = False,
    progress: Any = None,
) -> ImportBatch:
    if text is None:
        assert rows is not None
        text = csv_text(rows) if fmt == "csv" else json.dumps({"kind": kind, "rows": rows})
    batch = import_batch_create(actor=actor, kind=kind, fmt=fmt, payload=text.encode(), filename=f"batch.{fmt}", dry_run=dry_run)
    return import_batch_run(batch_id=batch.pk, progress=progress)


def errors_of(batch: ImportBatch) -> set[tuple[int, str]]:
    return {(e["row"], e["column"]) for e in batch.errors}
