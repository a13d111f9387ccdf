"""POST /imports, GET /imports/{id}, GET /invoices/export.csv and /payments/export.csv."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client

from invoice_portal.api.services import api_token_create
from invoice_portal.imports import api as imports_api
from invoice_portal.imports.models import ImportBatch
from invoice_portal.imports.tests.helpers import csv_text, invoice_row
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list, invoices_visible_to
from invoice_portal.testing import Personas, make_invoice, make_order, make_user, pay

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


class Caller:
    def __init__(self, user: Any) -> None:
        self.client = Client()
        self.auth = {"Authorization": f"Bearer {api_token_create(actor=None, user=user, name='t')[1]}"} if user else {}

    def post(self, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.post(f"{BASE}{path}", headers={**self.auth, **(headers or {})}, **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"{BASE}{path}", params, headers=self.auth)


def _csv(rows: list[dict[str, str]] | None = None) -> str:
    return csv_text(rows or [invoice_row(external_id="A", unit_price="10"), invoice_row(external_id="B", unit_price="20")])


def _upload(text: str, name: str = "erp.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_a_csv_upload_is_imported_and_answered_with_the_result(personas: Personas) -> None:
    reply = Caller(personas.finance).post("/imports", data={"file": _upload(_csv()), "kind": "invoices"})

    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert body["status"] == "succeeded"
    assert body["summary"]["created"] == 2
    assert body["progress"] == 1.0
    assert body["filename"] == "erp.csv"
    assert body["rows_total"] == 2
    assert Invoice.objects.filter(source="erp").count() == 2


def test_a_json_batch_and_a_raw_csv_body_are_imported_too(personas: Personas) -> None:
    caller = Caller(personas.finance)
    batch = {"kind": "invoices", "rows": [invoice_row(external_id="J", unit_price="1.5")]}

    assert caller.post("/imports", data=json.dumps(batch), content_type="application/json").status_code == 200
    assert caller.post("/imports?kind=invoices", data=_csv(), content_type="text/csv").status_code == 200
    assert set(Invoice.objects.values_list("external_id", flat=True)) == {"J", "A", "B"}


def test_a_batch_with_a_bad_row_is_a_422_problem_listing_every_error(personas: Personas) -> None:
    rows = [invoice_row(external_id="A", unit_price="x"), invoice_row(external_id="B", company="NOBODY")]

    reply = Caller(personas.finance).post("/imports", data={"file": _upload(_csv(rows)), "kind": "invoices"})

    assert reply.status_code == 422
    assert reply["Content-Type"] == "application/problem+json"
    body = reply.json()
    assert body["code"] == "import_invalid"
    assert body["status"] == 422
    assert body["title"]
    assert body["detail"]
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(2, "unit_price"), (3, "company_external_id")}
    assert all(e["message"] and e["field"] for e in body["errors"])
    assert body["import"]["status"] == "failed"
    assert not Invoice.objects.exists()


def test_a_dry_run_answers_what_would_happen(personas: Personas) -> None:
    reply = Caller(personas.finance).post("/imports?dry_run=true", data={"file": _upload(_csv()), "kind": "invoices"})

    assert reply.status_code == 200
    assert reply.json()["dry_run"] is True
    assert reply.json()["summary"]["created"] == 2
    assert not Invoice.objects.exists()


def test_a_background_import_answers_202_and_is_followed_at_its_url(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    caller = Caller(personas.finance)
    with django_capture_on_commit_callbacks(execute=True):
        reply = caller.post("/imports?background=true", data={"file": _upload(_csv()), "kind": "invoices"})

    assert reply.status_code == 202
    batch = ImportBatch.objects.get()
    assert reply["Location"] == f"{BASE}/imports/{batch.pk}"
    progress = caller.get(f"/imports/{batch.pk}")
    assert progress.status_code == 200
    assert progress.json()["status"] == "succeeded"
    assert progress.json()["rows_done"] == progress.json()["rows_total"] == 2


def test_a_batch_larger_than_the_request_limit_becomes_a_job(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports_api, "SYNC_MAX_ROWS", 1)

    reply = Caller(personas.finance).post("/imports", data={"file": _upload(_csv()), "kind": "invoices"})

    assert reply.status_code == 202
    assert reply.json()["status"] == "queued"


def test_an_oversized_upload_is_refused(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports_api, "MAX_BYTES", 10)

    reply = Caller(personas.finance).post("/imports", data={"file": _upload(_csv()), "kind": "invoices"})
    raw = Caller(personas.finance).post("/imports?kind=invoices", data=_csv(), content_type="text/csv")

    assert reply.status_code == raw.status_code == 413
    assert not ImportBatch.objects.exists()


def test_an_import_needs_the_kind_s_permissions(personas: Personas) -> None:
    upload = {"file": _upload(_csv()), "kind": "invoices"}
    payments = {"file": _upload("external_id,company_external_id,amount,method\nP,ACME,1.00,cash\n"), "kind": "payments"}

    assert Caller(personas.alice).post("/imports", data=upload).status_code == 403
    assert Caller(personas.sales).post("/imports", data=payments).status_code == 403  # Sales does not record payments
    assert Caller(None).post("/imports", data={"file": _upload(_csv()), "kind": "invoices"}).status_code == 401
    assert Caller(personas.finance).post("/imports", data={"file": _upload(_csv())}).status_code == 422  # which kind?
    assert not ImportBatch.objects.exists()


def test_a_batch_is_visible_to_its_author_and_to_admins_only(personas: Personas) -> None:
    Caller(personas.finance).post("/imports", data={"file": _upload(_csv()), "kind": "invoices"})
    batch = ImportBatch.objects.get()

    assert Caller(personas.finance).get(f"/imports/{batch.pk}").status_code == 200
    assert Caller(personas.admin).get(f"/imports/{batch.pk}").status_code == 200
    assert Caller(personas.sales).get(f"/imports/{batch.pk}").status_code == 404
    assert [b["id"] for b in Caller(personas.finance).get("/imports").json()["items"]] == [batch.pk]
    assert [b["id"] for b in Caller(personas.admin).get("/imports").json()["items"]] == [batch.pk]
    assert Caller(personas.sales).get("/imports").json()["items"] == []


def test_company_users_are_refused_import_batches_with_a_403(personas: Personas) -> None:
    Caller(personas.finance).post("/imports", data={"file": _upload(_csv()), "kind": "invoices"})
    batch = ImportBatch.objects.get()

    for user in (personas.alice, personas.carol, personas.charlie, make_user(role="supplier_user", company=personas.globex)):
        for path in ("/imports", f"/imports/{batch.pk}", "/imports/999999"):
            reply = Caller(user).get(path)
            assert reply.status_code == 403, (user, path, reply.content)
            assert reply["Content-Type"] == "application/problem+json"
            assert reply.json()["code"] == "permission_denied"


def test_an_idempotent_retry_answers_the_first_result_without_importing_again(personas: Personas) -> None:
    caller = Caller(personas.finance)
    key = {"Idempotency-Key": "erp-batch-7"}
    batch = json.dumps({"kind": "invoices", "rows": [invoice_row(external_id="A")]})

    first = caller.post("/imports", data=batch, content_type="application/json", headers=key)
    second = caller.post("/imports", data=batch, content_type="application/json", headers=key)

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert ImportBatch.objects.count() == 1


def _rows(reply: Any) -> list[dict[str, str]]:
    assert isinstance(reply, StreamingHttpResponse)
    return list(csv.DictReader(io.StringIO(b"".join(reply.streaming_content).decode())))  # type: ignore[arg-type]


def test_the_invoice_export_streams_the_filtered_list(personas: Personas) -> None:
    p = personas
    make_invoice(company=p.acme, amount="10.00")
    paid = make_invoice(company=p.acme, status="paid", amount="20.00")
    make_invoice(company=p.globex, amount="30.00")

    reply = Caller(p.finance).get("/invoices/export.csv", status="paid")
    everything = _rows(Caller(p.finance).get("/invoices/export.csv", customer="ACME", sort="total"))

    assert reply.status_code == 200
    assert reply["Content-Type"] == "text/csv; charset=utf-8"
    assert reply["Content-Disposition"].startswith('attachment; filename="invoices-')
    assert [int(r["id"]) for r in _rows(reply)] == [paid.pk]
    expected = invoice_list(invoices_visible_to(p.finance), InvoiceFilters(customer="ACME", sort="total"))
    assert [int(r["id"]) for r in everything] == list(expected.values_list("pk", flat=True))


def test_buyers_export_their_scope_and_charlie_sees_nothing_of_acme(personas: Personas) -> None:
    p = personas
    own = make_invoice(company=p.acme, order=make_order(company=p.acme, placed_by=p.alice))
    other = make_invoice(company=p.acme)
    west = make_invoice(company=p.acme_west)

    assert {int(r["id"]) for r in _rows(Caller(p.alice).get("/invoices/export.csv"))} == {own.pk}
    assert {int(r["id"]) for r in _rows(Caller(p.bob).get("/invoices/export.csv"))} == {own.pk, other.pk}
    assert {int(r["id"]) for r in _rows(Caller(p.carol).get("/invoices/export.csv"))} == {own.pk, other.pk, west.pk}
    assert _rows(Caller(p.charlie).get("/invoices/export.csv")) == []
    assert _rows(Caller(p.charlie).get("/invoices/export.csv", company=p.acme.pk)) == []


def test_an_export_needs_the_export_permission(personas: Personas) -> None:
    clerk = make_user(role="ap_clerk")

    assert Caller(clerk).get("/invoices/export.csv").status_code == 403
    assert Caller(None).get("/invoices/export.csv").status_code == 401
    assert Caller(personas.alice).get("/payments/export.csv").status_code == 403  # payments are listed for seller staff only


def test_the_payment_export_streams_the_filtered_list(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="50.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "50.00")], method="wire")
    pay(company=personas.globex, invoices=[], amount="1.00", method="cash")

    rows = _rows(Caller(personas.sales).get("/payments/export.csv", method="wire"))

    assert [(int(r["id"]), r["amount"], r["allocated_total"]) for r in rows] == [(payment.pk, "50.00", "50.00")]


def test_the_export_filters_are_the_list_s_filters() -> None:
    schema = Client().get(f"{BASE}/openapi.json").json()

    def params(path: str) -> set[str]:
        return {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}

    paging = {"limit", "cursor"}
    assert params("/api/v1/invoices/export.csv") == params("/api/v1/invoices") - paging
    assert params("/api/v1/payments/export.csv") == params("/api/v1/payments") - paging


def test_the_endpoints_are_described_in_the_openapi_document() -> None:
    schema = Client().get(f"{BASE}/openapi.json").json()
    post = schema["paths"]["/api/v1/imports"]["post"]

    assert set(post["requestBody"]["content"]) == {"multipart/form-data", "text/csv", "application/json"}
    responses = {str(code): response for code, response in post["responses"].items()}
    assert {"200", "202", "401", "403", "413", "422"} <= set(responses)
    assert "application/problem+json" in responses["422"]["content"]
    export = {str(code): response for code, response in schema["paths"]["/api/v1/invoices/export.csv"]["get"]["responses"].items()}
    assert "text/csv" in export["200"]["content"]
    assert {p["name"] for p in schema["paths"]["/api/v1/invoices/export.csv"]["get"]["parameters"]} >= {"status", "customer", "overdue"}
    assert "/api/v1/imports/{batch_id}" in schema["paths"]
