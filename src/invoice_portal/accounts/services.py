from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from invoice_portal.accounts.models import Role, RoleGrant, User
from invoice_portal.accounts.permissions import BUILTIN_ROLES, PERMISSIONS_BY_CODE, Audience, Level
from invoice_portal.audit.services import audit_record
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict, ValidationFailed


@transaction.atomic
def roles_ensure_builtin() -> None:
    """Create the built-in roles with their default grants; leaves an Admin's later changes alone."""
    for spec in BUILTIN_ROLES:
        role, created = Role.objects.get_or_create(
            code=spec.code,
            defaults={"name": spec.name, "audience": spec.audience.value, "description": spec.description, "is_builtin": True},
        )
        if created:
            RoleGrant.objects.bulk_create(
                RoleGrant(role=role, permission=code, level=level.value if level else None) for code, level in spec.grants.items()
            )


@transaction.atomic
def role_create(*, actor: Any, code: str, name: str, audience: str, description: str = "") -> Role:
    if audience not in {a.value for a in Audience}:
        raise ValidationFailed(f"Audience must be one of seller, buyer, supplier (got '{audience}').", field="audience")
    if not name.strip():
        raise ValidationFailed("A role needs a name.", field="name")
    if Role.objects.filter(code=code).exists():
        raise ValidationFailed(f"A role with code '{code}' exists already.", field="code")
    role = Role.objects.create(code=code, name=name, audience=audience, description=description)
    audit_record(actor=actor, obj=role, action="role.create", after={"code": code, "name": name, "audience": audience})
    return role


@transaction.atomic
def role_set_permission(*, actor: Any, role: Role, permission: str, enabled: bool, level: str | None = None) -> None:
    """Switch one permission on or off for a role. Buyer permissions need a level."""
    perm = PERMISSIONS_BY_CODE.get(permission)
    if perm is None:
        raise ValidationFailed(f"Unknown permission '{permission}'.", field="permission")
    if perm.audience.value != role.audience:
        raise ValidationFailed(
            f"'{permission}' is a {perm.audience.value} permission; {role.name} is a {role.audience} role.", field="permission"
        )
    if enabled and perm.audience is Audience.BUYER:
        if level not in {lv.value for lv in Level}:
            raise ValidationFailed("A buyer permission needs a level: own, company or tree.", field="level")
    else:
        level = None
    before = dict(RoleGrant.objects.filter(role=role, permission=permission).values_list("permission", "level"))
    RoleGrant.objects.filter(role=role, permission=permission).delete()
    if enabled:
        RoleGrant.objects.create(role=role, permission=permission, level=level)
    audit_record(
        actor=actor, obj=role, action="role.set_permission",
        before={"permission": permission, "enabled": bool(before), "level": before.get(permission)},
        after={"permission": permission, "enabled": enabled, "level": level},
    )  # fmt: skip


@transaction.atomic
def user_create(
    *, actor: Any, email: str, full_name: str = "", role: Role, company: Company | None = None, password: str | None = None
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed(f"'{email}' is not an email address.", field="email")
    if User.objects.filter(email=email).exists():
        raise ValidationFailed(f"A user with email '{email}' exists already.", field="email")
    if role.audience == Audience.SELLER and company is not None:
        raise ValidationFailed("Seller staff roles are for the operator's own staff, not company users.", field="role")
    if role.audience != Audience.SELLER and company is None:
        raise ValidationFailed(f"A {role.name} belongs to a company.", field="company")
    if password == settings.DEMO_PASSWORD and not settings.ALLOW_DEMO_PASSWORD:
        raise ValidationFailed("The demo password is not allowed in production.", field="password")
    user = User.objects.create_user(email, password, full_name=full_name, role=role, company=company)
    audit_record(
        actor=actor, obj=user, action="user.create", after={"email": email, "role": role.code, "company": company.pk if company else None}
    )
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    if actor is not None and getattr(actor, "pk", None) == user.pk and not active:
        raise Conflict("You cannot deactivate yourself.")
    before = user.is_active
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, obj=user, action="user.set_active", before={"is_active": before}, after={"is_active": active})
    return user


@transaction.atomic
def user_set_role(*, actor: Any, user: User, role: Role) -> User:
    if (role.audience == Audience.SELLER) != (user.company_id is None):
        raise ValidationFailed(f"{role.name} does not fit this user.", field="role")
    before = user.role.code if user.role else None
    user.role = role
    user.save(update_fields=["role"])
    audit_record(actor=actor, obj=user, action="user.set_role", before={"role": before}, after={"role": role.code})
    return user


LEVEL_CHOICES_TEXT = "own orders, company, or company and subsidiaries"


def level_parse(value: object) -> Level | None:
    """A permission level from input: one of the levels, or None (the role's levels apply)."""
    if value is None:
        return None
    if isinstance(value, str) and value in {lv.value for lv in Level}:
        return Level(value)
    raise ValidationFailed(f"level: choose {LEVEL_CHOICES_TEXT}, or none for the role's default (got {value!r}).", field="level")


@transaction.atomic
def user_set_level(*, actor: Any, user: User, level: str | None) -> User:
    """Give a company user their own level for every buyer permission their role grants (None: the role's levels).

    It never grants a permission the role does not; seller staff have no buyer levels.
    """
    parsed = level_parse(level)
    if user.company_id is None and parsed is not None:
        raise ValidationFailed("level: only users of a company have a permission level.", field="level")
    before = user.permission_level
    user.permission_level = parsed.value if parsed else None
    user.save(update_fields=["permission_level"])
    audit_record(
        actor=actor,
        obj=user,
        action="user.set_level",
        before={"permission_level": before},
        after={"permission_level": user.permission_level},
    )
    return user


@transaction.atomic
def user_set_staff(*, actor: Any, user: User, staff: bool) -> User:
    """Grant or withdraw access to the read-only data administration (the Django admin)."""
    if staff and user.company_id is not None:
        raise ValidationFailed("Only the operator's own staff may use the data administration.", field="is_staff")
    before = user.is_staff
    user.is_staff = staff
    user.save(update_fields=["is_staff"])
    audit_record(actor=actor, obj=user, action="user.set_staff", before={"is_staff": before}, after={"is_staff": staff})
    return user
