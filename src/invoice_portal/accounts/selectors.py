"""Who may do what. Every permission check in pages, API and downloads comes through here."""

from __future__ import annotations

from typing import Any

from invoice_portal.accounts.models import RoleGrant, User
from invoice_portal.accounts.permissions import Level

_CACHE_ATTR = "_role_grants_cache"


def _grants(user: User) -> dict[str, str | None]:
    cached: dict[str, str | None] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        if user.role_id is None or not user.is_active:
            cached = {}
        else:
            cached = dict(RoleGrant.objects.filter(role_id=user.role_id).values_list("permission", "level"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_has_perm(user: Any, code: str) -> bool:
    """Whether the user's role grants ``code``. Read once per request (grants take effect on the next one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return code in _grants(user)


def user_perm_level(user: Any, code: str) -> Level | None:
    """The level at which a buyer permission is granted, or None when it is not."""
    if not user_has_perm(user, code):
        return None
    level = _grants(user)[code]
    return Level(level) if level else None


def user_permissions(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(_grants(user))
