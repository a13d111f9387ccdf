"""Attachments (the kept original of every imported e-invoice) are compressed with lz4 on PostgreSQL (see core.compression)."""

from __future__ import annotations

from django.db import migrations

from invoice_portal.core.compression import lz4_operation


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_sent_invoice_responses")]
    operations = [lz4_operation("documents_documentattachment", ("content",))]
