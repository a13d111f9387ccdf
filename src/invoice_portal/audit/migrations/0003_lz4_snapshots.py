"""The before/after snapshots of audit events are compressed with lz4 on PostgreSQL (see core.compression)."""

from __future__ import annotations

from django.db import migrations

from invoice_portal.core.compression import lz4_operation


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [lz4_operation("audit_auditevent", ("before", "after"))]
