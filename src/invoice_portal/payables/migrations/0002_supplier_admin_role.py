from __future__ import annotations

from typing import Any

from django.db import migrations

# Added with AP intake: a role and a permission that databases created before it lack.
NEW_ROLES = {"supplier_admin": ("Supplier admin", "supplier", "A supplier user who also invites and manages the supplier's colleagues.",
                                ("supplier.view", "supplier.submit", "supplier.users"))}  # fmt: skip
NEW_GRANTS = {"ap_clerk": ("ap.receive",)}


def add_roles(apps: Any, schema_editor: Any) -> None:
    Role = apps.get_model("accounts", "Role")
    RoleGrant = apps.get_model("accounts", "RoleGrant")
    for code, (name, audience, description, grants) in NEW_ROLES.items():
        role, created = Role.objects.get_or_create(
            code=code, defaults={"name": name, "audience": audience, "description": description, "is_builtin": True}
        )
        if created:
            RoleGrant.objects.bulk_create(RoleGrant(role=role, permission=p) for p in grants)
    for code, grants in NEW_GRANTS.items():
        role = Role.objects.filter(code=code).first()
        if role is not None:
            for permission in grants:
                RoleGrant.objects.get_or_create(role=role, permission=permission)


class Migration(migrations.Migration):
    dependencies = [("payables", "0001_initial"), ("accounts", "0004_user_permission_level")]
    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
