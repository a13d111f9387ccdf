"""Idempotency-Key: replays give the first answer without the work; reuse with another body is 422."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from invoice_portal.api.models import IdempotencyKey
from invoice_portal.api.services import idempotency_keys_purge
from invoice_portal.api.tests.conftest import ApiClient, problem_of
from invoice_portal.audit.models import AuditEvent
from invoice_portal.companies.models import Company
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.models import Payment
from invoice_portal.testing import Personas, make_invoice

KEY = {"Idempotency-Key": "order-4711-payment"}


def _payment_body(personas: Personas, invoice: Invoice, amount: str = "60.00") -> dict[str, Any]:
    return {
        "company": personas.acme.pk, "amount": amount, "currency": "USD", "method": "check", "reference": "CHK 1001",
        "allocations": [{"invoice": invoice.pk, "amount": "40.00"}],
    }  # fmt: skip


@pytest.mark.django_db
def test_a_repeated_post_replays_the_first_answer_without_doing_the_work_again(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    body = _payment_body(personas, invoice)
    first = as_("finance").post("payments", body, headers=KEY)
    assert first.status == 201
    second = as_("finance").post("payments", body, headers=KEY)
    assert (second.status, second.body) == (first.status, first.body)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.allocated_total == 40
    assert AuditEvent.objects.filter(action="payment.record").count() == 1


@pytest.mark.django_db
def test_the_same_json_with_other_spacing_and_key_order_is_the_same_request(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    body = _payment_body(personas, invoice)
    as_("finance").post("payments", body, headers=KEY)
    import json

    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2).encode()
    assert as_("finance").post("payments", raw=reordered, headers=KEY).status == 201
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    as_("finance").post("payments", _payment_body(personas, invoice), headers=KEY)
    body = problem_of(as_("finance").post("payments", _payment_body(personas, invoice, amount="70.00"), headers=KEY), 422)
    assert body["code"] == "idempotency_key_reused"
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_on_another_endpoint_is_refused(as_: Any, personas: Personas) -> None:
    as_("finance").post("companies", {"name": "Initech"}, headers=KEY)
    problem_of(as_("finance").post("orders", {"name": "Initech"}, headers=KEY), 422, "idempotency_key_reused")


@pytest.mark.django_db
def test_keys_are_per_user(as_: Any, personas: Personas) -> None:
    assert as_("finance").post("companies", {"name": "Initech"}, headers=KEY).status == 201
    assert as_("admin").post("companies", {"name": "Initech"}, headers=KEY).status == 201
    assert Company.objects.filter(name="Initech").count() == 2


@pytest.mark.django_db
def test_without_a_key_each_post_does_the_work(as_: Any, personas: Personas) -> None:
    as_("finance").post("companies", {"name": "Initech"})
    as_("finance").post("companies", {"name": "Initech"})
    assert Company.objects.filter(name="Initech").count() == 2
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.django_db
def test_an_error_answer_is_replayed_too(as_: Any, personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    body = {**_payment_body(personas, invoice), "allocations": [{"invoice": invoice.pk, "amount": "500.00"}], "amount": "500.00"}
    first = as_("finance").post("payments", body, headers=KEY)
    problem_of(first, 409, "allocation_exceeds_balance")
    second = as_("finance").post("payments", body, headers=KEY)
    assert (second.status, second.body, second.headers["Idempotent-Replayed"]) == (409, first.body, "true")
    assert second.content_type.startswith("application/problem+json")


@pytest.mark.django_db
def test_a_server_error_is_not_stored_and_rolls_the_work_back(as_: Any, personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    from invoice_portal.companies import api as companies_api

    real = companies_api.company_create

    def create_then_fail(**kwargs: Any) -> Any:
        real(**kwargs)
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(companies_api, "company_create", create_then_fail)
    failed = as_("finance").post("companies", {"name": "Initech"}, headers=KEY)
    problem_of(failed, 500, "internal_error")
    assert not Company.objects.filter(name="Initech").exists()
    assert not IdempotencyKey.objects.exists()

    monkeypatch.setattr(companies_api, "company_create", real)
    assert as_("finance").post("companies", {"name": "Initech"}, headers=KEY).status == 201
    assert Company.objects.filter(name="Initech").count() == 1


@pytest.mark.django_db
def test_keys_are_kept_24_hours_then_forgotten(as_: Any, personas: Personas) -> None:
    as_("finance").post("companies", {"name": "Initech"}, headers=KEY)
    assert idempotency_keys_purge(older_than=dt.timedelta(hours=1)) == 0  # never less than 24 hours
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=23))
    assert as_("finance").post("companies", {"name": "Initech"}, headers=KEY).headers.get("Idempotent-Replayed") == "true"
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert as_("finance").post("companies", {"name": "Initech"}, headers=KEY).status == 201
    assert Company.objects.filter(name="Initech").count() == 2
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert idempotency_keys_purge() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "spaces are not allowed", "ümlaut"])
def test_a_malformed_key_is_422(as_: Any, personas: Personas, key: str) -> None:
    reply = as_("finance").post("companies", {"name": "Initech"}, headers={"Idempotency-Key": key})
    problem_of(reply, 422)
    assert not Company.objects.filter(name="Initech").exists()


@pytest.mark.django_db
def test_a_key_on_a_get_is_ignored(as_: Any, personas: Personas) -> None:
    assert as_("finance").get("invoices", headers=KEY).status == 200
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_an_unauthenticated_post_with_a_key_stores_nothing(anonymous: ApiClient) -> None:
    problem_of(anonymous.post("companies", {"name": "Initech"}, headers=KEY), 401)
    assert not IdempotencyKey.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_the_same_key_do_the_work_once(
    personas: Personas, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from invoice_portal.payments import api as payments_api

    invoice = make_invoice(company=personas.acme)
    body = _payment_body(personas, invoice)
    real = payments_api.payment_record
    started = threading.Event()

    def slow_record(**kwargs: Any) -> Any:
        started.set()
        time.sleep(0.5)  # hold the claim while the other request arrives
        return real(**kwargs)

    monkeypatch.setattr(payments_api, "payment_record", slow_record)
    replies: list[Any] = [None, None]
    gate = threading.Barrier(2)

    def send(i: int) -> None:
        try:
            gate.wait()
            if i == 1:
                started.wait(5)
            replies[i] = ApiClient(tokens["finance"]).post("payments", body, headers=KEY)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(r is not None for r in replies)
    assert [r.status for r in replies] == [201, 201], [r.body for r in replies]
    assert replies[0].body == replies[1].body
    assert replies[1].headers.get("Idempotent-Replayed") == "true"
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.allocated_total == 40


def _big_csv() -> str:
    """Two invoice rows and 3 MB of blank padding (skipped by the reader): over Django's 2.5 MB in-memory limit."""
    from invoice_portal.imports.tests.helpers import csv_text, invoice_row

    text = csv_text([invoice_row(external_id="BIG-A", unit_price="10"), invoice_row(external_id="BIG-B", unit_price="20")])
    return text + (" " * 99 + "\n") * 32_000


