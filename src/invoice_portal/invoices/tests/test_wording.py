"""Locked invoice types and statuses with descriptions the Admin edits (seed 003), shown wherever users read them."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from invoice_portal.api.services import api_token_create
from invoice_portal.audit.models import AuditEvent
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import InvoiceNotDeletable, InvoiceNotEditable, PermissionDenied, ValidationFailed
from invoice_portal.documents.pdf import invoice_cache_key
from invoice_portal.invoices.models import DocumentWording
from invoice_portal.invoices.services import invoice_delete, invoice_update
from invoice_portal.invoices.wording import DEFAULTS, current_wording, wording_update
from invoice_portal.notifications.services import invoice_remind, invoice_send
from invoice_portal.testing import Personas, line, make_invoice, refused

pytestmark = pytest.mark.django_db


def test_an_issued_debit_invoice_nothing_is_paid_on_reads_unpaid_by_default(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)

    assert current_wording().status(invoice.status, invoice.kind) == "Unpaid"
    assert current_wording().status("paid", "credit_note") == "Applied"
    assert {key for key in DEFAULTS if key[0] == "kind"} == {("kind", "invoice"), ("kind", "credit_note"), ("kind", "debit_note")}


def test_the_admin_edits_a_description_and_the_audit_trail_keeps_old_new_and_who(personas: Personas) -> None:
    changed = wording_update(actor=personas.admin, subject="status", code="open", description="  Awaiting   payment ")

    assert changed is True
    assert current_wording().status("open") == "Awaiting payment"
    event = AuditEvent.objects.get(action="wording.update")
    assert event.actor == personas.admin
    assert (event.before or {})["description"] == "Unpaid"
    assert (event.after or {})["description"] == "Awaiting payment"
    assert wording_update(actor=personas.admin, subject="status", code="open", description="Awaiting payment") is False


@pytest.mark.parametrize(
    ("who", "subject", "code", "description", "error"),
    [
        ("finance", "status", "open", "Due", PermissionDenied),
        ("alice", "status", "open", "Due", PermissionDenied),
        ("admin", "status", "overdue", "Late", ValidationFailed),  # no new statuses
        ("admin", "kind", "proforma", "Pro forma", ValidationFailed),  # no new types
        ("admin", "status", "paid", "   ", ValidationFailed),  # nothing is deleted or blanked
        ("admin", "status", "paid", "x" * 61, ValidationFailed),
    ],
)
def test_types_and_statuses_are_locked_and_only_the_admin_words_them(
    personas: Personas, who: str, subject: str, code: str, description: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        wording_update(actor=getattr(personas, who), subject=subject, code=code, description=description)

    assert not DocumentWording.objects.exists()
    assert current_wording().words == DEFAULTS


def test_the_descriptions_are_what_the_seller_list_the_portal_and_the_pdf_show(personas: Personas, client: Any) -> None:
    p = personas
    invoice = make_invoice(company=p.acme)
    key_before = invoice_cache_key(invoice)
    wording_update(actor=p.admin, subject="status", code="open", description="Awaiting payment")
    wording_update(actor=p.admin, subject="kind", code="invoice", description="Tax invoice")

    client.force_login(p.finance)
    seller_list = client.get("/seller/invoices/").content.decode()
    client.force_login(p.bob)
    portal_list = client.get("/portal/invoices/").content.decode()
    portal_page = client.get(f"/portal/invoices/{invoice.pk}/").content.decode()

    assert "Awaiting payment" in seller_list
    assert "Awaiting payment" in portal_list
    assert "Tax invoice" in portal_page
    assert "Awaiting payment" in portal_page
    assert invoice_cache_key(invoice) != key_before  # the PDF is printed again with the new words


def test_the_settings_page_saves_every_description_or_none(personas: Personas, client: Any) -> None:
    client.force_login(personas.admin)
    page = client.get("/seller/settings/wording/")
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["status__paid"] = "Settled"
    data["status__open"] = ""

    refused = client.post("/seller/settings/wording/", data)
    data["status__open"] = "Unpaid"
    saved = client.post("/seller/settings/wording/", data)

    assert refused.status_code == 400
    assert saved.status_code == 302
    assert current_wording().status("paid") == "Settled"
    assert DocumentWording.objects.count() == 1
    client.force_login(personas.finance)
    assert client.get("/seller/settings/wording/").status_code == 403


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_exports_the_api_the_filter_and_the_emails_use_the_descriptions_too(personas: Personas, client: Any) -> None:
    p = personas
    Company.objects.filter(pk=p.acme.pk).update(email="ap@acme.test")
    invoice = make_invoice(company=p.acme)
    free = make_invoice(company=p.acme, amount="0.00")  # issued with nothing to pay: never "paid", whatever the words
    wording_update(actor=p.admin, subject="status", code="open", description="Awaiting payment")
    wording_update(actor=p.admin, subject="status", code="paid", description="Settled")
    wording_update(actor=p.admin, subject="kind", code="invoice", description="Tax invoice")

    client.force_login(p.finance)
    seller_rows = {r["Id"]: r for r in _csv(client.get("/seller/invoices/export.csv"))}
    status_options = dict(client.get("/seller/invoices/").context["form"].fields["status"].choices)
    client.force_login(p.bob)
    portal_rows = {r["Id"]: r for r in _csv(client.get("/portal/invoices/export.csv"))}
    token = api_token_create(actor=None, user=p.finance, name="tests")[1]
    api = client.get("/api/v1/invoices", headers={"Authorization": f"Bearer {token}"}).json()["items"]
    api_labels = {item["id"]: (item["kind_label"], item["status_label"]) for item in api}
    message = invoice_send(actor=p.finance, invoice=invoice)
    reminder = invoice_remind(actor=p.finance, invoice=invoice)

    for rows in (seller_rows, portal_rows):
        assert (rows[str(invoice.pk)]["Kind"], rows[str(invoice.pk)]["Status"]) == ("Tax invoice", "Awaiting payment")
        assert rows[str(free.pk)]["Status"] == "Nothing to pay"
    assert api_labels[invoice.pk] == ("Tax invoice", "Awaiting payment")
    assert api_labels[free.pk] == ("Tax invoice", "Nothing to pay")
    assert (status_options["open"], status_options["paid"]) == ("Awaiting payment", "Settled")
    assert message.subject.startswith(f"Tax invoice {invoice.number} from ")
    assert "please find attached tax invoice" in message.body
    assert reminder.subject.startswith(f"Reminder: tax invoice {invoice.number} is ")


def test_the_statement_of_account_names_the_documents_in_the_admins_words(personas: Personas, client: Any) -> None:
    make_invoice(company=personas.acme)
    wording_update(actor=personas.admin, subject="kind", code="invoice", description="Tax invoice")
    client.force_login(personas.finance)
    rows = _csv(client.get(f"/seller/customers/{personas.acme.pk}/statement.csv"))
    assert "Tax invoice" in {row["Description"] for row in rows}


def test_a_refusal_names_the_status_in_the_admins_words(personas: Personas) -> None:
    wording_update(actor=personas.admin, subject="status", code="paid", description="Settled")
    invoice = make_invoice(company=personas.acme, status="paid")

    with refused(InvoiceNotEditable, f"{invoice.number} is settled and can no longer be edited"):
        invoice_update(actor=None, invoice=invoice, lines=[line()])
    with refused(InvoiceNotDeletable, "is settled and cannot be deleted"):
        invoice_delete(actor=None, invoice=invoice)
