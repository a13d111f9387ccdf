from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from invoice_portal.testing import make_user

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_as_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}


def test_login_page_renders_with_labelled_fields(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Email</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_home_requires_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_user_logs_in_with_email_in_any_case_and_sees_their_role(client: Client) -> None:
    make_user(email="finance@demo.test", role="finance", password="correct-horse-1")
    response = client.post("/login/", {"username": "Finance@Demo.test", "password": "correct-horse-1"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/seller/"
    assert "_auth_user_id" in client.session


def test_wrong_password_is_refused_with_a_message(client: Client) -> None:
    make_user(email="finance@demo.test", role="finance", password="correct-horse-1")
    response = client.post("/login/", {"username": "finance@demo.test", "password": "wrong"})
    assert response.status_code == 200
    assert "correct email and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_demo_password_is_refused_when_demo_passwords_are_not_allowed(client: Client) -> None:
    make_user(email="admin@demo.test", role="admin", password="portal-demo-1")
    with override_settings(ALLOW_DEMO_PASSWORD=False):
        client.post("/login/", {"username": "admin@demo.test", "password": "portal-demo-1"})
        assert "_auth_user_id" not in client.session
    client.post("/login/", {"username": "admin@demo.test", "password": "portal-demo-1"})
    assert "_auth_user_id" in client.session


def test_pages_carry_a_content_security_policy_without_remote_sources(client: Client) -> None:
    response = client.get("/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "http" not in policy


def test_staff_user_can_browse_the_read_only_data_administration(client: Client) -> None:
    from invoice_portal.accounts.services import user_set_staff
    from invoice_portal.testing import make_company, make_invoice

    admin_user = make_user(email="admin@demo.test", role="admin")
    user_set_staff(actor=None, user=admin_user, staff=True)
    invoice = make_invoice(company=make_company())
    client.force_login(admin_user)
    assert client.get("/admin/invoices/invoice/").status_code == 200
    page = client.get(f"/admin/invoices/invoice/{invoice.pk}/change/")
    assert page.status_code == 200
    assert "Save" not in page.content.decode()


def test_company_users_cannot_be_made_staff() -> None:
    from invoice_portal.accounts.services import user_set_staff
    from invoice_portal.core.errors import ValidationFailed
    from invoice_portal.testing import make_company

    buyer = make_user(role="buyer", company=make_company())
    with pytest.raises(ValidationFailed):
        user_set_staff(actor=None, user=buyer, staff=True)


def test_home_sends_customers_to_the_portal_and_staff_to_the_seller_app(client: Client) -> None:
    from invoice_portal.testing import make_company

    client.force_login(make_user(role="buyer", company=make_company()))
    assert client.get("/")["Location"] == "/portal/invoices/"
    client.force_login(make_user(role="sales"))
    assert client.get("/")["Location"] == "/seller/"


def test_a_supplier_user_lands_on_the_supplier_portal(client: Client) -> None:
    from invoice_portal.testing import make_company

    client.force_login(make_user(role="supplier_user", company=make_company(is_customer=False, is_supplier=True)))
    assert client.get("/")["Location"] == "/supplier/"


def test_an_ap_clerk_lands_on_the_ap_inbox(client: Client) -> None:
    client.force_login(make_user(role="ap_clerk"))
    assert client.get("/")["Location"] == "/ap/"


def test_the_favicon_is_served_by_the_app_and_linked_from_every_page(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    assert 'rel="icon" href="/favicon.ico"' in client.get("/login/").content.decode()


def test_an_unknown_address_answers_our_own_404_page(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Invoice Portal" in html


def test_a_server_error_answers_our_own_500_page_without_a_traceback(rf) -> None:
    from django.views.defaults import server_error

    response = server_error(rf.get("/seller/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html


def test_a_form_post_over_the_upload_limit_is_413_in_words_and_changes_nothing(client: Client) -> None:
    from django.conf import settings

    from invoice_portal.accounts.models import User

    users = User.objects.count()
    response = client.post("/login/", {"username": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), "password": "y"})
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert User.objects.count() == users


def test_other_bad_requests_stay_400(rf) -> None:
    from django.core.exceptions import SuspiciousOperation

    from invoice_portal.core.views import bad_request

    assert bad_request(rf.get("/"), SuspiciousOperation("odd")).status_code == 400
