"""Column compression on PostgreSQL: the large values written with every imported document (its original
XML, the snapshots in its audit events) are compressed with lz4 instead of the default pglz.

Measured on the bench (`bench/einvoice_import.py`'s documents, 5.8 kB of UBL each): writing a kept original
takes ~18 µs with lz4 against ~50 µs with pglz, for 2.1 kB stored instead of 1.6 kB. lz4 exists in
PostgreSQL 14 and later when the server was built with it (Debian's and the PGDG packages are); elsewhere the
columns keep the server's default, which stores the same values, only slower to write.
"""

from __future__ import annotations

from typing import Any


def lz4_available(schema_editor: Any) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cursor.fetchone()
    return bool(row and row[0])


def compression_set(schema_editor: Any, table: str, columns: tuple[str, ...], method: str) -> None:
    """``ALTER COLUMN … SET COMPRESSION`` (metadata only: values already stored stay as they are)."""
    qn = schema_editor.quote_name
    for column in columns:
        schema_editor.execute(f"ALTER TABLE {qn(table)} ALTER COLUMN {qn(column)} SET COMPRESSION {method}")


def lz4_operation(table: str, columns: tuple[str, ...]) -> Any:
    """A migration operation: ``columns`` of ``table`` compressed with lz4 where the server has it (back: the default)."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        if lz4_available(schema_editor):
            compression_set(schema_editor, table, columns, "lz4")

    def backwards(apps: Any, schema_editor: Any) -> None:
        if lz4_available(schema_editor):
            compression_set(schema_editor, table, columns, "default")

    return migrations.RunPython(forwards, backwards, elidable=False)
