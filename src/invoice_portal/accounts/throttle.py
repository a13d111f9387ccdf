"""Login throttling: too many failed sign-ins for one account (from anywhere) or from one address lock it out for a while.

Counted in the database, so every web process sees the same count. The account and the address
are throttled separately: an attacker guessing many accounts from one address is stopped by the
address limit, a botnet guessing one account by the account limit, and neither locks out anyone else.

The attempt is recorded *before* the password is checked and the count taken after that record is
committed, so concurrent attempts always count each other: of any number of simultaneous guesses,
at most the limit ever reach the password check (a check-then-record would let them all through).

The address is the client's: ``REMOTE_ADDR``, or, when the request comes from one of
``TRUSTED_PROXIES``, the nearest address in ``X-Forwarded-For`` that is not a trusted proxy (the
header is anyone's to write, so only what trusted proxies appended is believed).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from invoice_portal.accounts.models import LoginFailure

MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = dt.timedelta(minutes=15)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _is_trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client behind the configured ``TRUSTED_PROXIES`` (see the module docstring)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not _is_trusted(remote, networks):
        return remote[:45]
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote[:45]  # a garbled header: throttle the proxy rather than believe it
    return remote[:45]


def _normal(email: str) -> str:
    return email.strip().lower()[:254]


def login_attempt_start(*, email: str, address: str) -> LoginFailure | None:
    """Record an attempt as failed until it succeeds; None when the account or the address is over its limit.

    A refused attempt is not kept: it checked no password. The record commits before the count
    (its own atomic block, outside any request transaction) so simultaneous attempts see each other.
    """
    email, address = _normal(email), address[:45]
    with transaction.atomic():
        attempt = LoginFailure.objects.create(email=email, address=address)
    recent = LoginFailure.objects.filter(at__gte=timezone.now() - WINDOW)
    over = recent.filter(email=email).count() > MAX_FAILURES_PER_EMAIL or (
        bool(address) and recent.filter(address=address).count() > MAX_FAILURES_PER_ADDRESS
    )
    if over:
        LoginFailure.objects.filter(pk=attempt.pk).delete()
        return None
    return attempt


def login_failures_purge() -> None:
    """Forget failures long outside the window."""
    LoginFailure.objects.filter(at__lt=timezone.now() - 4 * WINDOW).delete()


def login_succeeded(*, email: str) -> None:
    LoginFailure.objects.filter(email=_normal(email)).delete()
