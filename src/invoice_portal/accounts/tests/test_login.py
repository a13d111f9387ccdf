from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from invoice_portal.accounts.models import LoginFailure
from invoice_portal.accounts.throttle import MAX_FAILURES_PER_EMAIL
from invoice_portal.testing import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


def _login(client: Client, email: str, password: str) -> str:
    return client.post("/login/", {"username": email, "password": password}).content.decode()


def test_too_many_failures_lock_the_email_even_with_the_right_password(client: Client) -> None:
    make_user(email="finance@demo.test", role="finance", password=PASSWORD)
    for _ in range(MAX_FAILURES_PER_EMAIL):
        assert "correct email and password" in _login(client, "finance@demo.test", "wrong")
    page = _login(client, "finance@demo.test", PASSWORD)
    assert "Too many failed sign-ins" in page
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_clears_the_failures(client: Client) -> None:
    make_user(email="finance@demo.test", role="finance", password=PASSWORD)
    _login(client, "finance@demo.test", "wrong")
    assert LoginFailure.objects.filter(email="finance@demo.test").count() == 1
    client.post("/login/", {"username": "finance@demo.test", "password": PASSWORD})
    assert "_auth_user_id" in client.session
    assert not LoginFailure.objects.filter(email="finance@demo.test").exists()


def test_user_changes_their_password(client: Client) -> None:
    user = make_user(email="sales@demo.test", role="sales", password=PASSWORD)
    client.force_login(user)
    response = client.post(
        "/password/change/", {"old_password": PASSWORD, "new_password1": "a-new-secret-99", "new_password2": "a-new-secret-99"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-secret-99")


def test_wrong_old_password_is_a_form_error(client: Client) -> None:
    user = make_user(email="sales@demo.test", role="sales", password=PASSWORD)
    client.force_login(user)
    response = client.post("/password/change/", {"old_password": "nope", "new_password1": "x-new-12345", "new_password2": "x-new-12345"})
    assert response.status_code == 200
    assert "incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_by_email_end_to_end(client: Client) -> None:
    user = make_user(email="bob@acme.test", role="finance", password=PASSWORD)
    client.post("/password/reset/", {"email": "bob@acme.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password/reset/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    client.post(form_page.redirect_chain[-1][0], {"new_password1": "reset-secret-77", "new_password2": "reset-secret-77"})
    user.refresh_from_db()
    assert user.check_password("reset-secret-77")


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client: Client) -> None:
    response = client.post("/password/reset/", {"email": "ghost@nowhere.test"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []
