"""/invoices and /disputes: create, read, list filters, edit, issue, cancel, delete, credit notes, disputes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from invoice_portal.api.tests.conftest import problem_of
from invoice_portal.invoices.models import Dispute, Invoice
from invoice_portal.seller.services import portal_settings_update
from invoice_portal.testing import Personas, make_invoice, make_order, pay

pytestmark = pytest.mark.django_db


def _create(personas: Personas, **over: Any) -> dict[str, Any]:
    return {
        "company": personas.acme.pk, "kind": "invoice", "currency": "USD", "issue_date": "2026-11-01", "due_date": "2026-12-01",
        "external_id": "ERP-INV-1", "source": "erp",
        "lines": [
            {"kind": "item", "description": "Widget", "quantity": "2", "unit_price": "50.00", "tax_rate": "18", "sku": "W-1"},
            {"kind": "cost", "description": "Shipping", "quantity": "1", "unit_price": "0.00", "tax_rate": "18"},
        ],
        "discount": "0",
        **over,
    }  # fmt: skip


def test_create_with_the_contract_fields_answers_the_contract(as_: Any, personas: Personas) -> None:
    reply = as_("sales").post("invoices", _create(personas))
    assert reply.status == 201, reply.body
    body = reply.body
    assert (body["status"], body["number"], body["total"], body["balance"]) == ("draft", None, "118.00", "118.00")
    assert (body["source"], body["external_id"], body["issue_date"], body["due_date"]) == ("erp", "ERP-INV-1", "2026-11-01", "2026-12-01")
    assert [(ln["line_no"], ln["kind"], ln["sku"], ln["net_amount"]) for ln in body["lines"]] == [
        (1, "item", "W-1", "100.00"),
        (2, "cost", "", "0.00"),
    ]
    assert body["tax_breakdown"] == [{"category": "S", "rate": "18", "base": "100.00", "tax": "18.00"}]
    assert body["audit"][0]["action"] == "invoice.create"
    assert body["audit"][0]["channel"] == "api"


def test_create_and_issue_in_one_call(as_: Any, personas: Personas) -> None:
    reply = as_("sales").post("invoices", _create(personas, issue=True))
    assert reply.status == 201
    assert reply.body["status"] == "open"
    assert reply.body["number"].startswith("INV-2026-")


def test_a_settings_change_applies_to_the_next_call(as_: Any, personas: Personas) -> None:
    first = as_("sales").post("invoices", _create(personas, issue=True, external_id=None))
    portal_settings_update(actor=personas.admin, invoice_number_format="F-{year}-{seq:04d}")
    second = as_("sales").post("invoices", _create(personas, issue=True, external_id=None))
    assert first.body["number"].startswith("INV-2026-")
    assert second.body["number"].startswith("F-2026-")


def test_create_with_a_discount_and_an_order(as_: Any, personas: Personas) -> None:
    order = make_order(company=personas.acme)
    reply = as_("sales").post("invoices", _create(personas, order=order.pk, discount="10.00", external_id=None))
    assert reply.status == 201
    assert (reply.body["total"], reply.body["discount"], reply.body["order"]) == ("106.20", "10.00", order.pk)


def test_create_refuses_what_the_domain_refuses(as_: Any, personas: Personas) -> None:
    client = as_("sales")
    client.post("invoices", _create(personas))
    body = problem_of(client.post("invoices", _create(personas)), 422)
    assert body["errors"][0]["field"] == "external_id"
    problem_of(client.post("invoices", _create(personas, external_id=None, company=999999)), 422)
    problem_of(client.post("invoices", _create(personas, external_id=None, order=999999)), 422)
    other = make_order(company=personas.globex)
    problem_of(client.post("invoices", _create(personas, external_id=None, order=other.pk)), 422)
    problem_of(client.post("invoices", _create(personas, external_id=None, due_date="2026-10-01")), 422)
    problem_of(client.post("invoices", _create(personas, external_id=None, currency="EUR", discount="1.001")), 422)
    assert Invoice.objects.count() == 1


def test_get_shows_lines_totals_allocations_and_audit(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "40.00")], reference="CHK 7")
    body = as_("finance").get(f"invoices/{invoice.pk}").body
    assert (body["status"], body["total"], body["allocated_total"], body["balance"]) == ("partially_paid", "100.00", "40.00", "60.00")
    assert body["allocations"][0] | {"created_at": None} == {
        "id": body["allocations"][0]["id"], "payment": payment.pk, "credit_note": None, "credit_note_number": None,
        "amount": "40.00", "method": "check", "reference": "CHK 7", "received_on": body["allocations"][0]["received_on"],
        "created_at": None,
    }  # fmt: skip
    assert [e["action"] for e in body["audit"]] == ["invoice.create", "invoice.issue"]
    assert body["summary_status"] == "New"  # table 5: its one line is not covered yet (the status says partially paid)


def test_list_with_the_dashboard_filters(as_: Any, personas: Personas) -> None:
    today = timezone.localdate()
    order = make_order(company=personas.acme, external_id="BC-77")
    a = make_invoice(company=personas.acme, order=order, issue_date=today - dt.timedelta(days=10))
    b = make_invoice(company=personas.globex, issue_date=today - dt.timedelta(days=5), source="erp")
    c = make_invoice(company=personas.acme, status="paid", issue_date=today - dt.timedelta(days=60))
    d = make_invoice(company=personas.acme, status="draft")
    overdue = make_invoice(company=personas.globex, issue_date=today - dt.timedelta(days=100))
    client = as_("sales")

    def ids(query: str) -> set[int]:
        reply = client.get(f"invoices?{query}")
        assert reply.status == 200, reply.body
        return {i["id"] for i in reply.body["items"]}

    def day(offset: int) -> str:
        return (today + dt.timedelta(days=offset)).isoformat()

    assert ids("") == {a.pk, b.pk, c.pk, d.pk, overdue.pk}
    assert ids(f"number={a.number}") == {a.pk}
    assert ids("customer=globex") == {b.pk, overdue.pk}
    assert ids("customer=ACME") == {a.pk, c.pk, d.pk}
    assert ids(f"company={personas.globex.pk}") == {b.pk, overdue.pk}
    assert ids("order=BC-77") == {a.pk}
    assert ids(f"order={order.pk}") == {a.pk}
    assert ids("status=paid") == {c.pk}
    assert ids("status=draft") == {d.pk}
    assert ids("kind=credit_note") == set()
    assert ids("direction=received") == set()
    assert ids("source=erp") == {b.pk}
    assert ids(f"issued_from={day(-70)}&issued_to={day(-50)}") == {c.pk}
    assert ids(f"due_from={day(-80)}&due_to={day(-60)}") == {overdue.pk}
    assert ids("overdue=true") == {overdue.pk}
    assert ids("overdue=false") == {a.pk, b.pk, c.pk, d.pk}
    assert ids("disputed=true") == set()
    assert ids("disputed=false") == {a.pk, b.pk, c.pk, d.pk, overdue.pk}
    assert ids("tab=web") == {a.pk}
    assert ids("tab=erp") == {b.pk}
    listed = client.get(f"invoices?number={overdue.number}").body["items"][0]
    assert listed["is_overdue"] is True
    assert listed["company_name"] == "Globex"
    problem_of(client.get("invoices?status=bogus"), 422)
    problem_of(client.get("invoices?issued_from=yesterday"), 422)


def test_edit_lines_of_a_draft_and_of_an_open_invoice(as_: Any, personas: Personas) -> None:
    draft = make_invoice(company=personas.acme, status="draft")
    reply = as_("sales").patch(f"invoices/{draft.pk}", {"lines": [{"description": "New", "unit_price": "12.34"}], "notes": "hi"})
    assert reply.status == 200
    assert (reply.body["total"], reply.body["notes"], reply.body["version"]) == ("12.34", "hi", 1)
    issued = make_invoice(company=personas.acme)
    reply = as_("sales").patch(f"invoices/{issued.pk}", {"lines": [{"description": "Revised", "quantity": "3", "unit_price": "10.00"}]})
    assert (reply.status, reply.body["total"], reply.body["version"], reply.body["status"]) == (200, "30.00", 2, "open")
    assert [e["action"] for e in reply.body["audit"]][-1] == "invoice.update"


def test_edit_never_goes_below_what_is_allocated_and_paid_is_frozen(as_: Any, personas: Personas) -> None:
    partial = make_invoice(company=personas.acme, status="partially_paid")
    problem_of(
        as_("sales").patch(f"invoices/{partial.pk}", {"lines": [{"description": "x", "unit_price": "1.00"}]}), 409, "total_below_allocated"
    )
    paid = make_invoice(company=personas.acme, status="paid")
    problem_of(as_("sales").patch(f"invoices/{paid.pk}", {"notes": "x"}), 409, "invoice_not_editable")
    problem_of(as_("sales").patch(f"invoices/{partial.pk}", {"lines": []}), 409, "total_below_allocated")
    problem_of(as_("sales").patch(f"invoices/{make_invoice(company=personas.acme).pk}", {"lines": []}), 422)


def test_issue_assigns_a_number_and_only_once(as_: Any, personas: Personas) -> None:
    draft = make_invoice(company=personas.acme, status="draft")
    reply = as_("sales").post(f"invoices/{draft.pk}/issue", {"issue_date": "2026-11-20"})
    assert reply.status == 200
    assert reply.body["number"].startswith("INV-2026-")
    assert reply.body["due_date"] == "2026-12-20"
    problem_of(as_("sales").post(f"invoices/{draft.pk}/issue"), 409, "invalid_transition")
    empty = make_invoice(company=personas.acme, status="draft", lines=[])
    problem_of(as_("sales").post(f"invoices/{empty.pk}/issue"), 422)


def test_cancel_an_open_invoice_keeps_its_number(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    reply = as_("sales").post(f"invoices/{invoice.pk}/cancel", {"reason": "duplicate"})
    assert (reply.status, reply.body["status"], reply.body["number"]) == (200, "canceled", invoice.number)
    problem_of(as_("sales").post(f"invoices/{make_invoice(company=personas.acme, status='partially_paid').pk}/cancel"), 409)
    problem_of(as_("sales").post(f"invoices/{make_invoice(company=personas.acme, status='draft').pk}/cancel"), 409)


def test_delete_follows_the_status_table(as_: Any, personas: Personas) -> None:
    draft = make_invoice(company=personas.acme, status="draft")
    reply = as_("sales").delete(f"invoices/{draft.pk}")
    assert reply.status == 204
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    open_ = make_invoice(company=personas.acme)
    reply = as_("sales").delete(f"invoices/{open_.pk}")
    assert (reply.status, reply.body["status"]) == (200, "canceled")
    for status in ("partially_paid", "paid", "canceled"):
        invoice = make_invoice(company=personas.acme, status=status)
        problem_of(as_("sales").delete(f"invoices/{invoice.pk}"), 409, "invoice_not_deletable")
    problem_of(as_("sales").delete(f"invoices/{draft.pk}"), 404)


def test_credit_note_for_the_whole_invoice(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    reply = as_("finance").post(f"invoices/{invoice.pk}/credit-note", {})
    assert reply.status == 201
    assert (reply.body["kind"], reply.body["related_invoice"], reply.body["total"]) == ("credit_note", invoice.pk, "100.00")
    assert reply.body["number"].startswith("CN-")
    detail = as_("finance").get(f"invoices/{invoice.pk}").body
    assert (detail["status"], detail["balance"]) == ("paid", "0.00")
    assert detail["allocations"][0]["credit_note"] == reply.body["id"]


def test_credit_note_for_some_lines_or_an_amount(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=3, amount="10.00")
    reply = as_("finance").post(f"invoices/{invoice.pk}/credit-note", {"lines": [{"line": 2}, {"line": 3, "quantity": "0.5"}]})
    assert (reply.status, reply.body["total"]) == (201, "15.00")
    reply = as_("finance").post(f"invoices/{invoice.pk}/credit-note", {"amount": "2.50", "description": "Goodwill"})
    assert (reply.status, reply.body["total"], reply.body["lines"][0]["description"]) == (201, "2.50", "Goodwill")
    assert as_("finance").get(f"invoices/{invoice.pk}").body["balance"] == "12.50"
    body = problem_of(as_("finance").post(f"invoices/{invoice.pk}/credit-note", {"lines": [{"line": 9}]}), 422)
    assert body["errors"][0]["field"] == "lines[0].line"
    problem_of(as_("finance").post(f"invoices/{invoice.pk}/credit-note", {"amount": "100.00"}), 409, "credit_exceeds_invoice")
    problem_of(as_("finance").post(f"invoices/{invoice.pk}/credit-note", {"amount": "1.00", "lines": [{"line": 1}]}), 422)


def test_unapplied_credit_is_applied_to_another_invoice(as_: Any, personas: Personas) -> None:
    first = make_invoice(company=personas.acme, amount="100.00", status="partially_paid")  # balance 50
    second = make_invoice(company=personas.acme, amount="30.00")
    credit = as_("finance").post(f"invoices/{first.pk}/credit-note", {"amount": "80.00"}).body
    assert credit["balance"] == "30.00"  # 50 applied to the invoice, 30 left on account
    reply = as_("finance").post(f"invoices/{credit['id']}/apply-credit", {"allocations": [{"invoice": second.pk, "amount": "30.00"}]})
    assert (reply.status, reply.body["balance"]) == (200, "0.00")
    assert as_("finance").get(f"invoices/{second.pk}").body["status"] == "paid"
    problem_of(as_("finance").post(f"invoices/{second.pk}/apply-credit", {"allocations": [{"invoice": first.pk, "amount": "1.00"}]}), 422)


def test_a_buyer_disputes_a_line_and_finance_resolves_it(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=2, amount="40.00")
    reply = as_("bob").post(f"invoices/{invoice.pk}/lines/2/dispute", {"reason": "damaged", "text": "Arrived broken"})
    assert reply.status == 201
    dispute = reply.body
    assert (dispute["line"], dispute["status"], dispute["reason"]) == (2, "open", "damaged")
    detail = as_("bob").get(f"invoices/{invoice.pk}").body
    assert detail["has_open_dispute"] is True
    assert detail["lines"][1]["status"] == "disputed"
    assert detail["audit"] is None
    problem_of(as_("bob").post(f"invoices/{invoice.pk}/lines/2/dispute", {"reason": "damaged", "text": "again"}), 409)
    problem_of(as_("bob").post(f"invoices/{invoice.pk}/lines/7/dispute", {"reason": "damaged", "text": "no line"}), 404)
    problem_of(as_("bob").post(f"invoices/{invoice.pk}/lines/1/dispute", {"reason": "mood", "text": "x"}), 422)
    assert [d["id"] for d in as_("finance").get("disputes?status=open").body["items"]] == [dispute["id"]]
    assert as_("finance").get(f"disputes/{dispute['id']}").body["text"] == "Arrived broken"

    resolved = as_("finance").post(f"disputes/{dispute['id']}/resolve", {"resolution": "credit", "comment": "Sorry"})
    assert resolved.status == 200
    assert resolved.body["status"] == "credited"
    assert resolved.body["credit_note"] is not None
    assert as_("finance").get(f"invoices/{invoice.pk}").body["balance"] == "40.00"
    problem_of(as_("finance").post(f"disputes/{dispute['id']}/resolve", {"resolution": "reject", "comment": "x"}), 409)


def test_a_dispute_can_be_rejected_with_a_comment(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    dispute = as_("carol").post(f"invoices/{invoice.pk}/lines/1/dispute", {"reason": "price", "text": "Too dear"}).body
    problem_of(as_("finance").post(f"disputes/{dispute['id']}/resolve", {"resolution": "reject", "comment": " "}), 422)
    problem_of(as_("finance").post(f"disputes/{dispute['id']}/resolve", {"resolution": "reject", "comment": "x", "amount": "1"}), 422)
    reply = as_("finance").post(f"disputes/{dispute['id']}/resolve", {"resolution": "reject", "comment": "Price as agreed"})
    assert (reply.status, reply.body["status"], reply.body["resolution_comment"]) == (200, "rejected", "Price as agreed")
    assert Dispute.objects.get(pk=dispute["id"]).credit_note is None


def test_a_dispute_resolved_by_a_partial_amount(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=[{"description": "A", "quantity": "1", "unit_price": "100.00", "tax_rate": "10"}])
    dispute = as_("bob").post(f"invoices/{invoice.pk}/lines/1/dispute", {"reason": "quantity", "text": "Short"}).body
    reply = as_("finance").post(f"disputes/{dispute['id']}/resolve", {"resolution": "credit", "amount": "20.00", "comment": "1 short"})
    credit = as_("finance").get(f"invoices/{reply.body['credit_note']}").body
    assert credit["total"] == "22.00"
    assert as_("finance").get(f"invoices/{invoice.pk}").body["balance"] == "88.00"


def test_drafts_and_credit_notes_cannot_be_disputed(as_: Any, personas: Personas) -> None:
    paid = make_invoice(company=personas.acme, status="paid")
    credit = as_("finance").post(f"invoices/{paid.pk}/credit-note", {"amount": "1.00", "apply": False}).body
    problem_of(as_("bob").post(f"invoices/{credit['id']}/lines/1/dispute", {"reason": "other", "text": "x"}), 409)
    draft = make_invoice(company=personas.acme, status="draft")
    problem_of(as_("bob").post(f"invoices/{draft.pk}/lines/1/dispute", {"reason": "other", "text": "x"}), 404)


def test_money_has_exactly_the_currency_digits(as_: Any, personas: Personas) -> None:
    yen = as_("finance").post("companies", {"name": "Nippon KK", "currency": "JPY"}).body
    body = {"company": yen["id"], "lines": [{"description": "Tea", "quantity": "3", "unit_price": "120", "tax_rate": "10"}]}
    invoice = as_("finance").post("invoices", body).body
    assert (invoice["currency"], invoice["total"], invoice["tax_total"]) == ("JPY", "396", "36")
    assert invoice["lines"][0]["unit_price"] == "120"
    problem_of(as_("finance").post("invoices", {**body, "discount": "0.5"}), 422, "invalid_amount")
    dinar = as_("finance").post("companies", {"name": "Kuwait Co", "currency": "KWD"}).body
    reply = as_("finance").post("invoices", {"company": dinar["id"], "lines": [{"description": "Oil", "unit_price": "1.250"}]})
    assert reply.body["total"] == "1.250"


def test_create_with_an_order_that_has_its_invoice_already_is_a_conflict(as_: Any, personas: Personas) -> None:
    order = make_order(company=personas.acme)
    client = as_("sales")
    assert client.post("invoices", _create(personas, order=order.pk, external_id=None)).status == 201
    body = problem_of(client.post("invoices", _create(personas, order=order.pk, external_id=None)), 409, "order_already_invoiced")
    assert "one invoice per order" in body["detail"]
    assert Invoice.objects.filter(order=order).count() == 1
