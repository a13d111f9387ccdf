"""Recording a payment runs a fixed number of queries, however many lines its invoices carry (PRODUCT §5: ≥ 500/s).

One payment settling one invoice, in one transaction: the invoice as it stands (before any lock), the
payment, its allocation rows (one statement), the receipt (its settings, the recipients, the seller's name, the message);
then, locked: the invoice, its update, its lines with their open disputes (one query), the lines' new statuses
(one statement), the audit events of the payment and of the invoice it settled (one insert) and their business
events with the webhook endpoints subscribed to them. Nothing that was just written is read back.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoice_portal.audit.models import AuditEvent
from invoice_portal.events.models import Event
from invoice_portal.testing import Personas, make_invoice, pay

pytestmark = pytest.mark.django_db

PAY_ONE_INVOICE_QUERIES = 16


def _count(personas: Personas, lines: int) -> CaptureQueriesContext:
    invoice = make_invoice(company=personas.acme, lines=lines, amount="90.00")
    with CaptureQueriesContext(connection) as queries:
        pay(company=personas.acme, invoices=[(invoice, invoice.total)])
    return queries


def test_paying_an_invoice_runs_a_fixed_number_of_queries(personas: Personas, django_assert_max_num_queries: Any) -> None:
    three, thirty = len(_count(personas, 3)), len(_count(personas, 30))
    assert three == thirty, f"{three} queries with 3 lines, {thirty} with 30 (a query per line?)"
    invoice = make_invoice(company=personas.acme, lines=3, amount="90.00")
    with django_assert_max_num_queries(PAY_ONE_INVOICE_QUERIES):
        pay(company=personas.acme, invoices=[(invoice, invoice.total)])


def test_the_payment_and_the_invoice_it_settles_are_audited_in_one_insert_in_that_order(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=3, amount="90.00")
    first = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with CaptureQueriesContext(connection) as queries:
        payment = pay(company=personas.acme, invoices=[(invoice, invoice.total)])
    audit_inserts = [q for q in queries if q["sql"].startswith(f'INSERT INTO "{AuditEvent._meta.db_table}"')]
    assert len(audit_inserts) == 1
    written = list(AuditEvent.objects.filter(pk__gt=first).order_by("pk").values_list("action", "object_id"))
    assert written == [("payment.record", str(payment.pk)), ("invoice.paid", str(invoice.pk))]
    events = list(Event.objects.filter(pk__gt=first_event).order_by("pk").values_list("type", "object_id"))
    assert events == [("payment.recorded", str(payment.pk)), ("invoice.paid", str(invoice.pk))]