def test_an_import_over_the_in_memory_limit_with_a_key_is_imported_once(as_: Any, personas: Personas) -> None:
    body = _big_csv().encode()
    first = as_("finance").post("imports?kind=invoices", raw=body, headers=KEY | {"Content-Type": "text/csv"})
    again = as_("finance").post("imports?kind=invoices", raw=body, headers=KEY | {"Content-Type": "text/csv"})

    assert first.status == 200, first.body["errors"]
    assert first.body["summary"]["created"] == 2
    assert again.status == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Invoice.objects.filter(source="erp").count() == 2


def test_a_multipart_import_over_the_in_memory_limit_with_a_key_is_imported(personas: Personas) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from invoice_portal.api.services import api_token_create

    token = api_token_create(actor=None, user=personas.finance, name="t")[1]
    upload = SimpleUploadedFile("erp.csv", _big_csv().encode(), content_type="text/csv")
    reply = Client().post("/api/v1/imports", {"file": upload, "kind": "invoices"}, headers=KEY | {"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.content
    assert Invoice.objects.filter(source="erp").count() == 2


@pytest.mark.parametrize("key", [KEY, {}])
def test_a_body_over_the_endpoint_limit_is_413_and_changes_nothing(as_: Any, personas: Personas, key: dict[str, str]) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    body = _payment_body(personas, invoice) | {"reference": "x" * (3 * 1024 * 1024)}

    reply = as_("finance").post("payments", body, headers=key)

    problem_of(reply, 413, "payload_too_large")
    assert not Payment.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_deeply_nested_json_with_a_key_is_refused_as_malformed(as_: Any, personas: Personas) -> None:
    deep = b'{"company": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    for path in ("payments", "invoices", "companies", "orders", "imports?kind=invoices"):
        reply = as_("finance").post(path, raw=deep, headers=KEY | {"Idempotency-Key": f"deep-{path}"})
        assert 400 <= reply.status < 500, (path, reply.status, reply.body)
    assert not IdempotencyKey.objects.filter(response_status__gte=500).exists()
