"""Transaction runs: accepted invoices exported once as CSV and JSON, with checksums; the sweep command."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient, problem_of
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import ReceivedStatus
from invoice_portal.orders.models import Receipt
from invoice_portal.payables.models import TransactionRun, TransactionRunInvoice
from invoice_portal.payables.services.transaction_runs import NothingToExport, transaction_run_create
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.testing import refused

pytestmark = pytest.mark.django_db


def _accepted(ap: ApPersonas, n: int = 2) -> list:
    out = []
    for _ in range(n):
        po = make_po(supplier=ap.northwind)
        receive_all(po)
        invoice = flip(po, actor=ap.sue)
        assert invoice.ap_status == ReceivedStatus.ACCEPTED
        out.append(invoice)
    return out


def test_a_run_exports_each_accepted_invoice_once_and_marks_it_downloaded(ap: ApPersonas) -> None:
    first, second = _accepted(ap)
    held_po = make_po(supplier=ap.northwind)
    receive_all(held_po)
    held = flip(held_po, actor=ap.sue, prices=["9.00", "100.00"])
    run = transaction_run_create(actor=ap.clerk)
    assert (run.invoice_count, run.created_by) == (2, ap.clerk)
    assert set(TransactionRunInvoice.objects.filter(run=run).values_list("invoice_id", flat=True)) == {first.pk, second.pk}
    assert hashlib.sha256(bytes(run.csv_content)).hexdigest() == run.csv_sha256
    assert hashlib.sha256(bytes(run.json_content)).hexdigest() == run.json_sha256
    rows = list(csv.DictReader(io.StringIO(bytes(run.csv_content).decode())))
    assert [r["number"] for r in rows] == [first.number, second.number]
    assert rows[0]["total"] == f"{first.total.normalize():f}"
    doc = json.loads(bytes(run.json_content))
    assert [len(d["lines"]) for d in doc["invoices"]] == [2, 2]
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.ap_status == ReceivedStatus.DOWNLOADED
    held.refresh_from_db()
    assert held.ap_status == ReceivedStatus.ON_HOLD
    with refused(NothingToExport, "No accepted invoice"):
        transaction_run_create(actor=ap.clerk)
    (third,) = _accepted(ap, 1)
    again = transaction_run_create(actor=ap.clerk)
    assert list(TransactionRunInvoice.objects.filter(run=again).values_list("invoice_id", flat=True)) == [third.pk]
    assert check_books() == []


def test_the_sweep_command_rematches_invoices_a_receipt_missed(ap: ApPersonas) -> None:
    po = make_po(supplier=ap.northwind)
    invoice = flip(po, actor=ap.sue)
    assert invoice.ap_status == ReceivedStatus.PENDING_RECEIVING
    # Goods recorded behind the services' back (a direct load): nothing re-matched the invoice.
    loaded = [Receipt(order_line=ln, quantity=ln.quantity, received_on=po.order_date, reference="LOAD") for ln in po.lines.all()]
    Receipt.objects.bulk_create(loaded)
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.PENDING_RECEIVING
    out = StringIO()
    call_command("rematch_received", stdout=out)
    assert "1 received invoices moved on" in out.getvalue()
    invoice.refresh_from_db()
    assert invoice.ap_status == ReceivedStatus.ACCEPTED


def test_with_nothing_waiting_the_page_offers_no_export_and_the_api_refuses_an_empty_run(ap: ApPersonas, client) -> None:
    client.force_login(ap.clerk)
    page = client.get(reverse("ap:ap_runs")).content.decode()
    assert "Export 0" not in page
    assert reverse("ap:ap_run_start") not in page
    assert "No accepted invoice is waiting to be exported." in page
    api = ApiClient(api_token_create(actor=ap.clerk, user=ap.clerk, name="erp")[1])
    problem = problem_of(api.post("transaction-runs", {}), 409, "nothing_to_export")
    assert "No accepted invoice is waiting to be exported." in problem["detail"]
    assert not TransactionRun.objects.exists()
    _accepted(ap, 1)
    page = client.get(reverse("ap:ap_runs")).content.decode()
    assert "Export 1 accepted invoice<" in page
    assert reverse("ap:ap_run_start") in page
