"""``invoice-portal import FILE.xml …``: e-invoices the ERP issued, validated and stored as ``POST /api/v1/invoices`` does.

One file goes through ``issued_einvoice_import``; several files (or a directory's ``*.xml``) are read and validated in
worker processes (``reading``), every refusal listed, and stored together through ``issued_einvoices_store``, chunk by
chunk in one transaction: all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from invoice_portal.accounts.models import User
from invoice_portal.audit.context import origin
from invoice_portal.core.errors import DomainError
from invoice_portal.documents.einvoice.intake import IssuedImport, issued_einvoice_import, issued_einvoices_store
from invoice_portal.documents.einvoice.parse import EInvoice
from invoice_portal.documents.einvoice.reading import EInvoiceNotValid, einvoice_read_valid, einvoices_read


class _DryRun(Exception):
    pass


class _Refused(Exception):
    """Some file was refused: roll back what the batch stored."""


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
    file), then stored together, all or nothing; exit status 1 and nothing written when any is refused.

    The files are read and validated in worker processes a chunk at a time (``reading.einvoices_read``); while
    none is refused, each chunk is stored as it comes back, inside the one transaction, so storing overlaps the
    reading of the next. A refusal (or a document that cannot be stored) stops the storing, the reading goes on to
    list every refusal, and the transaction is rolled back: nothing is imported."""
    actor = _actor(user_email)
    payloads: list[bytes] = []
    for path in paths:
        try:
            payloads.append(path.read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    names = [p.name for p in paths]
    refused = 0
    results: list[IssuedImport] = []
    store_error: DomainError | None = None  # a document the batch could not store (an unknown buyer, a number taken)
    try:
        with origin("import", f"files:{len(paths)}"), transaction.atomic():
            first = 0
            for docs in einvoices_read(payloads):
                part = range(first, first + len(docs))
                first += len(docs)
                stored: list[tuple[bytes, EInvoice]] = []
                for i, doc in zip(part, docs, strict=True):
                    try:
                        stored.append((payloads[i], doc if doc is not None else einvoice_read_valid(payloads[i])))
                    except EInvoiceNotValid as exc:
                        refused += 1
                        for violation in exc.violations:
                            command.stderr.write(f"{names[i]}: [{violation.rule}] {violation.message} ({violation.location})")
                    except DomainError as exc:
                        refused += 1
                        command.stderr.write(f"{names[i]}: {exc.message}")
                if not refused and store_error is None:
                    try:
                        results += issued_einvoices_store(actor=actor, documents=stored, filenames=names[part.start : part.stop])
                    except DomainError as exc:  # its chunk is rolled back (a savepoint); the reading goes on
                        store_error = exc
            if refused:
                raise _Refused
            if store_error is not None:
                raise store_error
            if dry_run:
                raise _DryRun
    except _Refused:
        raise CommandError(f"{refused} of {len(paths)} files refused; nothing was imported.") from None
    except _DryRun:
        command.stdout.write(command.style.SUCCESS(f"{len(paths)} files: valid; they would be imported (dry run: nothing written)."))
        return
    except DomainError as exc:
        raise CommandError(f"{exc.message} Nothing was imported from the {len(paths)} files.") from None
    for path, result in zip(paths, results, strict=True):
        _report(command, path.name, result)
