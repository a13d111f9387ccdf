"""Moving promises to pay and remittance advice out of ``portal`` changed no data.

A database from before the move (``portal.0001`` applied, the models in the portal's state) migrates
to the new layout with every row, the audit history and the content types intact; and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.audit.models import AuditEvent
from invoice_portal.audit.selectors import audit_events_for
from invoice_portal.remittances.models import PromiseToPay, RemittanceAdvice, RemittanceLine
from invoice_portal.remittances.services import promise_to_pay_create, remittance_submit
from invoice_portal.testing import make_invoice, make_personas

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("portal", "0001_initial")]
MOVED = ("remittanceadvice", "remittanceline", "promisetopay")


def _migrate(targets: Sequence[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in {"portal", "remittances"}]


def test_a_database_from_before_the_move_keeps_every_row_and_its_history() -> None:
    roles_ensure_builtin()
    p = make_personas()
    invoice = make_invoice(company=p.acme, amount="100.00")
    advice = remittance_submit(
        actor=p.bob, amount="60.00", method="wire", reference="WIRE-MOVE", paid_on=timezone.localdate(),
        invoices_amounts=[(invoice, "60.00")],
    )  # fmt: skip
    promise = promise_to_pay_create(actor=p.bob, invoice=invoice, date=timezone.localdate(), amount="40.00")

    # Back to before the move: the portal owns the models again, over the very same tables.
    executor = _migrate([("remittances", None), *BEFORE])
    old = executor.loader.project_state(BEFORE).apps
    assert old.get_model("portal", "RemittanceAdvice").objects.get(pk=advice.pk).reference == "WIRE-MOVE"
    assert old.get_model("portal", "RemittanceLine").objects.filter(remittance_id=advice.pk).count() == 1
    assert old.get_model("portal", "PromiseToPay").objects.get(pk=promise.pk).amount == Decimal("40.0000")
    # What an old database holds: content types under the portal's label, audit events recorded under it.
    ContentType.objects.filter(app_label="remittances").delete()
    for model in MOVED:
        ContentType.objects.get_or_create(app_label="portal", model=model)
    AuditEvent.objects.create(object_type="portal.remittanceadvice", object_id=str(advice.pk), action="remittance.old_label")
    old.get_model("portal", "RemittanceAdvice").objects.create(
        company_id=p.acme.pk, amount=Decimal("5.00"), currency="USD", method="cash", paid_on=timezone.localdate(), reference="OLD-ROW"
    )

    _migrate(_latest())

    assert RemittanceAdvice.objects.get(pk=advice.pk).lines.get().invoice_id == invoice.pk
    assert RemittanceAdvice.objects.filter(reference="OLD-ROW").exists()  # written before the move, read after it
    assert PromiseToPay.objects.get(pk=promise.pk).amount == Decimal("40.0000")
    assert RemittanceLine.objects.filter(remittance=advice).count() == 1
    assert set(ContentType.objects.filter(model__in=MOVED).values_list("app_label", flat=True)) == {"remittances"}
    assert ContentType.objects.get_for_model(RemittanceAdvice).model_class() is RemittanceAdvice
    actions = set(audit_events_for(advice).values_list("action", flat=True))
    assert {"remittance.submit", "remittance.old_label"} <= actions  # the history recorded under the old label is still its history
