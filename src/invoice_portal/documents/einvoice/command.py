"""``invoice-portal import FILE.xml``: one e-invoice the ERP issued, validated and stored as ``POST /api/v1/invoices`` does."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from invoice_portal.accounts.models import User
from invoice_portal.audit.context import origin
from invoice_portal.core.errors import DomainError
from invoice_portal.documents.einvoice.intake import EInvoiceNotValid, issued_einvoice_import


class _DryRun(Exception):
    pass


def import_einvoice_file(command: BaseCommand, *, path: Path, payload: bytes, user_email: str | None, dry_run: bool) -> None:
    """Import ``payload``; every broken rule on stderr and exit status 1 when it is refused. Channel ``import``:
    like the ERP's CSV imports, nothing is emailed (the ERP is the system of record)."""
    actor = None
    if user_email:
        actor = User.objects.filter(email=user_email.lower(), is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {user_email}.")
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
    invoice = result.invoice
    kept = f"attachment {result.attachment.pk}" if result.attachment else "no attachment"
    verb = "imported as" if result.created else "was imported already as"
    command.stdout.write(
        command.style.SUCCESS(
            f"{path.name}: {verb} {invoice.get_kind_display().lower()} {invoice.number} for {invoice.company.name} "
            f"({invoice.total} {invoice.currency}, id {invoice.pk}; original: {kept})."
        )
    )
