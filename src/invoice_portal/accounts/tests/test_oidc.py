"""Staff single sign-on against a local OpenID provider: existing staff only, matched by verified email; password login stays."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from invoice_portal.accounts.models import User
from invoice_portal.accounts.oidc import BACKEND
from invoice_portal.accounts.tests.oidc_provider import TestProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings: Any) -> Iterator[TestProvider]:
    idp = TestProvider().start()
    with urllib.request.urlopen(f"{idp.issuer}/.well-known/openid-configuration") as response:  # noqa: S310 - the local test provider
        discovery = json.load(response)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = idp.client_id, idp.client_secret
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    yield idp
    idp.stop()


def sign_in(client: Client, provider: TestProvider, email: str, **kwargs: Any) -> Any:
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    location = urlsplit(start["Location"])
    assert start["Location"].startswith(provider.issuer + "/authorize")
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    code = provider.authorize(params, email=email, **kwargs)
    return client.get("/oidc/callback/", {"code": code, "state": params["state"]})


def test_staff_sign_in_with_the_provider_keeps_their_portal_role(client: Client, personas: Any, provider: TestProvider) -> None:
    response = sign_in(client, provider, "Finance@Demo.test")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == personas.finance.pk
    assert client.get("/seller/").status_code == 200
    assert client.get("/seller/users/").status_code == 403  # the role is the portal's, not the provider's


def test_an_unknown_email_is_not_created_and_not_signed_in(client: Client, personas: Any, provider: TestProvider) -> None:
    sign_in(client, provider, "stranger@corp.test")
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="stranger@corp.test").exists()


def test_a_company_user_cannot_use_staff_sign_in(client: Client, personas: Any, provider: TestProvider) -> None:
    sign_in(client, provider, "alice@acme.test")
    assert "_auth_user_id" not in client.session


def test_an_unverified_email_is_refused(client: Client, personas: Any, provider: TestProvider) -> None:
    sign_in(client, provider, "finance@demo.test", email_verified=False)
    assert "_auth_user_id" not in client.session


def test_a_forged_state_is_refused(client: Client, personas: Any, provider: TestProvider) -> None:
    start = client.get("/oidc/authenticate/")
    params = {k: v[0] for k, v in parse_qs(urlsplit(start["Location"]).query).items()}
    code = provider.authorize(params, email="finance@demo.test")
    client.get("/oidc/callback/", {"code": code, "state": "forged"})
    assert "_auth_user_id" not in client.session


def test_the_login_page_offers_both_ways(client: Client, personas: Any, provider: TestProvider) -> None:
    page = client.get("/login/").content.decode()
    assert "Staff: sign in with Test IdP" in page
    assert 'name="password"' in page
    assert client.post("/login/", {"username": "admin@demo.test", "password": "pw-test-12345"}).status_code == 302


def test_without_configuration_there_is_no_sso(client: Client, db: Any) -> None:
    assert client.get("/oidc/authenticate/").status_code == 404
    assert "sign in with" not in client.get("/login/").content.decode()
