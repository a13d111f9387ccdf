"""Issuing under real concurrency (PostgreSQL): the counter and the seal-chain head taken last stay correct.

16 threads issue 16 drafts released together: every number of the kind and year is used once with no
gap, each issue appended exactly one seal, and ``check-books`` walks the chain (seal ids in chain
order, every link hashed from the one before) without a violation. A failed issue takes nothing.
"""

from __future__ import annotations

from functools import partial

import pytest
from django.db import connection, transaction
from django.utils import timezone

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.audit.models import ChainHead, DocumentSeal
from invoice_portal.audit.services import chain_hash
from invoice_portal.core.models import NumberSequence
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.invoices.services import invoice_issue
from invoice_portal.testing import at_once, make_invoice, make_personas

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def test_sixteen_issuers_at_once_get_gapless_numbers_and_one_verified_chain() -> None:
    roles_ensure_builtin()
    p = make_personas()
    make_invoice(company=p.acme)  # the counter and the chain head exist already, as in a running installation
    drafts = [make_invoice(company=p.acme if i % 2 else p.globex, status="draft", lines=3) for i in range(THREADS)]
    results = at_once([partial(invoice_issue, actor=p.finance, invoice=d) for d in drafts])
    assert all(isinstance(r, Invoice) for r in results), results
    issued = list(Invoice.objects.exclude(status=Status.DRAFT).order_by("number"))
    numbers = [str(inv.number) for inv in issued]
    year = timezone.localdate().year
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, THREADS + 2)), numbers  # gapless from 1, none twice
    assert NumberSequence.objects.get(key=f"invoice:{year}").last_value == THREADS + 1
    seals = list(DocumentSeal.objects.order_by("pk"))
    assert sorted(s.invoice_id for s in seals) == sorted(inv.pk for inv in issued)
    previous = "0" * 64
    for seal in seals:  # the links PostgreSQL computed are the ones the Python rule gives
        assert seal.prev_chain_hash == previous
        assert seal.chain_hash == chain_hash(previous, seal.content_hash, seal.invoice_id, seal.version)
        previous = seal.chain_hash
    head = ChainHead.objects.get(pk=1)
    assert (head.last_hash, head.length) == (previous, THREADS + 1)
    assert check_books() == []


def test_an_issue_that_fails_after_the_seal_leaves_no_number_and_no_link() -> None:
    roles_ensure_builtin()
    p = make_personas()
    make_invoice(company=p.acme)
    draft = make_invoice(company=p.acme, status="draft")
    head_before = ChainHead.objects.get(pk=1).last_hash

    def issue_then_fail() -> None:
        with transaction.atomic():
            invoice_issue(actor=p.finance, invoice=draft)
            raise RuntimeError("after the seal")

    with pytest.raises(RuntimeError, match="after the seal"):
        issue_then_fail()
    assert Invoice.objects.get(pk=draft.pk).status == Status.DRAFT
    assert ChainHead.objects.get(pk=1).last_hash == head_before
    assert DocumentSeal.objects.count() == 1
    issued = invoice_issue(actor=p.finance, invoice=draft)
    assert str(issued.number).endswith("2")  # the rolled-back issue burnt no number
    assert connection.vendor == "postgresql"
    assert check_books() == []
