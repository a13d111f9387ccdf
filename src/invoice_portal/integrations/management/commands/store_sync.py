"""``invoice-portal store-sync --since 2026-11-01 [--connection ID] [--restart]``: the store backfill.

Pages through the store's orders modified since the date and syncs each through the same path as the
webhooks; an interrupted run with the same ``--since`` resumes at the page it stopped on.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from invoice_portal.audit.context import origin
from invoice_portal.integrations.models import StoreConnection
from invoice_portal.integrations.stores.base import StoreError
from invoice_portal.integrations.stores.registry import store_connector
from invoice_portal.integrations.stores.sync import BackfillProgress, connection_note_error, store_backfill


class Command(BaseCommand):
    help = "Backfill store orders modified since a date (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="YYYY-MM-DD or an ISO 8601 moment (UTC when no offset)")
        parser.add_argument("--connection", type=int, help="the connection id (needed when there are several)")
        parser.add_argument("--restart", action="store_true", help="start from the first page even if a run was interrupted")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since = dt.datetime.fromisoformat(options["since"])
        except ValueError as exc:
            raise CommandError(f"--since: {options['since']!r} is not a date (YYYY-MM-DD).") from exc
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        connections = StoreConnection.objects.all()
        if options["connection"]:
            connections = connections.filter(pk=options["connection"])
        found = list(connections[:2])
        if not found:
            raise CommandError(
                "No store connection"
                + (f" {options['connection']}." if options["connection"] else ": add one on the seller app's Store page.")
            )
        if len(found) > 1:
            raise CommandError("Several store connections: choose one with --connection ID.")
        connection = found[0]
        cursor = connection.backfill_cursor or {}
        if not options["restart"] and cursor.get("since") == since.isoformat() and not cursor.get("finished"):
            self.stdout.write(f"Resuming at page {cursor.get('page')} ({cursor.get('done')} orders done before).")
        try:
            with origin("cli", f"store-sync {connection.store_hash}"):
                result = store_backfill(
                    connection=connection,
                    connector=store_connector(connection),
                    since=since,
                    progress=self._progress,
                    restart=options["restart"],
                )
        except StoreError as exc:
            connection_note_error(connection, exc.message)
            self.stdout.write("")
            raise CommandError(f"{exc.message} Run the same command again to resume.") from exc
        self.stdout.write("")
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(result.outcomes.items())) or "no orders"
        self.stdout.write(self.style.SUCCESS(f"Done: {result.done} orders since {since:%Y-%m-%d %H:%M} ({summary})."))

    def _progress(self, state: BackfillProgress) -> None:
        if state.total:
            filled = min(30, int(30 * state.done / state.total))
            line = f"\r[{'#' * filled}{'.' * (30 - filled)}] {state.done}/{state.total} orders (page {state.page})"
        else:
            line = f"\r{state.done} orders (page {state.page})"
        self.stdout.write(line, ending="")
        if not sys.stdout.isatty():
            self.stdout.flush()
