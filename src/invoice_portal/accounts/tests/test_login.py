from __future__ import annotations

import re
from functools import partial
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from invoice_portal.accounts.models import LoginFailure, User
from invoice_portal.accounts.throttle import MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_EMAIL, client_address
from invoice_portal.testing import at_once, make_user

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


def test_twenty_failures_behind_a_trusted_proxy_lock_only_that_client_s_address(client: Client, settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    make_user(email="finance@demo.test", role="finance", password=PASSWORD)
    attacker: dict[str, Any] = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for i in range(MAX_FAILURES_PER_ADDRESS):
        client.post("/login/", {"username": f"guess{i}@demo.test", "password": "wrong"}, **attacker)
    assert (
        "Too many failed sign-ins" in client.post("/login/", {"username": "x@demo.test", "password": "wrong"}, **attacker).content.decode()
    )

    colleague = Client()
    colleague.post(
        "/login/", {"username": "finance@demo.test", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert "_auth_user_id" in colleague.session


def test_a_forwarded_for_header_from_an_untrusted_peer_is_ignored(rf, settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    direct = rf.post("/login/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(direct) == "198.51.100.7"
    spoofed_chain = rf.post("/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.0.0.6")
    assert client_address(spoofed_chain) == "203.0.113.9"
    garbled = rf.post("/login/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_address(garbled) == "10.0.0.5"
    settings.TRUSTED_PROXIES = []
    assert client_address(spoofed_chain) == "10.0.0.5"


def test_the_account_limit_holds_whatever_the_address(client: Client) -> None:
    make_user(email="finance@demo.test", role="finance", password=PASSWORD)
    for i in range(MAX_FAILURES_PER_EMAIL):
        client.post("/login/", {"username": "finance@demo.test", "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{i}")
    page = client.post("/login/", {"username": "finance@demo.test", "password": PASSWORD}, REMOTE_ADDR="198.51.100.99").content.decode()
    assert "Too many failed sign-ins" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_wrong_passwords_never_check_more_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    make_user(email="finance@demo.test", role="finance", password=PASSWORD)
    checked: list[str] = []
    original = User.check_password

    def counting(self: User, raw: str) -> bool:
        checked.append(raw)
        return original(self, raw)

    monkeypatch.setattr(User, "check_password", counting)

    def attempt(i: int) -> int:
        return (
            Client().post("/login/", {"username": "finance@demo.test", "password": f"wrong-{i}"}, REMOTE_ADDR=f"198.51.100.{i}").status_code
        )

    results = at_once([partial(attempt, i) for i in range(30)])

    assert all(r == 200 for r in results), results
    assert len(checked) <= MAX_FAILURES_PER_EMAIL
    assert LoginFailure.objects.filter(email="finance@demo.test").count() <= MAX_FAILURES_PER_EMAIL
