"""Tokens: bearer authentication, hashing, revocation, the ``token`` command and the audit origin."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.utils import timezone

from invoice_portal.api.models import ApiToken
from invoice_portal.api.services import api_token_create, api_token_resolve, api_token_revoke
from invoice_portal.api.tests.conftest import ApiClient, problem_of
from invoice_portal.audit.models import AuditEvent
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db


def test_a_call_without_a_token_is_401_with_a_bearer_challenge(anonymous: ApiClient) -> None:
    reply = anonymous.get("invoices")
    problem_of(reply, 401, "unauthenticated")
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer ipk_000000000000wrongsecret", "Basic dXNlcjpwYXNz", "Bearer", "Token abc", "Bearer " + "x" * 500],
)
def test_a_wrong_or_malformed_token_is_401(tokens: dict[str, str], header: str) -> None:
    reply = ApiClient(None).get("invoices", headers={"Authorization": header})
    problem_of(reply, 401, "unauthenticated")


def test_a_token_with_the_right_prefix_but_a_wrong_secret_is_refused(tokens: dict[str, str]) -> None:
    real = tokens["finance"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    problem_of(ApiClient(forged).get("invoices"), 401)
    assert ApiClient(real).get("invoices").status == 200


def test_the_scheme_is_case_insensitive(tokens: dict[str, str]) -> None:
    reply = ApiClient(None).get("invoices", headers={"Authorization": f"bearer {tokens['finance']}"})
    assert reply.status == 200


def test_only_a_hash_of_the_token_is_stored(personas: Personas) -> None:
    row, token = api_token_create(actor=None, user=personas.finance, name="ERP")
    stored = ApiToken.objects.get(pk=row.pk)
    assert token not in {stored.token_hash, stored.prefix, stored.name}
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith("ipk_" + stored.prefix)


def test_a_revoked_token_is_refused_at_once(personas: Personas) -> None:
    row, token = api_token_create(actor=None, user=personas.finance)
    assert ApiClient(token).get("invoices").status == 200
    api_token_revoke(actor=personas.admin, token=row)
    problem_of(ApiClient(token).get("invoices"), 401)
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(row.pk)).count() == 1
    api_token_revoke(actor=personas.admin, token=row)  # twice: no second event, no error
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(row.pk)).count() == 1


def test_a_deactivated_owner_makes_the_token_useless(personas: Personas) -> None:
    _, token = api_token_create(actor=None, user=personas.bob)
    personas.bob.is_active = False
    personas.bob.save(update_fields=["is_active"])
    problem_of(ApiClient(token).get("invoices"), 401)


def test_last_used_is_recorded_but_not_rewritten_on_every_call(personas: Personas) -> None:
    row, token = api_token_create(actor=None, user=personas.finance)
    assert row.last_used_at is None
    ApiClient(token).get("invoices")
    first = ApiToken.objects.get(pk=row.pk).last_used_at
    assert first is not None
    ApiClient(token).get("invoices")
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=5))
    assert api_token_resolve(token) is not None
    later = ApiToken.objects.get(pk=row.pk).last_used_at
    assert later is not None
    assert later > first


def test_changes_made_through_the_api_are_audited_as_coming_from_the_token(personas: Personas) -> None:
    row, token = api_token_create(actor=None, user=personas.finance)
    reply = ApiClient(token).post("companies", {"name": "Initech"})
    assert reply.status == 201
    event = AuditEvent.objects.get(action="company.create", object_id=str(reply.body["id"]))
    assert (event.channel, event.channel_ref, event.actor_id) == ("api", f"token:{row.pk}", personas.finance.pk)


def test_csrf_is_not_required_for_token_calls(tokens: dict[str, str]) -> None:
    client = ApiClient(tokens["finance"], enforce_csrf=True)
    assert client.post("companies", {"name": "No CSRF needed"}).status == 201


def test_token_command_creates_lists_and_revokes(personas: Personas) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", "Finance@Demo.test", "--name", "ERP sync", stdout=out, stderr=err)
    token = out.getvalue().strip()
    row = ApiToken.objects.get(user=personas.finance)
    assert row.name == "ERP sync"
    assert token.startswith("ipk_" + row.prefix)
    assert "not shown again" in err.getvalue()
    assert ApiClient(token).get("invoices").status == 200

    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert row.prefix in listing.getvalue()
    assert token not in listing.getvalue()

    revoked = io.StringIO()
    call_command("token", "revoke", str(row.pk), stdout=revoked)
    assert "revoked" in revoked.getvalue()
    problem_of(ApiClient(token).get("invoices"), 401)


def test_token_command_refuses_unknown_users_and_ids(personas: Personas) -> None:
    with pytest.raises(CommandError, match="No user"):
        call_command("token", "create", "nobody@example.test", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="No token"):
        call_command("token", "revoke", "999999", stdout=io.StringIO())


def test_no_token_for_a_deactivated_user(personas: Personas) -> None:
    personas.sales.is_active = False
    personas.sales.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="deactivated"):
        call_command("token", "create", personas.sales.email, stdout=io.StringIO(), stderr=io.StringIO())


def test_a_busy_database_skips_the_last_use_and_never_fails_the_call(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.models import QuerySet

    row, token = api_token_create(actor=None, user=personas.finance)
    real_update = QuerySet.update

    def locked_for_tokens(self: QuerySet[Any], **values: Any) -> int:
        if self.model is ApiToken:
            raise OperationalError("database is locked")
        return real_update(self, **values)

    monkeypatch.setattr(QuerySet, "update", locked_for_tokens)
    reply = ApiClient(token).get("invoices")
    assert reply.status == 200, reply.body
    assert ApiToken.objects.get(pk=row.pk).last_used_at is None


def test_a_database_still_locked_after_the_busy_timeout_is_a_503_to_retry(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    from invoice_portal.invoices import api as invoices_api

    def locked(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    _, token = api_token_create(actor=None, user=personas.finance)
    monkeypatch.setattr(invoices_api, "invoice_list", locked)
    reply = ApiClient(token).get("invoices")
    body = problem_of(reply, 503, "database_busy")
    assert reply.headers["Retry-After"] == "5"
    assert "retry" in body["detail"]
