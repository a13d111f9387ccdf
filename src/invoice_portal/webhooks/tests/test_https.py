"""In production (``DJANGO_ENV=production`` sets ``WEBHOOKS_REQUIRE_HTTPS``) endpoint URLs must be https://.

That a delivery to an endpoint saved before is refused too is in ``test_guard.py``."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.test import Client, override_settings

from invoice_portal.core.tests.test_production import GOOD, _run
from invoice_portal.testing import Personas
from invoice_portal.webhooks.models import WebhookEndpoint

ASK = (
    "shell", "-c",
    "from django.conf import settings\n"
    "from invoice_portal.webhooks.guard import UnsafeUrl, url_resolve_safe\n"
    "print(settings.WEBHOOKS_REQUIRE_HTTPS)\n"
    "try:\n    url_resolve_safe('http://erp.example.com/hooks')\nexcept UnsafeUrl as exc:\n    print(exc.message)\n"
    "else:\n    print('accepted')",
)  # fmt: skip


def test_production_settings_refuse_http_and_development_settings_do_not(tmp_path: Any) -> None:
    production = _run(GOOD, *ASK)
    assert production.returncode == 0, production.stderr
    lines = production.stdout.strip().splitlines()
    assert lines[-2] == "True"
    assert "only sent to https://" in lines[-1]
    development = _run(
        {"DJANGO_ENV": "development"}, "shell", "-c", "from django.conf import settings; print(settings.WEBHOOKS_REQUIRE_HTTPS)"
    )
    assert development.stdout.strip().splitlines()[-1] == "False", development.stderr


@pytest.fixture
def public_dns(monkeypatch: Any) -> None:
    def fake_dns(host: str, port: int, **kw: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)


@pytest.mark.django_db
@override_settings(WEBHOOKS_REQUIRE_HTTPS=True)
def test_the_api_refuses_an_http_url_with_a_problem_and_accepts_https(personas: Personas, as_: Any, public_dns: None) -> None:
    admin = as_("admin")
    reply = admin.post("webhook-endpoints", {"url": "http://erp.example.com/hooks", "event_types": ["invoice.paid"]})
    assert reply.status == 422
    assert reply.content_type.startswith("application/problem+json")
    assert "https://" in str(reply.body)
    assert not WebhookEndpoint.objects.exists()
    created = admin.post("webhook-endpoints", {"url": "https://erp.example.com/hooks", "event_types": ["invoice.paid"]})
    assert created.status == 201, created.body
    changed = admin.patch(f"webhook-endpoints/{created.body['id']}", {"url": "http://erp.example.com/hooks"})
    assert changed.status == 422
    assert WebhookEndpoint.objects.get().url == "https://erp.example.com/hooks"


@pytest.mark.django_db
@override_settings(WEBHOOKS_REQUIRE_HTTPS=True)
def test_the_page_shows_the_error_next_to_the_url_field(personas: Personas, public_dns: None) -> None:
    client = Client()
    client.force_login(personas.admin)
    response = client.post("/seller/settings/webhooks/", {"url": "http://erp.example.com/hooks", "event_types": ["invoice.paid"]})
    assert response.status_code == 422
    assert "url" in response.context["form"].errors
    assert "only sent to https://" in response.context["form"].errors["url"][0]
    assert not WebhookEndpoint.objects.exists()
