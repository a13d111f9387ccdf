"""Factories and personas shared by the test suite (keyword defaults, no fixture files).

Personas: seller Admin, Finance, Sales; Alice (buyer at ACME), Bob (accounts payable at
ACME), Carol (company admin at ACME), Walt (buyer at ACME West, ACME's subsidiary) and
Charlie (buyer at Globex). Portal tests assert Charlie sees nothing of ACME's.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from invoice_portal.accounts.models import Role, User
from invoice_portal.audit.models import AuditEvent, DocumentSeal
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.core.models import NumberSequence
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.invoices.services import invoice_create, invoice_issue
from invoice_portal.orders.models import Order
from invoice_portal.orders.services import order_upsert
from invoice_portal.payments.models import Allocation, Payment, Refund
from invoice_portal.payments.services import payment_record

_seq = itertools.count(1)


def make_company(
    *, name: str | None = None, currency: str = "USD", parent: Company | None = None, terms: int = 30, **extra: Any
) -> Company:
    n = next(_seq)
    return Company.objects.create(
        name=name or f"Company {n}", external_id=extra.pop("external_id", f"C-{n:05d}"), currency=currency, parent=parent,
        payment_terms_days=terms, **extra,
    )  # fmt: skip


def make_user(*, email: str | None = None, role: str = "finance", company: Company | None = None, password: str = "pw-test-12345") -> User:
    return User.objects.create_user(email or f"user{next(_seq)}@example.test", password, role=Role.objects.get(code=role), company=company)


def line(
    *, description: str = "Widget", quantity: str = "1", unit_price: str = "100.00", tax_rate: str = "0", kind: str = "item", **extra: Any
) -> dict[str, Any]:
    return {"description": description, "quantity": quantity, "unit_price": unit_price, "tax_rate": tax_rate, "kind": kind, **extra}


def make_invoice(
    *,
    company: Company,
    status: str = "open",
    lines: int | list[dict[str, Any]] = 1,
    amount: str = "100.00",
    actor: User | None = None,
    issue_date: dt.date | None = None,
    order: Order | None = None,
    **extra: Any,
) -> Invoice:
    """An invoice in the named status (draft, open, partially_paid, paid, canceled) reached through the services."""
    from invoice_portal.invoices.services import invoice_cancel

    specs = lines if isinstance(lines, list) else [line(description=f"Item {i + 1}", unit_price=amount) for i in range(lines)]
    invoice = invoice_create(actor=actor, company=company, lines=specs, order=order, **extra)
    if status == "draft":
        return invoice
    invoice = invoice_issue(actor=actor, invoice=invoice, issue_date=issue_date)
    if status == "partially_paid":
        pay(company=company, invoices=[(invoice, (invoice.total / 2).quantize(Decimal("0.01")))], currency=invoice.currency)
    elif status == "paid":
        pay(company=company, invoices=[(invoice, invoice.total)], currency=invoice.currency)
    elif status == "canceled":
        invoice_cancel(actor=actor, invoice=invoice)
    invoice.refresh_from_db()
    return invoice


def pay(
    *,
    company: Company,
    invoices: list[tuple[Invoice, Any]],
    amount: Any = None,
    currency: str = "USD",
    method: str = "check",
    reference: str = "",
) -> Payment:
    total = amount if amount is not None else sum((Decimal(str(a)) for _, a in invoices), Decimal(0))
    return payment_record(
        actor=None, company=company, amount=str(total), currency=currency, method=method, reference=reference,
        allocations=[(inv, str(a)) for inv, a in invoices],
    )  # fmt: skip


def make_order(
    *, company: Company, source: str = "bigcommerce", external_id: str | None = None, placed_by: User | None = None, lines: int = 2
) -> Order:
    order, _ = order_upsert(
        actor=None, source=source, external_id=external_id or f"O-{next(_seq)}", company=company, placed_by=placed_by,
        lines=[{"sku": f"SKU-{i}", "description": f"Product {i}", "quantity": "2", "unit_price": "25.00"} for i in range(1, lines + 1)],
        order_date=dt.date(2026, 11, 1),
    )  # fmt: skip
    return order


@dataclass
class Personas:
    admin: User
    finance: User
    sales: User
    acme: Company
    acme_west: Company
    globex: Company
    alice: User
    bob: User
    carol: User
    walt: User
    charlie: User


def make_einvoice_ready(p: Personas) -> None:
    """Seller settings and customers with what a Peppol e-invoice needs (participant ids, countries, a tax id):
    documents issued afterwards can be exported (``documents.einvoice.checks``)."""
    from invoice_portal.core.models import PortalSettings

    # Written directly: a test's own settings changes are the only ones its audit trail shows.
    PortalSettings.objects.update_or_create(
        pk=1,
        defaults={
            "seller_country": "US",
            "seller_tax_id": "US 94-3127765",
            "seller_peppol_scheme": "0088",
            "seller_peppol_id": "0614141000012",
        },
    )
    for company, scheme, identifier, country in (
        (p.acme, "0088", "0614141000029", "US"), (p.acme_west, "0088", "0614141000036", "US"), (p.globex, "9930", "DE811907634", "DE"),
    ):  # fmt: skip
        Company.objects.filter(pk=company.pk).update(peppol_scheme=scheme, peppol_id=identifier, country=country)
        company.refresh_from_db()


def make_personas() -> Personas:
    acme = make_company(name="ACME Corp", external_id="ACME")
    acme_west = make_company(name="ACME West", external_id="ACME-W", parent=acme)
    globex = make_company(name="Globex", external_id="GLOBEX")
    return Personas(
        admin=make_user(email="admin@demo.test", role="admin"),
        finance=make_user(email="finance@demo.test", role="finance"),
        sales=make_user(email="sales@demo.test", role="sales"),
        acme=acme, acme_west=acme_west, globex=globex,
        alice=make_user(email="alice@acme.test", role="buyer", company=acme),
        bob=make_user(email="bob@acme.test", role="accounts_payable", company=acme),
        carol=make_user(email="carol@acme.test", role="company_admin", company=acme),
        walt=make_user(email="walt@acmewest.test", role="buyer", company=acme_west),
        charlie=make_user(email="charlie@globex.test", role="buyer", company=globex),
    )  # fmt: skip


def database_state() -> dict[str, Any]:
    """Every row of the tables a money transition writes, so "nothing was written" can be asserted exactly."""
    state: dict[str, Any] = {
        model.__name__: model.objects.count()
        for model in (Invoice, InvoiceLine, Payment, Allocation, Refund, AuditEvent, DocumentSeal, NumberSequence)
    }
    state["invoices"] = list(Invoice.objects.order_by("pk").values())
    state["lines"] = list(InvoiceLine.objects.order_by("pk").values())
    state["payments"] = list(Payment.objects.order_by("pk").values())
    state["allocations"] = list(Allocation.objects.order_by("pk").values())
    state["sequences"] = list(NumberSequence.objects.order_by("pk").values())
    return state


@contextmanager
def refused(error: type[DomainError], match: str) -> Iterator[None]:
    """The block raises ``error`` (a typed domain error with a message matching ``match``) and writes nothing."""
    import pytest

    before = database_state()
    with pytest.raises(error, match=match) as raised:
        yield
    assert raised.value.message
    assert raised.value.code
    assert database_state() == before


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; each result is a value or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def work(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def allow_many_invoices_per_order() -> None:
    """For tests that put several invoices on one order: the default setting allows one (``invoices.per_order``)."""
    from invoice_portal.core.models import InvoicesPerOrder, PortalSettings

    PortalSettings.objects.update_or_create(pk=1, defaults={"invoices_per_order": InvoicesPerOrder.MANY})
