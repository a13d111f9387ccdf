"""Every write of the buyer portal of its own: the company's users.

Promises to pay and remittance advice are domain writes in ``remittances.services``. Each
transition checks who acts and what they may touch, runs in one transaction and is audited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from invoice_portal.accounts.models import Role, User
from invoice_portal.accounts.permissions import grants_at_user_level, widest_level
from invoice_portal.accounts.selectors import role_grants, user_has_perm, user_perm_level
from invoice_portal.accounts.services import level_parse, user_create, user_set_active, user_set_level, user_set_role
from invoice_portal.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from invoice_portal.core.ids import parse_id
from invoice_portal.core.locks import lock_rows
from invoice_portal.notifications.services import invitation_send

# The roles a company admin may hand out: the built-in company roles, never a seller or supplier role.
COMPANY_ROLE_CODES = ("company_admin", "accounts_payable", "buyer")


def _is_company_user(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active and getattr(actor, "company_id", None) is not None)


def _require_portal(actor: Any, code: str) -> None:
    if not _is_company_user(actor) or not user_has_perm(actor, code):
        raise PermissionDenied(f"Needs the '{code}' permission of a company user.")


_pk = parse_id


# --- The company's users --------------------------------------------------------------------------


def _require_user_admin(actor: Any) -> None:
    _require_portal(actor, "portal.users")


def _own_company_user(actor: Any, user: User | int) -> User:
    pk = _pk(user)
    found = User.objects.select_related("role").filter(pk=pk, company_id=actor.company_id).first() if pk is not None else None
    if found is None:
        raise NotFound(f"User {pk} was not found.")
    return found


def _company_role(role: Role | None) -> Role:
    if role is None or role.code not in COMPANY_ROLE_CODES:
        raise ValidationFailed("role: choose company admin, accounts payable or buyer.", field="role")
    return role


def _keeps_an_admin(actor: Any, user: User) -> None:
    """A company always keeps one active company admin, or nobody could manage its users again."""
    admins = User.objects.filter(company_id=actor.company_id, is_active=True, role__code="company_admin")
    locked = lock_rows(User, admins.values_list("pk", flat=True))
    if user.pk in locked and len(locked) == 1:
        raise Conflict(f"{user.email} is the last active company admin of {actor.company}; make someone else company admin first.")


@transaction.atomic
def company_user_invite(*, actor: Any, email: str, role: Role, full_name: str = "", password: str | None = None) -> User:
    """A company admin adds a user to their own company, with a company role.

    Without a password the new user gets an invitation email with a link to choose one (the usual way);
    with one, the admin hands it over themselves and no email is sent.
    """
    _require_user_admin(actor)
    role = _company_role(role)
    newcomer = User(email=email.strip().lower())
    _within_own_reach(actor, newcomer, grants_at_user_level(role_grants(role.pk), None), field="role", change=f"the role {role.name}")
    user = user_create(actor=actor, email=email, full_name=full_name, role=role, company=actor.company, password=password or None)
    if not password:
        invitation_send(actor=actor, user=user)
    return user


@transaction.atomic
def company_user_reinvite(*, actor: Any, user: User | int) -> User:
    """Send a fresh invitation link to a user of the own company who has not signed in yet."""
    _require_user_admin(actor)
    target = _own_company_user(actor, user)
    if target.last_login is not None:
        raise Conflict(f"{target.email} has signed in already; they can reset their password from the sign-in page.")
    invitation_send(actor=actor, user=target)
    return target


@transaction.atomic
def company_user_set_active(*, actor: Any, user: User | int, active: bool) -> User:
    """A company admin deactivates (or reactivates) a user of their own company."""
    _require_user_admin(actor)
    target = _own_company_user(actor, user)
    if not active and target.is_active:
        _keeps_an_admin(actor, target)
    return user_set_active(actor=actor, user=target, active=active)


class LevelBeyondOwn(PermissionDenied):
    """A company admin tried to let someone see farther than the admin sees."""

    code = "level_beyond_own"


def _within_own_reach(actor: Any, target: User, grants: dict[str, str | None], *, field: str, change: str) -> None:
    """A company admin hands out no more sight than their own ``portal.view``: otherwise an admin kept to
    their company could open its subsidiaries to anyone (themselves too, by resetting their own level)."""
    reach = widest_level(grants)
    own = user_perm_level(actor, "portal.view")
    if reach is None or (own is not None and own.covers(reach)):
        return
    yours = own.label.lower() if own is not None else "none"
    raise LevelBeyondOwn(
        f"{field}: {change} would let {target.email} see {reach.label.lower()}, "
        f"but your own level is {yours}: you can give at most your own.",
        field=field,
    )


def _follow_on_actor(actor: Any, target: User) -> None:
    """An admin who changes themselves acts on a copy; their own user object (``request.user``) takes the
    change at once, so the permission checks later in the same request see it."""
    if getattr(actor, "pk", None) == target.pk:
        actor.role = target.role
        actor.is_active = target.is_active
        actor.permission_level = target.permission_level


@transaction.atomic
def company_user_set_role(*, actor: Any, user: User | int, role: Role) -> User:
    """A company admin gives a user of their own company one of the company roles, never one that reaches farther than the admin sees."""
    _require_user_admin(actor)
    target = _own_company_user(actor, user)
    role = _company_role(role)
    _within_own_reach(
        actor, target, grants_at_user_level(role_grants(role.pk), target.permission_level), field="role", change=f"the role {role.name}"
    )
    if target.role is not None and target.role.code == "company_admin" and role.code != "company_admin" and target.is_active:
        _keeps_an_admin(actor, target)
    updated = user_set_role(actor=actor, user=target, role=role)
    _follow_on_actor(actor, updated)
    return updated


@transaction.atomic
def company_user_set_level(*, actor: Any, user: User | int, level: str | None) -> User:
    """A company admin sets the permission level of a user of their own company (None: the role's levels).

    The level replaces the role's for every buyer permission the role grants and never adds one;
    it reaches no farther than the admin's own ``portal.view`` (nor does going back to a role default
    that is wider).
    """
    _require_user_admin(actor)
    target = _own_company_user(actor, user)
    parsed = level_parse(level)
    change = f"the level {parsed.label.lower()}" if parsed else "the role default"
    _within_own_reach(actor, target, grants_at_user_level(role_grants(target.role_id), parsed), field="level", change=change)
    updated = user_set_level(actor=actor, user=target, level=parsed)
    _follow_on_actor(actor, updated)
    return updated
