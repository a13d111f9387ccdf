"""Login throttling: too many failed sign-ins for one email (from anywhere) or from one address lock it out for a while.

Counted in the database, so every web process sees the same count.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from invoice_portal.accounts.models import LoginFailure

MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = dt.timedelta(minutes=15)


def login_blocked(*, email: str, address: str) -> bool:
    since = timezone.now() - WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    return recent.filter(email=email.strip().lower()).count() >= MAX_FAILURES_PER_EMAIL or (
        bool(address) and recent.filter(address=address).count() >= MAX_FAILURES_PER_ADDRESS
    )


def login_failed(*, email: str, address: str) -> None:
    LoginFailure.objects.create(email=email.strip().lower()[:254], address=address[:45])
    LoginFailure.objects.filter(at__lt=timezone.now() - 4 * WINDOW).delete()


def login_succeeded(*, email: str) -> None:
    LoginFailure.objects.filter(email=email.strip().lower()).delete()
