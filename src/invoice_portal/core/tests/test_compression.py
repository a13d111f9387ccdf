"""The large columns written with every imported document are compressed with lz4 on PostgreSQL (core.compression)."""

from __future__ import annotations

import pytest
from django.db import connection

from invoice_portal.core.compression import lz4_available

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


class _Editor:
    connection = connection


def test_originals_and_audit_snapshots_are_compressed_with_lz4() -> None:
    if not lz4_available(_Editor()):
        pytest.skip("this PostgreSQL server was built without lz4")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attname, attcompression FROM pg_attribute "
            "WHERE (attrelid = 'documents_documentattachment'::regclass AND attname = 'content') "
            "OR (attrelid = 'audit_auditevent'::regclass AND attname IN ('before', 'after')) ORDER BY 1, 2"
        )
        rows = cursor.fetchall()
    assert rows == [
        ("audit_auditevent", "after", "l"),
        ("audit_auditevent", "before", "l"),
        ("documents_documentattachment", "content", "l"),
    ]
