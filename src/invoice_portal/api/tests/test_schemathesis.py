"""Schemathesis against the live OpenAPI document: no 5xx, and every answer matches the schema.

Bounded: a fixed number of generated cases per operation (a few hundred in all), valid and
invalid data, with a Finance token. Half of the valid cases use ids that exist, so success
paths are exercised too, not only 404s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from invoice_portal.api.tests.conftest import ApiClient
from invoice_portal.testing import Personas, make_invoice, make_order, pay
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db

POSITIVE_EXAMPLES = 4
SEEDED_EXAMPLES = 4
NEGATIVE_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def existing(personas: Personas, tokens: dict[str, str]) -> dict[str, int]:
    """Objects whose ids the seeded cases use."""
    webhook = webhook_endpoint_create(actor=None, url="http://127.0.0.1:9/schemathesis", event_types=["invoice.issued"])
    order = make_order(company=personas.acme, placed_by=personas.alice)
    invoice = make_invoice(company=personas.acme, order=make_order(company=personas.acme), lines=2, amount="500.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "10.00")], amount="400.00")
    dispute = ApiClient(tokens["bob"]).post(f"invoices/{invoice.pk}/lines/1/dispute", {"reason": "price", "text": "x"}).body
    rows = [{"external_id": "P-1", "company_external_id": personas.acme.external_id, "amount": "1.00", "method": "cash"}]
    batch = ApiClient(tokens["finance"]).post("imports?dry_run=true", {"kind": "payments", "rows": rows}).body
    return {
        "company_id": personas.acme.pk, "order_id": order.pk, "invoice_id": invoice.pk, "payment_id": payment.pk,
        "dispute_id": dispute["id"], "line_no": 1, "batch_id": batch["id"], "endpoint_id": webhook.pk, "run_id": 1, "response_id": 1,
        "delivery_id": webhook.deliveries.values_list("pk", flat=True)[0],
    }  # fmt: skip


def _run(operation: Any, strategy: Any, examples: int, headers: dict[str, str], checks: list[Any], counter: list[int]) -> None:
    @given(case=strategy)
    @settings(
        max_examples=examples, deadline=None, database=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    def run(case: Any) -> None:
        counter[0] += 1
        response = case.call(headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    run()


@pytest.fixture
def keep_the_test_connection(existing: dict[str, int]) -> Iterator[None]:
    """The WSGI handler closes "old" connections around each request; the test's connection holds its transaction.

    Set up after ``existing``: Django's test client reconnects these receivers after each of its requests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("keep_the_test_connection")
def test_the_api_conforms_to_its_openapi_document(tokens: dict[str, str], existing: dict[str, int]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    headers = {"Authorization": f"Bearer {tokens['finance']}"}
    counter = [0]
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 30
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        _run(operation, operation.as_strategy(), POSITIVE_EXAMPLES, headers, CHECKS, counter)
        if names:
            fixed = {name: existing[name] for name in names}
            _run(operation, operation.as_strategy(path_parameters=fixed), SEEDED_EXAMPLES, headers, CHECKS, counter)
        negative = operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)
        _run(operation, negative, NEGATIVE_EXAMPLES, headers, [*CHECKS, negative_data_rejection], counter)
    assert counter[0] >= 200, counter[0]  # the run is not empty; its size follows the number of operations
