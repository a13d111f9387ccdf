"""GET /api/v1/payments/allocations.csv: payments with their allocations, one row per allocation, for the ERP."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from invoice_portal.payments.services import payment_refund
from invoice_portal.testing import Personas, make_invoice, pay

pytestmark = pytest.mark.django_db


def _rows(reply: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(reply.body.decode())))


def test_each_allocation_is_a_row_and_money_on_account_a_row_without_invoice(personas: Personas, as_: Any) -> None:
    first = make_invoice(company=personas.acme, amount="100.00")
    second = make_invoice(company=personas.acme, amount="50.00")
    split = pay(company=personas.acme, invoices=[(first, "100.00"), (second, "20.00")], amount="130.00", reference="=HYPERLINK()")
    on_account = pay(company=personas.globex, invoices=[], amount="9.00")
    payment_refund(actor=personas.finance, payment=split, amount="10.00")
    reply = as_("finance").get("payments/allocations.csv")
    assert reply.status == 200
    assert reply.content_type.startswith("text/csv")
    rows = _rows(reply)
    mine = [(r["payment_id"], r["invoice_number"], r["allocated"], r["unallocated"]) for r in rows]
    assert mine == [
        (str(split.pk), first.number, "100.00", "0.00"),
        (str(split.pk), second.number, "20.00", "0.00"),
        (str(on_account.pk), "", "", "9.00"),
    ]
    assert rows[0]["reference"] == "'=HYPERLINK()", "formula injection neutralized"
    assert rows[0]["refunded_amount"] == "10.00"
    only_globex = _rows(as_("finance").get(f"payments/allocations.csv?company={personas.globex.pk}"))
    assert [r["payment_id"] for r in only_globex] == [str(on_account.pk)]


def test_buyers_and_bad_filters_are_refused(personas: Personas, as_: Any) -> None:
    assert as_("alice").get("payments/allocations.csv").status == 403
    assert as_("finance").get("payments/allocations.csv?received_from=yesterday").status == 422
