"""Who may do what. Every permission check in pages, API and downloads comes through here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from invoice_portal.accounts.models import RoleGrant, User
from invoice_portal.accounts.permissions import Level, grants_at_user_level
from invoice_portal.core.prepared import Prepared

_CACHE_ATTR = "_role_grants_cache"
# Read by every request's first permission check: its statement is built once (``core.prepared``).
_GRANTS = Prepared(lambda role: RoleGrant.objects.filter(role_id=role).values_list("permission", "level"), role=int)


def role_grants(role_id: int | None) -> dict[str, str | None]:
    """The role's grants as ``{permission: level}`` (level None for seller permissions)."""
    if role_id is None:
        return {}
    return dict(_GRANTS.all(role=role_id))


def _grants(user: User) -> dict[str, str | None]:
    """The user's grants: their role's, at their own permission level when they have one.

    Read once per request and kept on the user object, keyed by what it was derived from:
    a service that changes this object's role, activity or level is seen by the next check on
    it (a change to the role's grants themselves takes effect on the next request).
    """
    key = (user.role_id, user.is_active, user.permission_level)
    cached: tuple[tuple[Any, ...], dict[str, str | None]] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None or cached[0] != key:
        grants = grants_at_user_level(role_grants(user.role_id), user.permission_level) if user.is_active else {}
        cached = (key, grants)
        setattr(user, _CACHE_ATTR, cached)
    return cached[1]


def user_has_perm(user: Any, code: str) -> bool:
    """Whether the user's role grants ``code``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return code in _grants(user)


def user_perm_level(user: Any, code: str) -> Level | None:
    """The level at which a buyer permission is granted (the user's own level, else the role's), or None when it is not."""
    if not user_has_perm(user, code):
        return None
    level = _grants(user)[code]
    return Level(level) if level else None


def user_permissions(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(_grants(user))


def role_levels(role_ids: Iterable[int | None], code: str = "portal.view") -> dict[int, Level | None]:
    """The level at which each role grants ``code`` (None: not granted), in one query: a role's default, shown beside a user's own."""
    wanted = {pk for pk in role_ids if pk is not None}
    found = dict(RoleGrant.objects.filter(role_id__in=wanted, permission=code).values_list("role_id", "level"))
    return {pk: Level(level) if (level := found.get(pk)) else None for pk in wanted}
