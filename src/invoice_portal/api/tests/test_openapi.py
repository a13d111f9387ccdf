"""The OpenAPI document and the interactive docs (served from our own static files, no CDN)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from invoice_portal.api.tests.conftest import ApiClient, problem_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, methods in schema["paths"].items() for method, op in methods.items()]


def test_openapi_is_3_1_and_lists_every_resource(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.1")
    paths = set(schema["paths"])
    for expected in (
        "/api/v1/companies", "/api/v1/companies/{company_id}/balance", "/api/v1/orders", "/api/v1/orders/{order_id}/invoice",
        "/api/v1/invoices", "/api/v1/invoices/{invoice_id}/credit-note", "/api/v1/invoices/{invoice_id}/lines/{line_no}/dispute",
        "/api/v1/disputes/{dispute_id}/resolve", "/api/v1/payments", "/api/v1/payments/{payment_id}/refund", "/api/v1/audit-events",
        "/api/v1/imports", "/api/v1/imports/{batch_id}", "/api/v1/invoices/export.csv", "/api/v1/payments/export.csv",
    ):  # fmt: skip
        assert expected in paths


def test_every_operation_declares_its_4xx_as_problem_json(schema: dict[str, Any]) -> None:
    for path, method, op in _operations(schema):
        codes = {int(c) for c in op["responses"]}
        assert {401, 403, 422} <= codes, (method, path, codes)
        if "{" in path:
            assert 404 in codes, (method, path)
        if method in ("post", "patch", "delete"):
            assert 409 in codes, (method, path)
        if "requestBody" in op:
            assert 400 in codes, (method, path)
        for code, response in op["responses"].items():
            if int(code) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (method, path, code)
                ref = response["content"]["application/problem+json"]["schema"]["$ref"]
                assert _is_a_problem(schema, ref), (method, path, code, ref)
        assert op.get("security") or schema.get("security"), (method, path)


def _is_a_problem(schema: dict[str, Any], ref: str) -> bool:
    """``Problem``, or a schema extending it (every Problem member, as required as in Problem: POST /imports' 422)."""
    components = schema["components"]["schemas"]
    problem, found = components["Problem"], components[ref.rsplit("/", 1)[-1]]
    return set(found["properties"]) >= set(problem["properties"]) and set(found.get("required", [])) >= set(problem["required"])


def test_every_post_takes_an_idempotency_key(schema: dict[str, Any]) -> None:
    for path, method, op in _operations(schema):
        names = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        assert ("Idempotency-Key" in names) == (method == "post"), (method, path)


def test_decimal_inputs_are_strings_with_a_pattern(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    line = components["InvoiceLineIn"]["properties"]
    for name in ("quantity", "unit_price", "tax_rate", "discount"):
        assert line[name]["type"] == "string", name
        assert line[name]["pattern"], name
    payment = components["PaymentIn"]["properties"]
    assert payment["amount"]["type"] == "string"
    assert payment["amount"]["pattern"]
    assert components["AllocationIn"]["properties"]["amount"]["pattern"]


def test_ids_are_integers_everywhere(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for name, component in components.items():
        if name.endswith("Query"):  # search parameters: "order" there also matches an order's external id
            continue
        for prop, spec in component.get("properties", {}).items():
            if prop == "id" or prop in ("company", "invoice", "order", "payment", "parent"):
                types = {spec.get("type")} | {alt.get("type") for alt in spec.get("anyOf", [])}
                assert "integer" in types, (name, prop, spec)


def test_bearer_security_scheme_is_documented(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())


def test_docs_page_uses_only_local_assets() -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://", html), "the docs page must not load anything from another host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(a.startswith("/static/api/swagger-ui/") for a in assets), assets
    assert "<script>" not in html, "no inline script: the CSP allows scripts from self only"
    for asset in assets:
        served = Client().get(asset)
        assert served.status_code == 200, asset
        body = b"".join(served.streaming_content) if served.streaming else served.content  # type: ignore[attr-defined]
        assert len(body) > 100
        assert b"cdn.jsdelivr" not in body
        assert b"unpkg.com" not in body


def test_an_unknown_api_path_answers_a_problem_404(tokens: dict[str, str]) -> None:
    problem_of(ApiClient(tokens["finance"]).get("no-such-thing"), 404, "not_found")
    problem_of(ApiClient(None).post("invoices/1/nope", {}), 404, "not_found")


def test_a_method_the_path_does_not_take_is_405(tokens: dict[str, str]) -> None:
    assert ApiClient(tokens["finance"]).call("PUT", "invoices", {}).status == 405


def test_schema_names_are_unique_across_resources() -> None:
    """Two schemas with one name would silently share one OpenAPI component (and one would lie)."""
    import importlib
    import inspect

    from ninja import Schema

    seen: dict[str, str] = {}
    modules = ("api.schemas", "companies.api", "orders.api", "invoices.api", "payments.api", "audit.api", "imports.api")
    for module_name in modules:
        module = importlib.import_module(f"invoice_portal.{module_name}")
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == module.__name__:
                assert name not in seen, f"{name} is defined in {seen[name]} and {module.__name__}"
                seen[name] = module.__name__
