"""The emails-and-reminders API: send, remind, hold and release, the list of what was sent."""

from __future__ import annotations

import pytest

from invoice_portal.accounts.models import User
from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient
from invoice_portal.invoices.services import dispute_open
from invoice_portal.notifications.models import Message
from invoice_portal.testing import Personas, make_invoice

pytestmark = pytest.mark.django_db


def _api(user: User) -> ApiClient:
    return ApiClient(api_token_create(actor=None, user=user, name="tests")[1])


def test_sales_sends_and_reminds_finance_holds_and_the_list_shows_it(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="120.00")
    sales, finance = _api(personas.sales), _api(personas.finance)
    sent = sales.post(f"invoices/{invoice.pk}/send")
    assert sent.status == 202
    assert sent.body["kind"] == "invoice"
    assert sent.body["to"] == ["bob@acme.test", "carol@acme.test"]
    assert sales.post(f"invoices/{invoice.pk}/remind").status == 202
    assert sales.post(f"invoices/{invoice.pk}/hold", {"reason": "plan"}).status == 403  # holds are Finance's
    held = finance.post(f"invoices/{invoice.pk}/hold", {"reason": "Payment plan until March"})
    assert held.body == {"invoice": invoice.pk, "on_hold": True, "hold_reason": "Payment plan until March"}
    refused = sales.post(f"invoices/{invoice.pk}/remind")
    assert refused.status == 409
    assert refused.content_type == "application/problem+json"
    assert "is on hold" in refused.body["detail"]
    assert finance.delete(f"invoices/{invoice.pk}/hold").body["on_hold"] is False
    assert finance.delete(f"invoices/{invoice.pk}/hold").status == 409  # not on hold any more
    listed = sales.get(f"invoices/{invoice.pk}/messages").body
    assert [m["kind"] for m in listed] == ["reminder", "invoice", "invoice"]  # newest first; the first went out on issue


def test_a_disputed_invoice_is_not_reminded_and_nothing_is_written(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=2)
    dispute_open(actor=personas.alice, line=invoice.lines.order_by("line_no")[0], reason="price", text="Too much")
    before = Message.objects.count()
    refused = _api(personas.sales).post(f"invoices/{invoice.pk}/remind")
    assert refused.status == 409
    assert "open dispute" in refused.body["detail"]
    assert Message.objects.count() == before


def test_a_buyer_cannot_send_or_hold_and_another_companys_invoice_is_404(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    assert _api(personas.carol).post(f"invoices/{invoice.pk}/send").status == 403
    assert _api(personas.finance).post("invoices/999999/hold", {"reason": "x"}).status == 404
    assert _api(personas.finance).post(f"invoices/{invoice.pk}/hold", {"reason": ""}).status in (400, 422)
