"""``invoice-portal import FILE``: the same import from the command line, with a progress bar on stderr."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from invoice_portal.audit.models import AuditEvent
from invoice_portal.imports.tests.helpers import csv_text, invoice_row, payment_row
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.models import Payment
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db


def _file(tmp_path: Path, text: str, name: str = "erp.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_file_is_imported_with_a_progress_bar(personas: Personas, tmp_path: Path) -> None:
    path = _file(tmp_path, csv_text([invoice_row(external_id=f"E-{i}") for i in range(5)]))

    out, err = _run(path, "--as", "finance@demo.test")

    assert "5 invoices from 5 rows — 5 were created" in out
    assert "validating" in err
    assert "running" in err
    assert "5/5 rows" in err
    assert Invoice.objects.count() == 5
    assert set(AuditEvent.objects.filter(action="invoice.create").values_list("actor__email", "channel")) == {
        ("finance@demo.test", "import")
    }


def test_a_failing_file_prints_every_error_and_exits_1(personas: Personas, tmp_path: Path) -> None:
    path = _file(tmp_path, csv_text([invoice_row(external_id="A", quantity="0"), invoice_row(external_id="B", company="NOBODY")]))

    err = io.StringIO()
    with pytest.raises(CommandError, match="failed with 2 error"):  # the CLI exits 1 on a CommandError
        call_command("import", path, stdout=io.StringIO(), stderr=err)

    assert "row 2, quantity: must be above zero." in err.getvalue()
    assert "row 3, company_external_id: No company with external id 'NOBODY'." in err.getvalue()
    assert not Invoice.objects.exists()


def test_a_dry_run_writes_nothing(personas: Personas, tmp_path: Path) -> None:
    out, _ = _run(_file(tmp_path, csv_text([invoice_row()])), "--dry-run")

    assert "1 would be created" in out
    assert "dry run" in out
    assert not Invoice.objects.exists()


def test_a_json_batch_names_its_kind(personas: Personas, tmp_path: Path) -> None:
    batch = {"kind": "payments", "rows": [payment_row(amount="12.00")]}

    out, _ = _run(_file(tmp_path, json.dumps(batch), "payments.json"))

    assert "1 payments" in out
    assert Payment.objects.get().amount == 12


def test_an_unknown_user_or_file_is_refused(personas: Personas, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No active user"):
        _run(_file(tmp_path, csv_text([invoice_row()])), "--as", "nobody@example.test")
    with pytest.raises(CommandError, match="Cannot read"):
        _run(str(tmp_path / "missing.csv"))
