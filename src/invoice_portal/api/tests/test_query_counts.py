"""The create-invoice call runs a fixed number of queries, however many lines it carries (PRODUCT §5: ≥ 300/s).

One create-and-issue: the token with its owner, the owner's role grants, the company; in one
transaction the document, its lines (one statement), the audit event, the portal settings, the
number counter (one statement), the issue, the seal (chain head, seal, head), the audit event,
the email (its settings, the recipients, the message); then the audit trail for the answer.
Nothing that was just written is read back. The same counts on SQLite and PostgreSQL; inside
the test's transaction BEGIN/COMMIT are a savepoint and the email task is not enqueued.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoice_portal.api.tests.conftest import ApiClient
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db

# The bench server ran 35 before the create path stopped re-reading what it wrote; issuing also writes
# its business event and looks up the webhook endpoints subscribed to it (2 queries). The Admin's words for
# the types and statuses (seed 003) are read once per call, for the email and the answer's labels (1 query).
CREATE_AND_ISSUE_QUERIES = 22
CREATE_DRAFT_QUERIES = 10
IDEMPOTENCY_KEY_QUERIES = 6  # its transaction, the claim (in a savepoint), the stored answer


def _body(personas: Personas, *, lines: int, issue: bool) -> dict[str, Any]:
    return {
        "company": personas.acme.pk, "issue": issue,
        "lines": [
            {"description": f"Part {i}", "quantity": "2", "unit_price": "150.00", "tax_rate": "20"} for i in range(lines)
        ],
    }  # fmt: skip


def _count(client: ApiClient, body: dict[str, Any], *, key: str | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        reply = client.post("invoices", body, headers={"Idempotency-Key": key} if key else None)
    assert reply.status == 201, reply.body
    return len(queries)


@pytest.mark.parametrize(("issue", "ceiling"), [(True, CREATE_AND_ISSUE_QUERIES), (False, CREATE_DRAFT_QUERIES)])
def test_creating_an_invoice_runs_a_fixed_number_of_queries(
    as_: Any, personas: Personas, issue: bool, ceiling: int, django_assert_max_num_queries: Any
) -> None:
    client = as_("finance")
    _count(client, _body(personas, lines=1, issue=issue))  # the token's first use records when it was used
    three = _count(client, _body(personas, lines=3, issue=issue))
    thirty = _count(client, _body(personas, lines=30, issue=issue))
    assert three == thirty, f"{three} queries with 3 lines, {thirty} with 30 (a query per line?)"
    with django_assert_max_num_queries(ceiling):
        client.post("invoices", _body(personas, lines=3, issue=issue))


def test_an_idempotency_key_adds_a_fixed_number_of_queries(as_: Any, personas: Personas) -> None:
    client = as_("finance")
    _count(client, _body(personas, lines=1, issue=True))
    without = _count(client, _body(personas, lines=3, issue=True))
    with_key = _count(client, _body(personas, lines=3, issue=True), key="create-1")
    assert with_key - without <= IDEMPOTENCY_KEY_QUERIES
