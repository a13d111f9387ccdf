"""/companies: list and search, create, update, balance and credit."""

from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.api.tests.conftest import problem_of
from invoice_portal.companies.models import Company
from invoice_portal.testing import Personas, make_invoice, pay

pytestmark = pytest.mark.django_db


def test_list_and_search_by_name_or_external_id(as_: Any, personas: Personas) -> None:
    client = as_("sales")
    names = [c["name"] for c in client.get("companies").body["items"]]
    assert names == sorted(names)
    assert {"ACME Corp", "ACME West", "Globex"} <= set(names)
    assert [c["name"] for c in client.get("companies?q=acme").body["items"]] == ["ACME Corp", "ACME West"]
    assert [c["name"] for c in client.get("companies?q=GLOBEX").body["items"]] == ["Globex"]
    assert [c["id"] for c in client.get("companies?external_id=ACME-W").body["items"]] == [personas.acme_west.pk]
    assert [c["name"] for c in client.get("companies?name=west").body["items"]] == ["ACME West"]
    west = client.get("companies?external_id=ACME-W").body["items"][0]
    assert west["parent"] == personas.acme.pk


def test_create_with_the_contract_fields(as_: Any, personas: Personas) -> None:
    body = {"name": "Initech GmbH", "external_id": "ERP-77", "currency": "EUR", "payment_terms_days": 14, "parent": personas.globex.pk}
    reply = as_("finance").post("companies", body)
    assert reply.status == 201
    for key, value in body.items():
        assert reply.body[key] == value
    company = Company.objects.get(pk=reply.body["id"])
    assert (company.currency, company.payment_terms_days, company.parent_id) == ("EUR", 14, personas.globex.pk)


def test_create_refuses_a_duplicate_external_id_and_bad_references(as_: Any, personas: Personas) -> None:
    body = problem_of(as_("finance").post("companies", {"name": "Copycat", "external_id": "ACME"}), 422)
    assert body["errors"][0]["field"] == "external_id"
    body = problem_of(as_("finance").post("companies", {"name": "Orphan", "parent": 999999}), 422)
    assert body["errors"][0]["field"] == "parent"
    problem_of(as_("finance").post("companies", {"name": "Money", "currency": "XYZ"}), 422, "invalid_currency")
    problem_of(as_("finance").post("companies", {"name": ""}), 422, "invalid")
    problem_of(as_("finance").post("companies", {"name": "Nobody", "is_customer": False, "is_supplier": False}), 422)


def test_update_changes_only_the_fields_sent(as_: Any, personas: Personas) -> None:
    reply = as_("finance").patch(f"companies/{personas.globex.pk}", {"payment_terms_days": 45, "city": "Springfield"})
    assert reply.status == 200
    assert (reply.body["payment_terms_days"], reply.body["city"], reply.body["name"]) == (45, "Springfield", "Globex")


def test_update_refuses_a_parent_cycle_and_nulls(as_: Any, personas: Personas) -> None:
    body = problem_of(as_("finance").patch(f"companies/{personas.acme.pk}", {"parent": personas.acme_west.pk}), 422)
    assert body["errors"][0]["field"] == "parent"
    problem_of(as_("finance").patch(f"companies/{personas.acme.pk}", {"name": None}), 422)
    assert as_("finance").patch(f"companies/{personas.acme_west.pk}", {"parent": None}).body["parent"] is None


def test_update_an_unknown_company_is_404(as_: Any, personas: Personas) -> None:
    problem_of(as_("finance").patch("companies/999999", {"city": "Nowhere"}), 404)


def test_balance_and_credit_on_account(as_: Any, personas: Personas) -> None:
    open_invoice = make_invoice(company=personas.acme, amount="100.00")
    make_invoice(company=personas.acme, amount="50.00", status="partially_paid")
    pay(company=personas.acme, invoices=[(open_invoice, "30.00")], amount="80.00")  # 50.00 left on account
    reply = as_("sales").get(f"companies/{personas.acme.pk}/balance")
    assert reply.status == 200
    assert reply.body == {
        "company": personas.acme.pk, "currency": "USD", "open_balance": "95.00", "overdue_balance": "0.00",
        "unallocated_payments": "50.00", "unapplied_credit_notes": "0.00", "credit": "50.00",
    }  # fmt: skip
    assert as_("sales").get(f"companies/{personas.acme.pk}/balance?currency=EUR").body["open_balance"] == "0.00"
    problem_of(as_("sales").get(f"companies/{personas.acme.pk}/balance?currency=ZZZ"), 422)
    problem_of(as_("sales").get("companies/999999/balance"), 404)


def test_sales_may_read_but_not_write_companies(as_: Any, personas: Personas) -> None:
    assert as_("sales").get(f"companies/{personas.acme.pk}").status == 200
    problem_of(as_("sales").post("companies", {"name": "Nope"}), 403, "permission_denied")
    problem_of(as_("sales").patch(f"companies/{personas.acme.pk}", {"name": "Nope"}), 403)
    assert not Company.objects.filter(name="Nope").exists()


def test_the_api_reads_and_writes_participant_ids_and_formats(as_: Any, personas: Personas) -> None:
    created = as_("finance").post(
        "companies", {"name": "Peppol API Co", "peppol_scheme": "9930", "peppol_id": "DE811907634", "einvoice_format": "xrechnung"}
    )
    assert created.status == 201
    assert (created.body["peppol_scheme"], created.body["peppol_id"], created.body["einvoice_format"]) == (
        "9930",
        "DE811907634",
        "xrechnung",
    )

    refused = as_("finance").patch(f"companies/{created.body['id']}", {"peppol_scheme": "0088", "peppol_id": "123"})
    assert "13 digits" in problem_of(refused, 422)["detail"]
    problem_of(as_("finance").patch(f"companies/{created.body['id']}", {"einvoice_format": "fax"}), 422)

    changed = as_("finance").patch(f"companies/{personas.acme.pk}", {"peppol_scheme": "0088", "peppol_id": "7300010000001"})
    assert changed.status == 200
    assert as_("finance").get(f"companies/{personas.acme.pk}").body["peppol_id"] == "7300010000001"
    assert as_("finance").get(f"companies/{personas.acme.pk}").body["einvoice_format"] == "pdf"


def test_the_api_reads_and_writes_the_leitweg_id_and_refuses_a_wrong_check_digit(as_: Any, personas: Personas) -> None:
    changed = as_("finance").patch(f"companies/{personas.acme.pk}", {"leitweg_id": "04011000-1234512345-06"})
    assert (changed.status, changed.body["leitweg_id"]) == (200, "04011000-1234512345-06")
    refused = as_("finance").patch(f"companies/{personas.acme.pk}", {"leitweg_id": "04011000-1234512345-60"})
    assert "check digits" in problem_of(refused, 422)["detail"]
    assert as_("finance").get(f"companies/{personas.acme.pk}").body["leitweg_id"] == "04011000-1234512345-06"
