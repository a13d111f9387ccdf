"""``POST /api/v1/invoices`` with an XML body: the ERP's e-invoice imported; the JSON body unchanged; errors as problem+json."""

from __future__ import annotations

import json
from typing import Any

import pytest

from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient, Reply, problem_of
from invoice_portal.companies.models import Company
from invoice_portal.core.models import PortalSettings
from invoice_portal.documents.tests.einvoice_helpers import renumbered
from invoice_portal.documents.tests.test_einvoice_parse import BILLION_LAUGHS, XXE
from invoice_portal.invoices.models import Invoice
from invoice_portal.testing import Personas, line, make_company, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seller(eu_seller: PortalSettings) -> None:
    pass


@pytest.fixture
def as_(personas: Personas) -> Any:
    clients: dict[str, ApiClient] = {}

    def make(name: str) -> ApiClient:
        if name not in clients:
            clients[name] = ApiClient(api_token_create(actor=None, user=getattr(personas, name), name="t")[1])
        return clients[name]

    return make


@pytest.fixture
def anonymous() -> ApiClient:
    return ApiClient(None)


@pytest.fixture
def customer() -> Company:
    return make_company(name="Kunde AG", currency="EUR", external_id="K-1", tax_id="DE999999999", country="DE", city="Köln")


def post_xml(client: ApiClient, xml: bytes, content_type: str = "application/xml", **headers: str) -> Any:
    extra = {**headers}
    if client.token is not None:
        extra["Authorization"] = f"Bearer {client.token}"
    response = client.client.post("/api/v1/invoices", data=xml, content_type=content_type, headers=extra)

    content_type = response.get("Content-Type", "")
    body = json.loads(response.content) if "json" in content_type else response.content
    return Reply(response.status_code, body, response.headers, content_type)


def _xml(customer: Company, number: str = "ERP-API-1") -> bytes:
    original = make_invoice(company=customer, currency="EUR", lines=[line(unit_price="50.00", tax_rate="19", quantity="2")])
    return renumbered(original, number)


def test_posting_xml_creates_the_issued_document_then_answers_it_again(as_: Any, customer: Company) -> None:
    xml = _xml(customer)
    reply = post_xml(as_("finance"), xml)
    assert reply.status == 201, reply.body
    assert (reply.body["number"], reply.body["source"], reply.body["status"], reply.body["total"]) == ("ERP-API-1", "ubl", "open", "119.00")
    assert reply.headers["Location"] == f"/api/v1/invoices/{reply.body['id']}"
    again = post_xml(as_("finance"), xml, content_type="text/xml")
    assert (again.status, again.body["id"]) == (200, reply.body["id"])
    original = as_("finance").get(f"invoices/{reply.body['id']}/original")
    assert original.status == 200
    assert original.body == xml
    assert original.headers["Content-Type"] == "application/xml"


def test_the_json_body_keeps_working(as_: Any, customer: Company) -> None:
    reply = as_("finance").post("invoices", {"company": customer.pk, "lines": [{"description": "A", "unit_price": "1.00"}]})
    assert reply.status == 201
    assert reply.body["source"] == "api"


def test_rule_violations_are_listed_as_problem_json(as_: Any, customer: Company) -> None:
    xml = _xml(customer).replace(b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>", b"")
    body = problem_of(post_xml(as_("finance"), xml), 422, "einvoice_not_valid")
    rules = [v["rule"] for v in body["violations"]]
    assert "BR-05" in rules
    assert all(set(v) == {"rule", "flag", "message", "location"} for v in body["violations"])
    assert any(e["message"].startswith("[BR-05]") and e["field"] for e in body["errors"])
    assert not Invoice.objects.filter(number="ERP-API-1").exists()


@pytest.mark.parametrize(("data", "status", "code"), [
    (BILLION_LAUGHS, 400, "einvoice_unreadable"), (XXE, 400, "einvoice_unreadable"), (b"<Invoice", 400, "einvoice_unreadable"),
    (b"<x/>", 400, "einvoice_unreadable"),
])  # fmt: skip
def test_hostile_or_broken_xml_is_a_4xx(as_: Any, data: bytes, status: int, code: str) -> None:
    problem_of(post_xml(as_("finance"), data), status, code)


def test_too_large_a_body_is_413(as_: Any) -> None:
    problem_of(post_xml(as_("finance"), b"<a>" + b" " * (10 * 1024 * 1024) + b"</a>"), 413, "einvoice_too_large")


def test_unknown_buyer_and_taken_number(as_: Any, customer: Company) -> None:
    xml = _xml(customer)
    assert post_xml(as_("finance"), xml).status == 201
    other = _xml(customer, "ERP-API-1").replace(b"50.00", b"50.00", 1)  # another document, same number
    other = other.replace(b"<cbc:Name>Widget</cbc:Name>", b"<cbc:Name>Gadget</cbc:Name>")
    problem_of(post_xml(as_("finance"), other), 409, "document_number_taken")
    Company.objects.filter(pk=customer.pk).update(external_id="GONE", tax_id="")
    body = problem_of(post_xml(as_("finance"), xml.replace(b">ERP-API-1<", b">ERP-API-2<")), 422, "unknown_buyer")
    assert "Kunde AG" in body["detail"]


def test_who_may_post_xml(as_: Any, anonymous: ApiClient, customer: Company, personas: Personas) -> None:
    xml = _xml(customer)
    problem_of(post_xml(anonymous, xml), 401)
    for name in ("alice", "bob", "charlie"):
        problem_of(post_xml(as_(name), xml), 403)
    assert post_xml(as_("sales"), xml).status == 201
    assert as_("charlie").get(f"invoices/{Invoice.objects.get(number='ERP-API-1').pk}/original").status in (403, 404)


def test_idempotency_key_replays_an_xml_post(as_: Any, customer: Company) -> None:
    xml = _xml(customer)
    first = post_xml(as_("finance"), xml, **{"Idempotency-Key": "k-1"})
    second = post_xml(as_("finance"), xml, **{"Idempotency-Key": "k-1"})
    assert (first.status, second.status) == (201, 201)
    assert second.headers.get("Idempotent-Replayed") == "true"


def test_openapi_names_the_xml_body(as_: Any) -> None:
    schema = as_("finance").get("/api/v1/openapi.json").body
    content = schema["paths"]["/api/v1/invoices"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/xml"} <= set(content)
