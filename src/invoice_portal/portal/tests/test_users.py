"""The company admin's users page: invite, deactivate and set roles of the own company's users, nobody else's."""

from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.accounts.models import Role, User
from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from invoice_portal.portal.services import company_user_invite, company_user_set_active, company_user_set_role
from invoice_portal.portal.tests.conftest import Books

pytestmark = pytest.mark.django_db

PASSWORD = "a-fine-new-password-42"


def _code(user: User) -> str:
    assert user.role is not None
    return user.role.code


def _role(code: str) -> Role:
    return Role.objects.get(code=code)


def test_the_page_lists_the_companys_users_and_nobody_elses(books: Books, login: Any) -> None:
    html = login(books.p.carol).get("/portal/users/").content.decode()
    for email in ("alice@acme.test", "bob@acme.test", "carol@acme.test"):
        assert email in html
    for email in ("walt@acmewest.test", "charlie@globex.test", "finance@demo.test"):
        assert email not in html


def test_carol_invites_a_buyer(books: Books, login: Any) -> None:
    response = login(books.p.carol).post(
        "/portal/users/", {"email": "Dana@ACME.test", "full_name": "Dana", "role": _role("buyer").pk, "password": PASSWORD}
    )
    assert response.status_code == 303
    dana = User.objects.get(email="dana@acme.test")
    assert (dana.company, _code(dana), dana.is_active) == (books.p.acme, "buyer", True)
    assert dana.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="user.create", object_id=str(dana.pk), actor=books.p.carol).exists()


def test_only_company_roles_can_be_given(books: Books, login: Any) -> None:
    client = login(books.p.carol)
    for code in ("admin", "finance", "supplier_user"):
        response = client.post("/portal/users/", {"email": f"x-{code}@acme.test", "role": _role(code).pk, "password": PASSWORD})
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationFailed, match="company admin, accounts payable or buyer"):
        company_user_invite(actor=books.p.carol, email="y@acme.test", role=_role("finance"), password=PASSWORD)
    assert not User.objects.filter(email__in=["x-admin@acme.test", "y@acme.test"]).exists()


def test_an_invite_with_a_taken_email_or_a_weak_password_is_refused(books: Books, login: Any) -> None:
    client = login(books.p.carol)
    taken = client.post("/portal/users/", {"email": "charlie@globex.test", "role": _role("buyer").pk, "password": PASSWORD})
    assert "exists already" in taken.content.decode()
    weak = client.post("/portal/users/", {"email": "new@acme.test", "role": _role("buyer").pk, "password": "password123"})
    assert "too common" in weak.content.decode()
    assert not User.objects.filter(email="new@acme.test").exists()


def test_carol_deactivates_and_reactivates_alice(books: Books, login: Any) -> None:
    client = login(books.p.carol)
    assert client.post(f"/portal/users/{books.p.alice.pk}/active", {"active": "0"}).status_code == 303
    books.p.alice.refresh_from_db()
    assert not books.p.alice.is_active
    assert login(books.p.alice).get("/portal/invoices/").status_code == 302  # signed out: back to the login
    client = login(books.p.carol)
    client.post(f"/portal/users/{books.p.alice.pk}/active", {"active": "1"})
    books.p.alice.refresh_from_db()
    assert books.p.alice.is_active


def test_carol_makes_bob_a_company_admin(books: Books, login: Any) -> None:
    response = login(books.p.carol).post(f"/portal/users/{books.p.bob.pk}/role", {f"user{books.p.bob.pk}-role": _role("company_admin").pk})
    assert response.status_code == 303
    books.p.bob.refresh_from_db()
    assert _code(books.p.bob) == "company_admin"


def test_users_of_other_companies_are_404(books: Books, login: Any) -> None:
    client = login(books.p.carol)
    for other in (books.p.walt, books.p.charlie, books.p.finance):
        assert client.post(f"/portal/users/{other.pk}/active", {"active": "0"}).status_code == 404
        assert client.post(f"/portal/users/{other.pk}/role", {f"user{other.pk}-role": _role("buyer").pk}).status_code == 404
        other.refresh_from_db()
        assert other.is_active
    with pytest.raises(NotFound):
        company_user_set_role(actor=books.p.carol, user=books.p.walt, role=_role("company_admin"))


def test_bob_and_alice_may_not_manage_users(books: Books, login: Any) -> None:
    for name in ("bob", "alice"):
        client = login(getattr(books.p, name))
        assert client.post(f"/portal/users/{books.p.carol.pk}/active", {"active": "0"}).status_code == 403
        assert client.post("/portal/users/", {"email": "z@acme.test", "role": _role("buyer").pk, "password": PASSWORD}).status_code == 403
        with pytest.raises(PermissionDenied):
            company_user_set_active(actor=getattr(books.p, name), user=books.p.carol, active=False)
    books.p.carol.refresh_from_db()
    assert books.p.carol.is_active


def test_the_last_company_admin_stays(books: Books, login: Any) -> None:
    with pytest.raises(Conflict):
        company_user_set_active(actor=books.p.carol, user=books.p.carol, active=False)
    with pytest.raises(Conflict, match="last active company admin"):
        company_user_set_role(actor=books.p.carol, user=books.p.carol, role=_role("buyer"))
    company_user_set_role(actor=books.p.carol, user=books.p.bob, role=_role("company_admin"))
    company_user_set_role(actor=books.p.carol, user=books.p.carol, role=_role("accounts_payable"))
    books.p.carol.refresh_from_db()
    assert _code(books.p.carol) == "accounts_payable"


def test_an_invite_without_a_password_emails_a_link_the_new_user_signs_up_with(
    books: Books, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import re

    from django.core import mail
    from django.test import Client

    client = login(books.p.carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/users/", {"email": "erin@acme.test", "full_name": "Erin", "role": _role("buyer").pk}, follow=True)
    assert "Invitation emailed to erin@acme.test" in response.content.decode()
    erin = User.objects.get(email="erin@acme.test")
    assert not erin.has_usable_password()
    assert "Not signed in yet" in client.get("/portal/users/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # resent on request while she has not signed in
        client.post(f"/portal/users/{erin.pk}/invite")
    assert [m.to for m in mail.outbox] == [["erin@acme.test"], ["erin@acme.test"]]
    link = re.search(r"https?://[^/\s]+(/password/reset/\S+/)", str(mail.outbox[-1].body))
    assert link is not None
    newcomer = Client()
    form_page = newcomer.get(link.group(1), follow=True)
    newcomer.post(form_page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert newcomer.login(username="erin@acme.test", password=PASSWORD)
    assert newcomer.get("/portal/invoices/").status_code == 200
    refused = client.post(f"/portal/users/{erin.pk}/invite", follow=True).content.decode()
    assert "has signed in already" in refused
    assert len(mail.outbox) == 2


def test_an_admin_cannot_reinvite_another_companys_user(books: Books, login: Any) -> None:
    assert login(books.p.carol).post(f"/portal/users/{books.p.charlie.pk}/invite").status_code == 404
    assert login(books.p.alice).post(f"/portal/users/{books.p.bob.pk}/invite").status_code == 403
