from __future__ import annotations

from typing import Any

from django.db import migrations


def create_builtin_roles(apps: Any, schema_editor: Any) -> None:
    from invoice_portal.accounts.permissions import BUILTIN_ROLES

    Role = apps.get_model("accounts", "Role")
    RoleGrant = apps.get_model("accounts", "RoleGrant")
    for spec in BUILTIN_ROLES:
        role, created = Role.objects.get_or_create(
            code=spec.code,
            defaults={"name": spec.name, "audience": spec.audience.value, "description": spec.description, "is_builtin": True},
        )
        if created:
            RoleGrant.objects.bulk_create(
                RoleGrant(role=role, permission=code, level=level.value if level else None) for code, level in spec.grants.items()
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_builtin_roles, migrations.RunPython.noop)]
