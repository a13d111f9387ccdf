from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from invoice_portal.accounts.models import Role, RoleGrant, User
from invoice_portal.accounts.permissions import PERMISSIONS_BY_CODE, Level, grants_at_user_level, widest_level
from invoice_portal.accounts.selectors import user_has_perm, user_perm_level
from invoice_portal.accounts.services import role_create, role_set_permission, user_create, user_set_active, user_set_level
from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import Conflict, ValidationFailed
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db


def test_builtin_roles_nest_sales_in_finance_in_admin() -> None:
    def grants(code: str) -> set[str]:
        return set(RoleGrant.objects.filter(role__code=code).values_list("permission", flat=True))

    assert grants("sales") < grants("finance") < grants("admin")
    assert "payments.record" in grants("finance") - grants("sales")
    assert {"users.manage", "settings.manage"} <= grants("admin") - grants("finance")


def test_every_granted_permission_is_in_the_registry() -> None:
    assert set(RoleGrant.objects.values_list("permission", flat=True)) <= set(PERMISSIONS_BY_CODE)


def test_buyer_roles_grant_at_their_levels(personas: Personas) -> None:
    assert user_perm_level(personas.alice, "portal.view") is Level.OWN
    assert user_perm_level(personas.bob, "portal.view") is Level.COMPANY
    assert user_perm_level(personas.carol, "portal.view") is Level.TREE
    assert user_perm_level(personas.finance, "portal.view") is None


def test_switching_a_permission_off_takes_effect_on_the_next_load(personas: Personas) -> None:
    sales_role = Role.objects.get(code="sales")
    assert user_has_perm(personas.sales, "invoices.delete")
    role_set_permission(actor=personas.admin, role=sales_role, permission="invoices.delete", enabled=False)
    assert not user_has_perm(User.objects.get(pk=personas.sales.pk), "invoices.delete")
    assert AuditEvent.objects.filter(action="role.set_permission", object_id=str(sales_role.pk)).exists()


def test_buyer_permission_needs_a_level(personas: Personas) -> None:
    with pytest.raises(ValidationFailed, match="level"):
        role_set_permission(actor=personas.admin, role=Role.objects.get(code="buyer"), permission="portal.pay", enabled=True)


def test_a_seller_permission_cannot_go_on_a_buyer_role(personas: Personas) -> None:
    with pytest.raises(ValidationFailed, match="seller permission"):
        role_set_permission(actor=personas.admin, role=Role.objects.get(code="buyer"), permission="payments.refund", enabled=True)


def test_admin_adds_a_role_and_grants_it(personas: Personas) -> None:
    role = role_create(actor=personas.admin, code="collections", name="Collections", audience="seller")
    role_set_permission(actor=personas.admin, role=role, permission="invoices.send", enabled=True)
    clerk = user_create(actor=personas.admin, email="Clerk@Demo.test", role=role)
    assert clerk.email == "clerk@demo.test"
    assert user_has_perm(clerk, "invoices.send")
    assert not user_has_perm(clerk, "invoices.view")


def test_company_roles_need_a_company_and_staff_roles_refuse_one(personas: Personas) -> None:
    with pytest.raises(ValidationFailed, match="belongs to a company"):
        user_create(actor=personas.admin, email="x@acme.test", role=Role.objects.get(code="buyer"))
    with pytest.raises(ValidationFailed, match="own staff"):
        user_create(actor=personas.admin, email="y@acme.test", role=Role.objects.get(code="finance"), company=personas.acme)


def test_deactivated_user_has_no_permissions(personas: Personas) -> None:
    user_set_active(actor=personas.admin, user=personas.finance, active=False)
    assert not user_has_perm(User.objects.get(pk=personas.finance.pk), "invoices.view")


def test_admin_cannot_deactivate_themselves(personas: Personas) -> None:
    with pytest.raises(Conflict):
        user_set_active(actor=personas.admin, user=personas.admin, active=False)


# --- A user's own permission level ------------------------------------------------------------------


def test_a_users_level_moves_every_level_bearing_grant_but_user_management_and_adds_nothing() -> None:
    role = {"portal.view": "own", "portal.pay": "company", "portal.users": "company", "invoices.view": None}
    assert grants_at_user_level(role, "tree") == {
        "portal.view": "tree",
        "portal.pay": "tree",
        "portal.users": "company",
        "invoices.view": None,
    }
    assert grants_at_user_level(role, None) == role
    assert widest_level(role) is Level.COMPANY
    assert widest_level({"portal.users": "tree", "invoices.view": None}) is None


def test_levels_are_ordered_from_own_orders_to_the_company_tree() -> None:
    assert Level.TREE.covers(Level.COMPANY)
    assert Level.COMPANY.covers(Level.OWN)
    assert Level.OWN.covers(Level.OWN)
    assert not Level.COMPANY.covers(Level.TREE)
    assert [lv.label for lv in Level] == ["Own orders", "Company", "Company and subsidiaries"]


def test_setting_a_level_takes_effect_on_the_same_user_object_and_is_audited(personas: Personas) -> None:
    alice = personas.alice
    assert user_perm_level(alice, "portal.detail") is Level.OWN
    user_set_level(actor=personas.admin, user=alice, level="company")
    assert user_perm_level(alice, "portal.detail") is Level.COMPANY
    assert user_perm_level(User.objects.get(pk=alice.pk), "portal.detail") is Level.COMPANY
    event = AuditEvent.objects.get(action="user.set_level", object_id=str(alice.pk))
    assert (event.before, event.after) == ({"permission_level": None}, {"permission_level": "company"})


def test_seller_staff_have_no_permission_level(personas: Personas) -> None:
    with pytest.raises(ValidationFailed, match="only users of a company"):
        user_set_level(actor=personas.admin, user=personas.finance, level="tree")
    with pytest.raises(ValidationFailed, match="level: choose"):
        user_set_level(actor=personas.admin, user=personas.alice, level="all")


def test_the_database_refuses_a_level_that_is_not_one_of_the_levels(personas: Personas) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=personas.alice.pk).update(permission_level="everything")
