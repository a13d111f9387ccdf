"""The OpenAPI document links each creating operation to the operations that take the created id."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _schema() -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()


def test_every_link_names_an_operation_and_fills_its_path_parameter() -> None:
    schema = _schema()
    operations = {op["operationId"]: path for path, methods in schema["paths"].items() for op in methods.values()}
    links = [
        (path, link)
        for path, methods in schema["paths"].items()
        for op in methods.values()
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) >= 40
    for source, link in links:
        target = operations[link["operationId"]]
        (parameter,) = link["parameters"]
        assert f"{{{parameter}}}" in target, (source, target)
        assert link["parameters"][parameter] == "$response.body#/id"


def test_a_created_invoice_and_company_link_to_reading_and_changing_them() -> None:
    links = _schema()["paths"]["/api/v1/invoices"]["post"]["responses"]["201"]["links"]
    targets = {link["operationId"] for link in links.values()}
    assert {"invoice_portal_invoices_api_get_invoice", "invoice_portal_invoices_api_issue_invoice"} <= targets
    company = _schema()["paths"]["/api/v1/companies"]["post"]["responses"]["201"]["links"]
    assert "invoice_portal_companies_api_get_company_detail" in {link["operationId"] for link in company.values()}
