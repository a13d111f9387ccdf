"""``invoice-portal import FILE``: import a CSV or JSON batch from the command line, with a progress bar (or e-invoices: FILE.xml …)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from invoice_portal.accounts.models import User
from invoice_portal.imports.models import ImportFormat, ImportKind, ImportStatus
from invoice_portal.imports.services import import_batch_create, import_batch_run

BAR_WIDTH = 30


class ProgressBar:
    """One line on stderr redrawn in place on a terminal; a line per 10 % otherwise (logs stay short)."""

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self._last: tuple[str, int] = ("", -1)
        self._drawn = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        step = int(fraction * 10)
        now = time.monotonic()
        if self.tty:
            if now - self._drawn < 0.1 and done < total:
                return
            self._drawn = now
        elif (phase, step) == self._last:
            return
        self._last = (phase, step)
        filled = int(BAR_WIDTH * fraction)
        rate = done / (now - self.started) if now > self.started else 0
        line = f"{phase:<10} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done:>9,}/{total:,} rows  {rate:,.0f} rows/s"
        self.stream.write(f"\r{line}" if self.tty else line, ending="" if self.tty else "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("", ending="\n")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import invoices, orders or payments from a CSV file or a JSON batch (columns: docs/imports.md). "
        "All or nothing: any invalid row and nothing is written; exit status 1 with every row's errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="+",
            help="a .csv file, a .json batch {kind, rows}, or .xml e-invoices (UBL or CII) the ERP issued: files or directories, "
            "imported as one batch (all or nothing)",
        )  # fmt: skip
        parser.add_argument("--kind", choices=ImportKind.values, help="what the file holds (default: the JSON batch's kind, else invoices)")
        parser.add_argument("--format", choices=ImportFormat.values, help="default: from the file name (.json → json, else csv)")
        parser.add_argument("--dry-run", action="store_true", help="validate and report what would happen; write nothing")
        parser.add_argument("--as", dest="user", metavar="EMAIL", help="the user the changes are recorded under (default: the system)")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(name) for name in options["file"]]
        if not options["format"] and (len(paths) > 1 or paths[0].is_dir()):
            from invoice_portal.documents.einvoice.command import einvoice_files, import_einvoice_files

            files = einvoice_files(paths)
            if any(p.suffix.lower() != ".xml" for p in files):
                raise CommandError("Several files are imported together only as .xml e-invoices; import a CSV or JSON file on its own.")
            if len(files) > 1:
                import_einvoice_files(self, paths=files, user_email=options["user"], dry_run=options["dry_run"])
                return
            paths = files
        if len(paths) > 1:
            raise CommandError("Import a CSV or JSON file on its own.")
        path = paths[0]
        try:
            payload = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        if path.suffix.lower() == ".xml" and not options["format"]:
            from invoice_portal.documents.einvoice.command import import_einvoice_file

            import_einvoice_file(self, path=path, payload=payload, user_email=options["user"], dry_run=options["dry_run"])
            return
        fmt = options["format"] or (ImportFormat.JSON if path.suffix.lower() == ".json" else ImportFormat.CSV)
        kind = options["kind"] or (_json_kind(payload) if fmt == ImportFormat.JSON else None) or ImportKind.INVOICES
        actor = None
        if options["user"]:
            actor = User.objects.filter(email=options["user"].lower(), is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['user']}.")
        batch = import_batch_create(actor=actor, kind=kind, fmt=fmt, payload=payload, filename=path.name, dry_run=options["dry_run"])
        bar = ProgressBar(self.stderr)
        try:
            batch = import_batch_run(batch_id=batch.pk, progress=bar)
        finally:
            bar.close()
        if batch.status != ImportStatus.SUCCEEDED:
            for error in batch.errors:
                where = f"row {error['row']}" + (f", {error['column']}" if error["column"] else "")
                self.stderr.write(f"{where}: {error['message']}")
            more = batch.errors_total - len(batch.errors)
            if more > 0:
                self.stderr.write(f"… and {more:,} more.")
            raise CommandError(f"Import #{batch.pk} failed with {batch.errors_total:,} error(s); nothing was written.")
        summary = batch.summary
        rate = summary.get("documents_per_second") or 0
        verb = "would be" if batch.dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"Import #{batch.pk}: {summary['documents']:,} {kind} from {batch.rows_total:,} rows — "
                f"{summary['created']:,} {verb} created, {summary['updated']:,} updated, {summary['unchanged']:,} unchanged"
                + ("" if batch.dry_run else f" ({rate:,.0f} per second)")
                + (" (dry run: nothing written)." if batch.dry_run else ".")
            )
        )


def _json_kind(payload: bytes) -> str | None:
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    kind = body.get("kind") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) else None
