"""A supplier's own users: a supplier admin invites colleagues into their company with a supplier role."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from invoice_portal.accounts.models import Role, User
from invoice_portal.accounts.permissions import Audience
from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.accounts.services import user_create
from invoice_portal.core.errors import PermissionDenied, ValidationFailed
from invoice_portal.notifications.services import invitation_send

SUPPLIER_ROLE_CODES = ("supplier_user", "supplier_admin")


def supplier_roles() -> Any:
    return Role.objects.filter(audience=Audience.SUPPLIER).order_by("name")


@transaction.atomic
def supplier_user_invite(*, actor: Any, email: str, role: Role, full_name: str = "", password: str | None = None) -> User:
    """A supplier admin (``supplier.users``) adds a colleague to their own supplier company.

    Without a password the colleague gets an invitation email to choose one.
    """
    if getattr(actor, "company_id", None) is None or not user_has_perm(actor, "supplier.users") or not actor.company.is_supplier:
        raise PermissionDenied("Only a supplier admin may invite the supplier's users (supplier.users).")
    if role.audience != Audience.SUPPLIER:
        raise ValidationFailed("role: a supplier role.", field="role")
    user = user_create(actor=actor, email=email, full_name=full_name, role=role, company=actor.company, password=password or None)
    if not password:
        invitation_send(actor=actor, user=user)
    return user
