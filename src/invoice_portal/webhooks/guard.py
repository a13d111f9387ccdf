"""Server-side request forgery guard: where a webhook may be sent.

A URL is refused when its host resolves to a private, loopback, link-local, multicast,
reserved or unspecified address (an attacker's endpoint would otherwise reach the
metadata service or the internal network). ``WEBHOOKS_ALLOW_LOOPBACK`` lets tests and the
demo deliver to 127.0.0.1; it is off in production. ``WEBHOOKS_REQUIRE_HTTPS`` (on in production)
refuses http:// URLs: the payloads carry invoice and payment data. The check runs when an endpoint is saved
and again for every delivery, and the delivery connects to the address that was checked
(``transport``), so a DNS answer that changes in between cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from invoice_portal.core.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValidationFailed):
    code = "unsafe_url"


def _refusal(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified:  # 0.0.0.0 and :: reach this very host
        return "a reserved address"
    if address.is_loopback:
        return None if getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False) else "a loopback address"
    if address.is_multicast or address.is_reserved:
        return "a reserved address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    return None


def url_parts(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; UnsafeUrl when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"url: not a valid URL ({exc}).", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("url: an http:// or https:// URL with a host name.", field="url")
    if parts.username or parts.password:
        raise UnsafeUrl("url: credentials in the URL are not allowed; the signature authenticates us.", field="url")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def url_resolve_safe(url: str) -> str:
    """The checked IP address to connect to for ``url``; UnsafeUrl (422) when any address of the host is refused."""
    scheme, host, port, _ = url_parts(url)
    if scheme != "https" and getattr(settings, "WEBHOOKS_REQUIRE_HTTPS", False):
        raise UnsafeUrl("url: webhooks are only sent to https:// addresses (this is a production installation).", field="url")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"url: the host {host} does not resolve ({exc}).", field="url") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        reason = _refusal(address)
        if reason is not None:
            raise UnsafeUrl(f"url: {host} resolves to {address}, {reason}; webhooks are only sent to public addresses.", field="url")
    return str(addresses[0])
