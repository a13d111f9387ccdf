"""``invoice-portal import FILE.xml …``: e-invoices the ERP issued, validated and stored as ``POST /api/v1/invoices`` does.

One file goes through ``issued_einvoice_import``; several files (or a directory's ``*.xml``) are each read and
validated first, every refusal listed, and then stored together through ``issued_einvoices_store``: all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from invoice_portal.accounts.models import User
from invoice_portal.audit.context import origin
from invoice_portal.core.errors import DomainError
from invoice_portal.documents.einvoice.intake import (
    EInvoiceNotValid,
    IssuedImport,
    einvoice_read_valid,
    issued_einvoice_import,
    issued_einvoices_store,
)
from invoice_portal.documents.einvoice.parse import EInvoice


class _DryRun(Exception):
    pass


def import_einvoice_file(command: BaseCommand, *, path: Path, payload: bytes, user_email: str | None, dry_run: bool) -> None:
    """Import ``payload``; every broken rule on stderr and exit status 1 when it is refused. Channel ``import``:
    like the ERP's CSV imports, nothing is emailed (the ERP is the system of record)."""
    actor = _actor(user_email)
    try:
        with origin("import", f"file:{path.name}"), transaction.atomic():
            result = issued_einvoice_import(actor=actor, xml=payload, filename=path.name)
            if dry_run:
                raise _DryRun
    except _DryRun:
        command.stdout.write(command.style.SUCCESS(f"{path.name}: valid; it would be imported (dry run: nothing written)."))
        return
    except EInvoiceNotValid as exc:
        for violation in exc.violations:
            command.stderr.write(f"[{violation.rule}] {violation.message} ({violation.location})")
        raise CommandError(f"{path.name}: {len(exc.violations)} EN 16931 rule(s) broken; nothing was imported.") from None
    except DomainError as exc:
        raise CommandError(f"{path.name}: {exc.message}") from None
    _report(command, path.name, result)


def _actor(user_email: str | None) -> User | None:
    if not user_email:
        return None
    actor = User.objects.filter(email=user_email.lower(), is_active=True).first()
    if actor is None:
        raise CommandError(f"No active user {user_email}.")
    return actor


def _report(command: BaseCommand, name: str, result: IssuedImport) -> None:
    invoice = result.invoice
    kept = f"attachment {result.attachment.pk}" if result.attachment else "no attachment"
    verb = "imported as" if result.created else "was imported already as"
    command.stdout.write(
        command.style.SUCCESS(
            f"{name}: {verb} {invoice.get_kind_display().lower()} {invoice.number} for {invoice.company.name} "
            f"({invoice.total} {invoice.currency}, id {invoice.pk}; original: {kept})."
        )
    )


def einvoice_files(paths: Sequence[Path]) -> list[Path]:
    """The files ``paths`` name: each file as given, a directory's ``*.xml`` files in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
            if not found:
                raise CommandError(f"{path} holds no .xml file.")
            files.extend(found)
        else:
            files.append(path)
    return files


def import_einvoice_files(command: BaseCommand, *, paths: Sequence[Path], user_email: str | None, dry_run: bool) -> None:
    """Import several e-invoice files as one batch: each read and validated (every refusal listed, file by
    file), then stored together, all or nothing; exit status 1 and nothing written when any is refused."""
    actor = _actor(user_email)
    documents: list[tuple[bytes, EInvoice]] = []
    refused = 0
    for path in paths:
        try:
            payload = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            documents.append((payload, einvoice_read_valid(payload)))
        except EInvoiceNotValid as exc:
            refused += 1
            for violation in exc.violations:
                command.stderr.write(f"{path.name}: [{violation.rule}] {violation.message} ({violation.location})")
        except DomainError as exc:
            refused += 1
            command.stderr.write(f"{path.name}: {exc.message}")
    if refused:
        raise CommandError(f"{refused} of {len(paths)} files refused; nothing was imported.")
    try:
        with origin("import", f"files:{len(paths)}"), transaction.atomic():
            results = issued_einvoices_store(actor=actor, documents=documents, filenames=[p.name for p in paths])
            if dry_run:
                raise _DryRun
    except _DryRun:
        command.stdout.write(command.style.SUCCESS(f"{len(paths)} files: valid; they would be imported (dry run: nothing written)."))
        return
    except DomainError as exc:
        raise CommandError(f"{exc.message} Nothing was imported from the {len(paths)} files.") from None
    for path, result in zip(paths, results, strict=True):
        _report(command, path.name, result)
