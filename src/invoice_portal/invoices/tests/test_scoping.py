"""The one scoping selector every buyer-facing read goes through."""

from __future__ import annotations

import pytest

from invoice_portal.accounts.models import Role
from invoice_portal.accounts.services import role_set_permission
from invoice_portal.invoices.selectors import invoices_visible_to
from invoice_portal.testing import Personas, make_invoice, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(personas: Personas) -> dict[str, object]:
    p = personas
    alice_order = make_order(company=p.acme, placed_by=p.alice)
    bob_order = make_order(company=p.acme, placed_by=p.bob)
    return {
        "alice": make_invoice(company=p.acme, order=alice_order),
        "acme_other": make_invoice(company=p.acme, order=bob_order),
        "acme_draft": make_invoice(company=p.acme, status="draft"),
        "west": make_invoice(company=p.acme_west),
        "walt": make_invoice(company=p.acme_west, order=make_order(company=p.acme_west, placed_by=p.walt)),
        "globex": make_invoice(company=p.globex),
    }


def _seen(user: object) -> set[int]:
    return set(invoices_visible_to(user).values_list("pk", flat=True))


def _ids(books: dict[str, object], *names: str) -> set[int]:
    return {books[n].pk for n in names}  # type: ignore[attr-defined]


def test_buyer_sees_only_invoices_of_orders_they_placed(personas: Personas, books: dict[str, object]) -> None:
    assert _seen(personas.alice) == _ids(books, "alice")


def test_accounts_payable_sees_the_whole_company_but_not_drafts_or_subsidiaries(personas: Personas, books: dict[str, object]) -> None:
    assert _seen(personas.bob) == _ids(books, "alice", "acme_other")


def test_company_admin_sees_the_company_and_its_subsidiaries(personas: Personas, books: dict[str, object]) -> None:
    assert _seen(personas.carol) == _ids(books, "alice", "acme_other", "west", "walt")


def test_subsidiary_buyer_does_not_see_the_parent(personas: Personas, books: dict[str, object]) -> None:
    assert _seen(personas.walt) == _ids(books, "walt")


def test_charlie_at_globex_sees_nothing_of_acme(personas: Personas, books: dict[str, object]) -> None:
    assert _seen(personas.charlie) == set()


def test_seller_staff_see_everything_including_drafts(personas: Personas, books: dict[str, object]) -> None:
    assert _seen(personas.finance) == _ids(books, "alice", "acme_other", "acme_draft", "west", "walt", "globex")


def test_revoking_the_permission_hides_everything(personas: Personas, books: dict[str, object]) -> None:
    role_set_permission(actor=personas.admin, role=Role.objects.get(code="accounts_payable"), permission="portal.view", enabled=False)
    personas.bob.refresh_from_db()
    bob = type(personas.bob).objects.get(pk=personas.bob.pk)
    assert _seen(bob) == set()


def test_anonymous_and_inactive_users_see_nothing(personas: Personas, books: dict[str, object]) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert _seen(AnonymousUser()) == set()
    personas.bob.is_active = False
    assert _seen(personas.bob) == set()
