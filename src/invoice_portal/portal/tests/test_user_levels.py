"""A user's own permission level: set by the company admin, it moves every buyer permission the role grants
to that level, in pages, downloads, exports and the API alike; never beyond the company tree, never beyond
what the admin sees, never for another company's user."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from invoice_portal.accounts.models import Role, User
from invoice_portal.accounts.permissions import Level
from invoice_portal.accounts.selectors import user_has_perm, user_perm_level
from invoice_portal.accounts.services import role_set_permission
from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient
from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import NotFound, PermissionDenied, ValidationFailed
from invoice_portal.portal.services import LevelBeyondOwn, company_user_invite, company_user_set_level, company_user_set_role
from invoice_portal.portal.tests.conftest import Books, ids
from invoice_portal.testing import make_user

pytestmark = pytest.mark.django_db


def _set_level(client: Client, user: User, level: str) -> Any:
    return client.post(f"/portal/users/{user.pk}/level", {f"user{user.pk}-level": level})


def _level(user: User) -> str | None:
    user.refresh_from_db()
    return user.permission_level


def _seen(client: Client) -> set[int]:
    return ids(client.get("/portal/invoices/?sort=number"))


def _export_numbers(response: Any) -> set[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["Number"] for row in csv.DictReader(io.StringIO(text))}


# --- What a level opens ----------------------------------------------------------------------------


def test_alice_at_company_level_sees_acme_invoices_beyond_her_orders_until_set_back(books: Books, login: Any) -> None:
    b = books
    assert _set_level(login(b.p.carol), b.p.alice, "company").status_code == 303
    assert _level(b.p.alice) == "company"

    alice = login(b.p.alice)
    assert _seen(alice) == {b.alice_web.pk, b.alice_second.pk, b.bob_web.pk, b.acme_erp.pk, b.acme_paid.pk, b.acme_credit.pk}
    for url in (f"/portal/invoices/{b.bob_web.pk}/", f"/portal/invoices/{b.acme_erp.pk}/", f"/portal/invoices/{b.acme_erp.pk}/pdf",
                f"/portal/invoices/{b.acme_erp.pk}/ubl", f"/portal/invoices/{b.acme_erp.pk}/cii"):  # fmt: skip
        assert alice.get(url).status_code == 200, url
    assert b.acme_erp.number in _export_numbers(alice.get("/portal/invoices/export.csv"))
    for url in (f"/portal/invoices/{b.west.pk}/", f"/portal/invoices/{b.globex.pk}/", f"/portal/invoices/{b.globex.pk}/pdf",
                f"/portal/invoices/{b.globex.pk}/ubl", f"/portal/invoices/{b.globex.pk}/cii"):  # fmt: skip
        assert alice.get(url).status_code == 404, url

    assert _set_level(login(b.p.carol), b.p.alice, "").status_code == 303
    assert _level(b.p.alice) is None
    alice = login(b.p.alice)
    assert alice.get(f"/portal/invoices/{b.bob_web.pk}/").status_code == 404
    assert alice.get(f"/portal/invoices/{b.acme_erp.pk}/pdf").status_code == 404
    assert alice.get(f"/portal/invoices/{b.acme_erp.pk}/ubl").status_code == 404
    assert alice.get(f"/portal/invoices/{b.acme_erp.pk}/cii").status_code == 404
    assert _seen(alice) == {b.alice_web.pk, b.alice_second.pk}
    changes = AuditEvent.objects.filter(action="user.set_level", object_id=str(b.p.alice.pk), actor=b.p.carol).order_by("pk")
    assert [(e.before, e.after) for e in changes] == [
        ({"permission_level": None}, {"permission_level": "company"}),
        ({"permission_level": "company"}, {"permission_level": None}),
    ]


def test_the_tree_level_opens_the_subsidiaries_and_never_another_company(books: Books, login: Any) -> None:
    b = books
    carol = login(b.p.carol)
    assert _set_level(carol, b.p.bob, "tree").status_code == 303
    assert _set_level(carol, b.p.alice, "tree").status_code == 303
    bob = login(b.p.bob)
    assert {b.west.pk, b.west_erp.pk, b.acme_erp.pk} <= _seen(bob)
    assert bob.get(f"/portal/invoices/{b.west_erp.pk}/pdf").status_code == 200
    assert bob.get(f"/portal/invoices/{b.west_erp.pk}/ubl").status_code == 200
    for name in ("alice", "bob"):
        client = login(getattr(b.p, name))
        assert b.globex.pk not in _seen(client), name
        assert client.get(f"/portal/invoices/{b.globex.pk}/").status_code == 404, name

    # The tree grows downwards only: a subsidiary's user at tree level still does not see the parent.
    company_user_set_level(
        actor=make_user(email="wendy@acmewest.test", role="company_admin", company=b.p.acme_west), user=b.p.walt, level="tree"
    )
    walt = login(b.p.walt)
    assert _seen(walt) == {b.west.pk, b.west_erp.pk}
    assert walt.get(f"/portal/invoices/{b.acme_erp.pk}/").status_code == 404

    company_user_set_level(
        actor=make_user(email="gina@globex.test", role="company_admin", company=b.p.globex), user=b.p.charlie, level="tree"
    )
    charlie = login(b.p.charlie)
    assert _seen(charlie) == {b.globex.pk}
    for invoice in (b.alice_web, b.acme_erp, b.west):
        assert charlie.get(f"/portal/invoices/{invoice.pk}/").status_code == 404


def test_a_level_never_adds_a_permission_the_role_does_not_grant(books: Books, login: Any) -> None:
    role_set_permission(actor=books.p.admin, role=Role.objects.get(code="buyer"), permission="portal.pdf", enabled=False)
    company_user_set_level(actor=books.p.carol, user=books.p.alice, level="tree")
    alice = User.objects.get(pk=books.p.alice.pk)
    assert user_perm_level(alice, "portal.view") is Level.TREE
    assert not user_has_perm(alice, "portal.pdf")
    assert not user_has_perm(alice, "portal.users")
    assert login(alice).get(f"/portal/invoices/{books.acme_erp.pk}/pdf").status_code == 403
    assert login(alice).get(f"/portal/invoices/{books.acme_erp.pk}/ubl").status_code == 403


def test_managing_users_keeps_the_roles_level(books: Books, login: Any) -> None:
    carol = company_user_set_level(actor=books.p.carol, user=books.p.carol, level="own")
    assert user_perm_level(carol, "portal.view") is Level.OWN
    assert user_perm_level(carol, "portal.users") is Level.COMPANY
    assert login(carol).get("/portal/users/").status_code == 200


def test_an_admin_changing_their_own_level_is_held_to_it_within_the_same_request(books: Books) -> None:
    carol = books.p.carol
    assert user_perm_level(carol, "portal.view") is Level.TREE  # the grants are now read and kept on this object
    company_user_set_level(actor=carol, user=carol.pk, level="company")
    assert user_perm_level(carol, "portal.view") is Level.COMPANY
    with pytest.raises(LevelBeyondOwn):
        company_user_set_level(actor=carol, user=books.p.bob, level="tree")


def test_the_api_follows_the_level(books: Books) -> None:
    api = ApiClient(api_token_create(actor=None, user=books.p.alice, name="tests")[1])
    assert api.get(f"invoices/{books.bob_web.pk}").status == 404
    company_user_set_level(actor=books.p.carol, user=books.p.alice, level="company")
    assert api.get(f"invoices/{books.bob_web.pk}").status == 200
    listed = {i["id"] for i in api.get("invoices?limit=200").body["items"]}
    assert {books.bob_web.pk, books.acme_erp.pk} <= listed
    assert not {books.west.pk, books.globex.pk} & listed
    company_user_set_level(actor=books.p.carol, user=books.p.alice, level=None)
    assert api.get(f"invoices/{books.bob_web.pk}").status == 404


# --- Who may set it --------------------------------------------------------------------------------


def test_the_page_shows_each_users_level_and_the_role_default(books: Books, login: Any) -> None:
    company_user_set_level(actor=books.p.carol, user=books.p.bob, level="own")
    html = login(books.p.carol).get("/portal/users/").content.decode()
    assert "Role default (own orders)" in html  # Alice, a buyer
    assert "Role default (company and subsidiaries)" in html  # Carol, the company admin
    assert '<option value="own" selected>Own orders</option>' in html  # Bob, set
    assert f'action="/portal/users/{books.p.bob.pk}/level"' in html


def test_an_admin_cannot_set_the_level_of_another_companys_user(books: Books, login: Any) -> None:
    client = login(books.p.carol)
    for other in (books.p.walt, books.p.charlie, books.p.finance):
        assert _set_level(client, other, "company").status_code == 404
        assert _level(other) is None
    with pytest.raises(NotFound):
        company_user_set_level(actor=books.p.carol, user=books.p.walt, level="own")
    assert _level(books.p.walt) is None
    assert not AuditEvent.objects.filter(action="user.set_level").exists()


def test_a_user_who_is_not_a_company_admin_gets_403(books: Books, login: Any) -> None:
    for name in ("alice", "bob", "charlie"):
        assert _set_level(login(getattr(books.p, name)), books.p.alice, "tree").status_code == 403, name
        with pytest.raises(PermissionDenied):
            company_user_set_level(actor=getattr(books.p, name), user=books.p.alice, level="tree")
    assert _level(books.p.alice) is None
    assert not AuditEvent.objects.filter(action="user.set_level").exists()


@pytest.mark.parametrize("value", ["everything", "TREE", "company "])
def test_a_level_that_is_not_one_of_the_levels_is_refused(books: Books, login: Any, value: str) -> None:
    response = _set_level(login(books.p.carol), books.p.alice, value)
    assert response.status_code == 400
    assert "Choose own orders, company, company and subsidiaries, or the role default." in response.content.decode()
    with pytest.raises(ValidationFailed, match="level: choose own orders, company, or company and subsidiaries") as refused:
        company_user_set_level(actor=books.p.carol, user=books.p.alice, level=value)
    assert refused.value.field == "level"
    assert _level(books.p.alice) is None
    assert not AuditEvent.objects.filter(action="user.set_level").exists()


def test_an_admin_limited_to_the_company_cannot_open_the_subsidiaries(books: Books, login: Any) -> None:
    b = books
    company_user_set_role(actor=b.p.carol, user=b.p.bob, role=Role.objects.get(code="company_admin"))
    company_user_set_level(actor=b.p.carol, user=b.p.bob, level="company")
    bob = User.objects.get(pk=b.p.bob.pk)

    with pytest.raises(LevelBeyondOwn, match="your own level is company") as refused:
        company_user_set_level(actor=bob, user=b.p.alice, level="tree")
    assert (refused.value.status, refused.value.field) == (403, "level")
    with pytest.raises(LevelBeyondOwn, match="the role default"):  # his role's default would be the tree again
        company_user_set_level(actor=bob, user=bob, level=None)
    with pytest.raises(LevelBeyondOwn, match="the role Company admin"):  # Alice would get the company admin's tree
        company_user_set_role(actor=bob, user=b.p.alice, role=Role.objects.get(code="company_admin"))

    response = _set_level(login(bob), b.p.alice, "tree")
    assert response.status_code == 403
    assert "you can give at most your own" in response.content.decode()
    assert (_level(b.p.alice), _level(bob)) == (None, "company")
    b.p.alice.refresh_from_db()
    assert b.p.alice.role is not None
    assert b.p.alice.role.code == "buyer"

    assert _set_level(login(bob), b.p.alice, "company").status_code == 303
    assert _level(b.p.alice) == "company"


def test_an_admin_kept_to_the_company_cannot_invite_a_company_admin_who_would_see_more(books: Books) -> None:
    carol = books.p.carol
    company_user_set_level(actor=carol, user=carol.pk, level="company")
    with pytest.raises(LevelBeyondOwn, match="at most your own"):
        company_user_invite(actor=carol, email="wide@acme.test", role=Role.objects.get(code="company_admin"))
    assert not User.objects.filter(email="wide@acme.test").exists()
    assert company_user_invite(actor=carol, email="ap2@acme.test", role=Role.objects.get(code="accounts_payable")).pk
