"""Every failure is application/problem+json with a code and per-field errors; bad input never gets a 500."""

from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.api.tests.conftest import problem_of
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.models import Payment
from invoice_portal.testing import Personas, make_invoice

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400(as_: Any) -> None:
    body = problem_of(as_("finance").post("invoices", raw=b'{"company": 1,'), 400, "malformed_request")
    assert body["type"].endswith("malformed_request")
    assert body["title"]
    assert Invoice.objects.count() == 0


def test_schema_violations_are_422_with_one_error_per_field(as_: Any, personas: Personas) -> None:
    reply = as_("finance").post(
        "invoices",
        {"company": "ACME", "lines": [{"description": "", "unit_price": "12.3.4", "quantity": 2.5}], "kind": "receipt"},
    )
    body = problem_of(reply, 422, "invalid")
    fields = {e["field"] for e in body["errors"]}
    assert {"company", "kind", "lines[0].unit_price", "lines[0].quantity", "lines[0].description"} <= fields, fields
    money = next(e for e in body["errors"] if e["field"] == "lines[0].unit_price")
    assert "118.00" in money["message"]


def test_a_missing_body_is_422_not_500(as_: Any, personas: Personas) -> None:
    body = problem_of(as_("finance").post("payments"), 422, "invalid")
    assert body["errors"]


def test_a_json_body_that_is_not_an_object_is_422(as_: Any, personas: Personas) -> None:
    for raw in (b"[]", b'"text"', b"42", b"null"):
        reply = as_("finance").post("payments", raw=raw)
        assert reply.status in (400, 422), (raw, reply.status)
        assert reply.content_type.startswith("application/problem+json")


def test_floats_for_money_are_refused(as_: Any, personas: Personas) -> None:
    reply = as_("finance").post("payments", {"company": personas.acme.pk, "amount": 10.5, "currency": "USD", "method": "cash"})
    body = problem_of(reply, 422)
    assert body["errors"][0]["field"] == "amount"


def test_domain_errors_keep_their_status_and_code(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    reply = as_("finance").post(
        "payments",
        {
            "company": personas.acme.pk,
            "amount": "500.00",
            "currency": "USD",
            "method": "check",
            "allocations": [{"invoice": invoice.pk, "amount": "500.00"}],
        },
    )
    body = problem_of(reply, 409, "allocation_exceeds_balance")
    assert "still due" in body["detail"]
    assert Payment.objects.count() == 0


def test_domain_validation_errors_name_the_field(as_: Any, personas: Personas) -> None:
    reply = as_("finance").post(
        "invoices",
        {"company": personas.acme.pk, "currency": "EUR", "lines": [{"description": "x", "unit_price": "10", "discount": "1.001"}]},
    )
    body = problem_of(reply, 422, "invalid_amount")
    assert body["errors"] == [{"field": "lines[0].discount", "message": body["detail"]}]


def test_an_unknown_currency_is_422(as_: Any, personas: Personas) -> None:
    reply = as_("finance").post("payments", {"company": personas.acme.pk, "amount": "1.00", "currency": "ZZZ", "method": "cash"})
    body = problem_of(reply, 422, "invalid_currency")
    assert body["errors"][0]["field"] == "currency"


def test_unknown_ids_are_404(as_: Any, personas: Personas) -> None:
    for path in ("invoices/999999", "payments/999999", "companies/999999", "orders/999999", "disputes/999999"):
        problem_of(as_("finance").get(path), 404, "not_found")
    problem_of(as_("finance").post("invoices/999999/issue"), 404)


def test_ids_out_of_range_are_422_not_500(as_: Any) -> None:
    for path in ("invoices/0", "invoices/-1", f"invoices/{2**64}", "invoices/abc"):
        problem_of(as_("finance").get(path), 422)


def test_nul_characters_are_refused(as_: Any, personas: Personas) -> None:
    problem_of(as_("finance").post("companies", {"name": "Evil\u0000Corp"}), 422)
    problem_of(as_("finance").get("companies?q=a%00b"), 422)


def test_lone_surrogates_are_refused(as_: Any, personas: Personas) -> None:
    reply = as_("finance").post("companies", raw=b'{"name": "bad \\ud800 text"}')
    assert reply.status in (400, 422)
    assert reply.content_type.startswith("application/problem+json")


def test_huge_amounts_are_refused_cleanly(as_: Any, personas: Personas) -> None:
    reply = as_("finance").post(
        "invoices", {"company": personas.acme.pk, "lines": [{"description": "x", "quantity": "999999999999", "unit_price": "999999999999"}]}
    )
    assert reply.status == 422, reply.body
    assert reply.content_type.startswith("application/problem+json")
    assert Invoice.objects.count() == 0


def test_a_date_far_in_the_future_is_refused(as_: Any, personas: Personas) -> None:
    problem_of(as_("finance").post("invoices", {"company": personas.acme.pk, "issue_date": "9999-12-31", "lines": []}), 422)


def test_a_duplicate_payment_external_id_is_a_conflict_not_a_500(as_: Any, personas: Personas) -> None:
    body = {"company": personas.acme.pk, "amount": "5.00", "currency": "USD", "method": "wire", "external_id": "ERP-PAY-1"}
    assert as_("finance").post("payments", body).status == 201
    reply = as_("finance").post("payments", body)
    assert reply.status in (409, 422), reply.body
    assert reply.content_type.startswith("application/problem+json")
    assert Payment.objects.count() == 1


def test_editing_an_invoice_with_a_disputed_line_does_not_500(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=2)
    assert as_("bob").post(f"invoices/{invoice.pk}/lines/1/dispute", {"reason": "price", "text": "x"}).status == 201
    reply = as_("finance").patch(f"invoices/{invoice.pk}", {"lines": [{"description": "Only", "unit_price": "1.00"}]})
    assert reply.status in (200, 409), reply.body
    assert reply.content_type.startswith("application/")


def test_a_failure_before_the_endpoint_runs_is_still_a_problem_json_500(tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from invoice_portal.api import auth

    def broken(raw: str) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(auth, "api_token_resolve", broken)
    from invoice_portal.api.tests.conftest import ApiClient

    problem_of(ApiClient(tokens["finance"]).get("invoices"), 500, "internal_error")
