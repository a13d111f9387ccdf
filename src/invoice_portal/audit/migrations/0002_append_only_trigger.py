"""On PostgreSQL, refuse UPDATE and DELETE of audit events and seals in the database itself."""

from __future__ import annotations

from typing import Any

from django.db import migrations

# The doubled percent sign survives Django's parameter formatting as a single one.
FUNCTION = """
CREATE OR REPLACE FUNCTION invoice_portal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in ("audit_auditevent", "audit_documentseal"):
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION invoice_portal_append_only();"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ("audit_auditevent", "audit_documentseal"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
