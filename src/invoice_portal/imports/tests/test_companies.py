"""The companies import: upsert by external id, Peppol participant ids and Leitweg-IDs checked by the companies' own rules,
dry run, all-or-nothing."""

from __future__ import annotations

import pytest

from invoice_portal.audit.models import AuditEvent
from invoice_portal.companies.models import Company
from invoice_portal.imports.tests.helpers import errors_of, run_import
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db


def company_row(*, external_id: str = "NEW-1", name: str = "Initech GmbH", **extra: str) -> dict[str, str]:
    return {"external_id": external_id, "name": name, **extra}


GERMAN = {
    "tax_id": "DE811907634", "currency": "EUR", "address_line1": "Friedrichstraße 68", "city": "Berlin", "postal_code": "10117",
    "country": "de", "email": "ap@initech.test", "peppol_scheme": "9930", "peppol_id": "DE811907634", "einvoice_format": "xrechnung",
    "leitweg_id": "991-33333test-33",
}  # fmt: skip


def test_a_new_company_is_created_with_its_participant_id_format_and_leitweg_id(personas: Personas) -> None:
    batch = run_import([company_row(**GERMAN), company_row(external_id="SUP-1", name="Paper Supply", is_customer="false",
                                                           is_supplier="true", peppol_scheme="0088", peppol_id="5790000435968")],
                       kind="companies", actor=personas.admin)  # fmt: skip
    assert batch.status == "succeeded", batch.errors
    assert (batch.summary["created"], batch.summary["updated"], batch.summary["unchanged"]) == (2, 0, 0)
    initech = Company.objects.get(external_id="NEW-1")
    assert (initech.name, initech.country, initech.peppol_scheme, initech.peppol_id) == ("Initech GmbH", "DE", "9930", "DE811907634")
    assert (initech.einvoice_format, initech.leitweg_id, initech.currency) == ("xrechnung", "991-33333TEST-33", "EUR")
    supplier = Company.objects.get(external_id="SUP-1")
    assert (supplier.is_customer, supplier.is_supplier, supplier.peppol_id) == (False, True, "5790000435968")
    assert AuditEvent.objects.filter(action="company.create", actor=personas.admin).count() == 2


def test_an_existing_company_is_updated_by_external_id_and_empty_cells_keep_its_values(personas: Personas) -> None:
    acme = personas.acme
    email, name = acme.email, acme.name
    batch = run_import([company_row(external_id="ACME", name="", peppol_scheme="0088", peppol_id="0614141000029", country="US")],
                       kind="companies")  # fmt: skip
    assert batch.status == "succeeded", batch.errors
    assert (batch.summary["created"], batch.summary["updated"], batch.summary["unchanged"]) == (0, 1, 0)
    acme.refresh_from_db()
    assert (acme.name, acme.email, acme.peppol_scheme, acme.peppol_id, acme.country) == (name, email, "0088", "0614141000029", "US")
    again = run_import([company_row(external_id="ACME", name="", peppol_scheme="0088", peppol_id="0614141000029")], kind="companies")
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (0, 0, 1)


@pytest.mark.parametrize(
    ("cells", "column", "says"),
    [
        ({"peppol_scheme": "0088", "peppol_id": "0614141000028"}, "peppol_id", "GS1 check digit"),  # GLN with a wrong check digit
        ({"peppol_scheme": "EM", "peppol_id": "ap@initech.test"}, "peppol_scheme", "not a scheme of the Peppol EAS code list"),
        ({"peppol_scheme": "0208", "peppol_id": "0123456788"}, "peppol_id", "mod-97"),
        ({"peppol_id": "DE811907634"}, "peppol_scheme", "EAS scheme"),  # an id without its scheme
        ({"leitweg_id": "991-33333TEST-34"}, "leitweg_id", "check digits"),
        ({"einvoice_format": "peppol_ubl"}, "peppol_id", "needs its Peppol participant id"),
        ({"einvoice_format": "fax"}, "einvoice_format", "not one of"),
        ({"currency": "DEM"}, "currency", ""),
        ({"country": "Germany"}, "country", ""),
        ({"email": "not-an-address"}, "email", "not an e-mail address"),
        ({"payment_terms_days": "-5"}, "payment_terms_days", "whole number"),
        ({"is_customer": "false"}, "is_customer", "customer, a supplier or both"),
    ],
)
def test_a_bad_cell_is_reported_on_its_row_and_column_and_nothing_is_written(cells: dict[str, str], column: str, says: str) -> None:
    before = Company.objects.count()
    batch = run_import([company_row(external_id="OK-1", name="Fine Co"), company_row(**cells)], kind="companies")
    assert batch.status == "failed"
    assert errors_of(batch) == {(3, column)}, batch.errors
    assert says in batch.errors[0]["message"]
    assert Company.objects.count() == before  # all or nothing: the good row is not written either


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(personas: Personas) -> None:
    batch = run_import([company_row(**GERMAN), company_row(external_id="ACME", name="ACME Corporation")], kind="companies", dry_run=True)
    assert batch.status == "succeeded", batch.errors
    assert (batch.summary["created"], batch.summary["updated"], batch.summary["unchanged"]) == (1, 1, 0)
    assert not Company.objects.filter(external_id="NEW-1").exists()
    personas.acme.refresh_from_db()
    assert personas.acme.name == "ACME Corp"


def test_a_new_company_needs_a_name_and_json_batches_work_too() -> None:
    batch = run_import([company_row(name="")], kind="companies", fmt="json")
    assert (batch.status, errors_of(batch)) == ("failed", {(1, "name")})
    ok = run_import([company_row(peppol_scheme="0192", peppol_id="974760673")], kind="companies", fmt="json")
    assert ok.status == "succeeded", ok.errors


def test_the_api_imports_companies_with_customers_edit_only(personas: Personas) -> None:
    from invoice_portal.imports.tests.test_api import Caller

    csv = "external_id,name,peppol_scheme,peppol_id\nNEW-1,Initech GmbH,0088,0614141000029\n"
    refused = Caller(personas.sales).post("/imports?kind=companies", data=csv, content_type="text/csv")
    assert refused.status_code == 403
    reply = Caller(personas.finance).post("/imports?kind=companies&dry_run=true", data=csv, content_type="text/csv")
    assert reply.status_code == 200, reply.content
    assert reply.json()["summary"]["created"] == 1
    assert not Company.objects.filter(external_id="NEW-1").exists()


def test_the_documented_example_imports_as_it_says() -> None:
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[4] / "docs" / "imports.md").read_text()
    example = re.search(r"\(`companies\.csv`.*?```text\n(.*?)```", doc, re.S)
    assert example is not None
    batch = run_import(text=example[1], kind="companies")
    assert batch.status == "succeeded", batch.errors
    stadt = Company.objects.get(external_id="STADT-MH")
    assert (stadt.einvoice_format, stadt.leitweg_id, stadt.peppol_scheme) == ("xrechnung", "991-33333TEST-33", "0204")
    assert Company.objects.get(external_id="PAPER-1").is_supplier
