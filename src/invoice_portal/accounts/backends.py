from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class PortalBackend(ModelBackend):
    """Email + password login that refuses the public demo password outside development."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any) -> Any:
        if password == settings.DEMO_PASSWORD and not settings.ALLOW_DEMO_PASSWORD:
            return None
        if username:
            username = username.strip().lower()
        return super().authenticate(request, username=username, password=password, **kwargs)
