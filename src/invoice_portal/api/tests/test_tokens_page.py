"""/account/tokens/ and read-only tokens: users manage their own tokens; integration Admins see and revoke all."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from invoice_portal.api.models import ApiToken, TokenScope
from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient
from invoice_portal.audit.models import AuditEvent
from invoice_portal.companies.models import Company
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_a_user_creates_a_read_only_token_shown_once_that_reads_but_never_writes(personas: Personas) -> None:
    page = _client(personas.finance).post("/account/tokens/", {"name": "ERP read", "scope": "read"})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    secret = re.search(r'id="token-secret">(ipk_[^<]+)<', page.content.decode())
    assert secret is not None
    row = ApiToken.objects.get()
    assert (row.user, row.name, row.scope) == (personas.finance, "ERP read", TokenScope.READ)
    assert secret.group(1) not in _client(personas.finance).get("/account/tokens/").content.decode(), "shown once"
    api = ApiClient(secret.group(1))
    assert api.get("companies").status == 200
    audit_before = AuditEvent.objects.count()
    refused = api.post("companies", {"name": "Made by a read-only token"})
    assert refused.status == 403
    assert refused.content_type.startswith("application/problem+json")
    assert refused.body["code"] == "token_read_only"
    assert api.patch(f"companies/{personas.acme.pk}", {"city": "Nowhere"}).status == 403
    assert api.delete(f"invoices/{1}").status == 403
    assert not Company.objects.filter(name="Made by a read-only token").exists()
    assert AuditEvent.objects.count() == audit_before


def test_a_read_write_token_writes(personas: Personas) -> None:
    _row, secret = api_token_create(actor=None, user=personas.finance, name="rw", scope=TokenScope.WRITE)
    assert ApiClient(secret).post("companies", {"name": "New Co"}).status == 201


def test_a_buyer_manages_their_own_tokens_and_sees_no_one_elses(personas: Personas) -> None:
    mine, _ = api_token_create(actor=None, user=personas.alice, name="alice's")
    theirs, _ = api_token_create(actor=None, user=personas.charlie, name="charlie's")
    page = _client(personas.alice).get("/account/tokens/").content.decode()
    assert mine.prefix in page
    assert theirs.prefix not in page
    assert _client(personas.alice).post(f"/account/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert _client(personas.alice).post(f"/account/tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    assert mine.revoked_at is not None


def test_finance_sees_only_its_own_but_admin_sees_and_revokes_everyones(personas: Personas) -> None:
    alices, _ = api_token_create(actor=None, user=personas.alice, name="alice's")
    assert alices.prefix not in _client(personas.finance).get("/account/tokens/").content.decode()
    assert _client(personas.finance).post(f"/account/tokens/{alices.pk}/revoke/").status_code == 404
    page = _client(personas.admin).get("/account/tokens/").content.decode()
    assert alices.prefix in page
    assert "alice@acme.test" in page
    assert _client(personas.admin).post(f"/account/tokens/{alices.pk}/revoke/").status_code == 302
    alices.refresh_from_db()
    assert alices.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=personas.admin).exists()


def test_bad_input_is_a_form_error_and_anonymous_users_are_sent_to_login(personas: Personas) -> None:
    page = _client(personas.sales).post("/account/tokens/", {"name": "", "scope": "admin"})
    assert page.status_code == 422
    assert not ApiToken.objects.exists()
    assert Client().get("/account/tokens/").status_code == 302
    assert Client().post(f"/account/tokens/{1}/revoke/").status_code == 302


def test_the_cli_still_creates_tokens_read_only_on_request(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("token", "create", "finance@demo.test", "--name", "cli", "--read-only")
    secret = capsys.readouterr().out.strip()
    assert ApiToken.objects.get().scope == TokenScope.READ
    assert ApiClient(secret).post("companies", {"name": "X"}).status == 403
