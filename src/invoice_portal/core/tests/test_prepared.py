"""``Prepared`` returns what the plain queryset returns, with the values of each call, in one statement."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from django.db import connection, models, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from invoice_portal.companies.models import Company
from invoice_portal.core.locks import lock_one, lock_rows
from invoice_portal.core.prepared import Prepared
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.testing import at_once, make_company, make_invoice

pytestmark = pytest.mark.django_db


def _values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


LINES = Prepared(lambda invoice: InvoiceLine.objects.filter(invoice_id=invoice).order_by("-line_no"), invoice=int)
WITH_COMPANY = Prepared(lambda pk: Invoice.objects.select_related("company").filter(pk=pk), pk=int)
BY_EXTERNAL_ID = Prepared(lambda code: Company.objects.filter(external_id=code), code=str)


def test_the_rows_of_each_call_as_the_plain_queryset_returns_them() -> None:
    company = make_company()
    first, second = make_invoice(company=company, lines=3), make_invoice(company=company, lines=2)
    for invoice in (first, second):
        plain = list(InvoiceLine.objects.filter(invoice_id=invoice.pk).order_by("-line_no"))
        prepared = LINES.all(invoice=invoice.pk)
        assert [_values(row) for row in prepared] == [_values(row) for row in plain]
        assert [row.line_no for row in prepared] == list(range(len(plain), 0, -1))
        assert all(type(row) is InvoiceLine and not row._state.adding and row._state.db == "default" for row in prepared)
    assert BY_EXTERNAL_ID.one(code=company.external_id).pk == company.pk
    assert BY_EXTERNAL_ID.first(code="no such company") is None


def test_related_rows_are_read_in_the_same_statement() -> None:
    invoice = make_invoice(company=make_company(name="Acme Tools"))
    with CaptureQueriesContext(connection) as queries:
        read = WITH_COMPANY.one(pk=invoice.pk)
        assert read.company.name == "Acme Tools"
    assert len(queries) == 1
    assert _values(read.company) == _values(Company.objects.get(pk=invoice.company_id))


def test_one_refuses_as_get_does() -> None:
    with pytest.raises(Invoice.DoesNotExist, match="Invoice matching query does not exist"):
        WITH_COMPANY.one(pk=987_654_321)
    assert WITH_COMPANY.all(pk=2**70) == []  # beyond any key column: nothing, as Django's own lookup reads


def test_prefetch_of_the_prepared_queryset_still_runs() -> None:
    invoice = make_invoice(company=make_company(), lines=2)
    prepared = Prepared(lambda pk: Invoice.objects.prefetch_related("lines").filter(pk=pk), pk=int)
    with CaptureQueriesContext(connection) as queries:
        read = prepared.one(pk=invoice.pk)
        assert sorted(line.line_no for line in read.lines.all()) == [1, 2]
    assert len(queries) == 2


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"invoice": "5"}, "invoice: int, not str"),
        ({"invoice": None}, "invoice: int, not NoneType"),
        ({"invoice": True}, "invoice: int, not bool"),
        ({}, "takes invoice, given"),
        ({"invoice": 1, "other": 2}, "takes invoice, given invoice, other"),
    ],
)
def test_values_of_another_type_or_name_are_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        LINES.all(**values)


def test_a_shape_whose_sql_does_not_carry_its_parameter_is_refused_on_first_use() -> None:
    shifted = Prepared(lambda pk: Invoice.objects.filter(pk=pk + 1), pk=int)  # the marker never reaches the SQL as given
    with pytest.raises(TypeError, match="carries it 0 times"):
        shifted.all(pk=1)
    twice = Prepared(lambda pk: Invoice.objects.filter(pk=pk, related_invoice_id=pk), pk=int)
    with pytest.raises(TypeError, match="carries it 2 times"):
        twice.all(pk=1)
    with pytest.raises(TypeError, match="int or str, not float"):
        Prepared(lambda amount: Invoice.objects.filter(total=amount), amount=float)


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a request in autocommit is
def test_a_locking_shape_needs_a_transaction_where_the_database_locks_rows() -> None:
    invoice = make_invoice(company=make_company())
    locking = Prepared(lambda pk: Invoice.objects.select_for_update().filter(pk=pk), pk=int)
    with transaction.atomic():
        assert locking.one(pk=invoice.pk).pk == invoice.pk
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            locking.one(pk=invoice.pk)
    else:
        assert locking.one(pk=invoice.pk).pk == invoice.pk


def test_lock_helpers_run_prepared_statements_with_the_same_results() -> None:
    company = make_company()
    invoices = [make_invoice(company=company) for _ in range(3)]
    keys = [invoice.pk for invoice in invoices]
    with transaction.atomic():
        one = lock_one(Invoice, keys[0], related=("company",))
        assert _values(one) == _values(Invoice.objects.get(pk=keys[0]))
        assert one.company.pk == company.pk
        rows = lock_rows(Invoice, [keys[2], keys[0], keys[2]])
        assert list(rows) == [keys[0], keys[2]]
        many = lock_rows(Invoice, [*keys, 987_654_321] * 3)  # more keys than the prepared shapes take: built as before
        assert list(many) == keys
        with CaptureQueriesContext(connection) as queries:
            lock_rows(Invoice, keys[1:])
        assert len(queries) == 1
        assert "FOR" in queries[0]["sql"] or not connection.features.has_select_for_update
        with pytest.raises(Invoice.DoesNotExist):
            lock_one(Invoice, 987_654_321)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_threads_run_one_prepared_shape_on_their_own_connections() -> None:
    company = make_company()
    invoices = [make_invoice(company=company) for _ in range(6)]

    def read(pk: int) -> int:
        with transaction.atomic():
            return lock_one(Invoice, pk, related=("company",)).pk

    results = at_once([functools.partial(read, invoice.pk) for invoice in invoices])
    assert results == [invoice.pk for invoice in invoices]


def test_value_rows_as_values_list_returns_them() -> None:
    invoice = make_invoice(company=make_company(), lines=2)
    prepared = Prepared(
        lambda pk: InvoiceLine.objects.filter(invoice_id=pk).order_by("line_no").values_list("line_no", "description"), pk=int
    )
    assert prepared.all(pk=invoice.pk) == list(
        InvoiceLine.objects.filter(invoice_id=invoice.pk).order_by("line_no").values_list("line_no", "description")
    )
    assert prepared.all(pk=invoice.pk) == [(1, "Item 1"), (2, "Item 2")]
