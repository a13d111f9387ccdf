"""SSRF: endpoint URLs resolving to private, loopback or link-local addresses are refused (loopback only by setting)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.test import override_settings

from invoice_portal.core.errors import ValidationFailed
from invoice_portal.testing import Personas, make_invoice
from invoice_portal.webhooks.guard import UnsafeUrl, url_resolve_safe
from invoice_portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from invoice_portal.webhooks.services.deliveries import delivery_attempt
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create
from invoice_portal.webhooks.tests.receiver import receiver

REFUSED = [
    ("http://127.0.0.1/hook", "loopback"),
    ("http://localhost:8000/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://10.1.2.3/hook", "private"),
    ("http://192.168.0.10/hook", "private"),
    ("http://172.16.5.4/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://0.0.0.0/hook", "reserved"),
]


@override_settings(WEBHOOKS_ALLOW_LOOPBACK=False)
@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_internal_addresses_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        url_resolve_safe(url)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/", "not a url", "http:///x"])
def test_only_plain_http_and_https_urls(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        url_resolve_safe(url)


def test_a_public_address_is_allowed(monkeypatch: Any) -> None:
    def fake_dns(host: str, port: int, **kw: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    assert url_resolve_safe("https://erp.example.com/hooks") == "93.184.215.14"


def test_a_name_with_one_internal_address_among_public_ones_is_refused(monkeypatch: Any) -> None:
    def fake_dns(host: str, port: int, **kw: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in ("93.184.215.14", "10.0.0.8")]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    with pytest.raises(UnsafeUrl, match="private"):
        url_resolve_safe("https://rebinding.example.com/hooks")


@pytest.mark.django_db
@override_settings(WEBHOOKS_ALLOW_LOOPBACK=False)
def test_an_endpoint_cannot_be_created_for_an_internal_url_and_nothing_is_written() -> None:
    with pytest.raises(ValidationFailed, match="webhooks are only sent to public addresses"):
        webhook_endpoint_create(actor=None, url="http://169.254.169.254/", event_types=["invoice.issued"])
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changed", "said"), [({"WEBHOOKS_ALLOW_LOOPBACK": False}, "loopback"), ({"WEBHOOKS_REQUIRE_HTTPS": True}, "only sent to https://")]
)
def test_delivery_re_checks_the_address_so_a_setting_or_dns_change_stops_it(
    personas: Personas, changed: dict[str, bool], said: str
) -> None:
    """An endpoint saved before a setting changed (loopback refused, or https required in production) is not sent to."""
    with receiver() as inbox:
        webhook_endpoint_create(actor=None, url=inbox.url, event_types=["invoice.issued"])
        make_invoice(company=personas.acme)
        delivery = WebhookDelivery.objects.get()
        with override_settings(**changed):
            delivery_attempt(delivery_id=delivery.pk)
        assert inbox.requests == []
    assert said in delivery.attempt_log.get().error
