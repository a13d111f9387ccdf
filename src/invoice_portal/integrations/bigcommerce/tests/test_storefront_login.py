"""One login with the storefront: the store's signed current-customer JWT opens the portal, nothing else does."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from django.test import Client

from invoice_portal.accounts.models import User
from invoice_portal.integrations.bigcommerce.fake import FakeStore
from invoice_portal.integrations.models import StoreConnection, StoreCustomerLink
from invoice_portal.testing import make_company, make_user

pytestmark = pytest.mark.django_db

SECRET = "portal-app-secret-0123456789-abcdef"


def token(connection: StoreConnection, *, customer_id: int = 7, email: str = "pat@acme.test", **override: Any) -> str:
    """A token shaped like the Current Customer API's, signed as the store signs it."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "customer": {"id": customer_id, "email": email, "group_id": "2"}, "iss": "bc/apps", "sub": connection.store_hash,
        "iat": now, "exp": now + 900, "version": 1, "aud": connection.app_client_id, "application_id": connection.app_client_id,
        "store_hash": connection.store_hash, "operation": "current_customer",
    }  # fmt: skip
    secret = override.pop("secret", SECRET)
    algorithm = override.pop("algorithm", "HS256")
    for key in override.pop("drop", []):
        claims.pop(key)
    claims.update(override)
    return jwt.encode(claims, secret, algorithm=algorithm)


@pytest.fixture
def acme(fake_store: FakeStore, personas: Any) -> Any:
    fake_store.add_company(42, "ACME Corp", 7, 8)
    personas.acme.external_id = "42"
    personas.acme.save()
    return personas.acme


def login(client: Client, connection: StoreConnection, jwt_token: str) -> Any:
    return client.post(f"/integrations/bigcommerce/{connection.pk}/login/", {"token": jwt_token})


def test_a_valid_token_creates_the_buyer_on_the_first_visit_and_opens_the_portal(
    client: Client, connection: StoreConnection, acme: Any
) -> None:
    response = login(client, connection, token(connection))
    assert response.status_code == 302
    user = User.objects.get(email="pat@acme.test")
    assert user.company == acme
    assert user.role is not None
    assert user.role.code == "buyer"
    assert not user.has_usable_password()
    assert client.get("/")["Location"] == "/portal/invoices/"
    assert client.get("/portal/invoices/").status_code == 200
    # The second visit finds the same user through the link, even after an email change in the store.
    client.logout()
    login(client, connection, token(connection, email="pat.new@acme.test"))
    assert StoreCustomerLink.objects.get().user == user
    assert User.objects.filter(company=acme, email__startswith="pat").count() == 1


def test_an_existing_user_of_the_same_company_is_linked_not_duplicated(
    client: Client, connection: StoreConnection, acme: Any, personas: Any
) -> None:
    assert login(client, connection, token(connection, customer_id=8, email="alice@acme.test")).status_code == 302
    assert StoreCustomerLink.objects.get(customer_id="8").user == personas.alice


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("expired", "expired"),
        ("wrong_audience", "another app"),
        ("wrong_issuer", "not issued by the store"),
        ("wrong_signature", "signature"),
        ("no_exp", "lacks the exp claim"),
        ("no_customer", "lacks the customer claim"),
        ("other_store", "another store"),
        ("alg_none", "not valid"),
        ("wrong_algorithm", "not valid"),
        ("garbage", "not valid"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason_and_nobody_is_logged_in(
    client: Client, connection: StoreConnection, acme: Any, case: str, expected: str
) -> None:
    now = int(time.time())
    tokens = {
        "expired": lambda: token(connection, iat=now - 2000, exp=now - 1000),
        "wrong_audience": lambda: token(connection, aud="another-app"),
        "wrong_issuer": lambda: token(connection, iss="someone-else"),
        "wrong_signature": lambda: token(connection, secret="not-the-app-secret-0123456789-abcdef"),
        "no_exp": lambda: token(connection, drop=["exp"]),
        "no_customer": lambda: token(connection, drop=["customer"]),
        "other_store": lambda: token(connection, store_hash="zzz999"),
        "alg_none": lambda: jwt.encode({"customer": {"id": 7, "email": "pat@acme.test"}}, "", algorithm="none"),
        "garbage": lambda: "not.a.jwt",
        "wrong_algorithm": lambda: token(connection, algorithm="HS512"),
    }
    response = login(client, connection, tokens[case]())
    assert response.status_code == 401
    assert expected in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="pat@acme.test").exists()


def test_a_customer_of_no_b2b_company_is_refused(client: Client, connection: StoreConnection, acme: Any) -> None:
    response = login(client, connection, token(connection, customer_id=99, email="retail@example.test"))
    assert response.status_code == 403
    assert "no B2B company" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_customer_of_a_company_not_set_up_here_is_refused(
    client: Client, connection: StoreConnection, fake_store: FakeStore, db: Any
) -> None:
    fake_store.add_company(77, "Initech", 12)
    response = login(client, connection, token(connection, customer_id=12, email="peter@initech.test"))
    assert response.status_code == 403
    assert "Initech" in response.content.decode()


def test_an_email_of_staff_or_another_company_is_never_taken_over(
    client: Client, connection: StoreConnection, acme: Any, personas: Any
) -> None:
    for email in ("admin@demo.test", "charlie@globex.test"):
        response = login(client, connection, token(connection, email=email))
        assert response.status_code == 403, email
        assert "_auth_user_id" not in client.session
    assert not StoreCustomerLink.objects.exists()


def test_a_get_is_not_a_login(client: Client, connection: StoreConnection, acme: Any) -> None:
    assert client.get(f"/integrations/bigcommerce/{connection.pk}/login/?token={token(connection)}").status_code == 405


def test_the_logged_in_buyer_sees_only_own_orders_invoices(client: Client, connection: StoreConnection, acme: Any, personas: Any) -> None:
    from invoice_portal.testing import make_invoice

    make_invoice(company=acme, status="open")  # an ACME invoice of an order Pat did not place
    make_invoice(company=personas.globex, status="open")
    login(client, connection, token(connection))
    page = client.get("/portal/invoices/").content.decode()
    assert "Globex" not in page
    assert "INV-" not in page  # a buyer at the 'own orders' level sees none of the company's other invoices


def test_a_connection_without_a_storefront_app_refuses(client: Client, db: Any, fake_store: FakeStore) -> None:
    from invoice_portal.integrations.stores.services import store_connection_create

    bare = store_connection_create(
        actor=None, name="Bare", store_hash="bare1", access_token="t", webhook_secret=fake_store.webhook_secret, api_base_url=fake_store.url
    )
    make_company(external_id="42")
    make_user(email="x@y.test", role="admin")
    response = client.post(f"/integrations/bigcommerce/{bare.pk}/login/", {"token": "x"})
    assert response.status_code == 403
