"""Signing secrets are encrypted at rest: the column never holds the clear secret, and old rows are migrated."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from standardwebhooks import Webhook

from invoice_portal.core.encryption import secret_decrypt
from invoice_portal.webhooks.models import WebhookEndpoint
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create, webhook_endpoint_rotate_secret
from invoice_portal.webhooks.signing import signed_headers


def _column(endpoint_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM webhooks_webhookendpoint WHERE id = %s", [endpoint_id])
        return str(cursor.fetchone()[0])


def _clear_anywhere(endpoint_id: int, secret: str) -> bool:
    """Whether the clear secret (or its base64 key) is in any column of the row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM webhooks_webhookendpoint WHERE id = %s", [endpoint_id])
        row = cursor.fetchone()
    key = secret.removeprefix("whsec_")
    return any(key in str(value) for value in row)


@pytest.mark.django_db
def test_the_column_holds_ciphertext_and_the_secret_still_signs() -> None:
    endpoint = webhook_endpoint_create(actor=None, url="http://127.0.0.1:9/h", event_types=["invoice.paid"])
    secret = endpoint.secret
    assert secret.startswith("whsec_")
    assert not _clear_anywhere(endpoint.pk, secret)
    assert secret_decrypt(_column(endpoint.pk)) == secret
    fresh = WebhookEndpoint.objects.get(pk=endpoint.pk)
    now = timezone.now()
    headers = signed_headers(secret=fresh.secret, message_id="msg_1", timestamp=now, body=b"{}")
    Webhook(secret).verify(b"{}", headers)  # what the endpoint's owner verifies with

    rotated = webhook_endpoint_rotate_secret(actor=None, endpoint=fresh)
    assert rotated.secret != secret
    assert not _clear_anywhere(endpoint.pk, rotated.secret)
    assert secret_decrypt(_column(endpoint.pk)) == rotated.secret


def _migrate(targets: Sequence[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_clear_secrets_are_encrypted_by_the_migration_and_decrypted_back() -> None:
    before, after = [("webhooks", "0001_initial")], [("webhooks", "0002_endpoint_secret_encrypted")]
    executor = _migrate(before)
    old = executor.loader.project_state(before).apps.get_model("webhooks", "WebhookEndpoint")
    clear = "whsec_" + "c2VjcmV0LWZyb20tYmVmb3JlLXRoZS1taWdyYXRpb24="
    row = old.objects.create(url="http://127.0.0.1:9/old", event_types=["invoice.paid"], secret=clear)

    _migrate(after)
    assert not _clear_anywhere(row.pk, clear)
    assert WebhookEndpoint.objects.get(pk=row.pk).secret == clear

    executor = _migrate(before)  # and back: the clear column comes back with the secret in it
    old = executor.loader.project_state(before).apps.get_model("webhooks", "WebhookEndpoint")
    assert old.objects.get(pk=row.pk).secret == clear
    _migrate(after)
    assert WebhookEndpoint.objects.get(pk=row.pk).secret == clear
