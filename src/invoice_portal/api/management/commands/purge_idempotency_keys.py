"""``invoice-portal purge-idempotency-keys``: forget Idempotency-Key answers older than 24 hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from invoice_portal.api.services import IDEMPOTENCY_RETENTION, idempotency_keys_purge


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key answers older than the retention period (at least 24 hours)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=int(IDEMPOTENCY_RETENTION.total_seconds() // 3600))

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = idempotency_keys_purge(older_than=dt.timedelta(hours=options["hours"]))
        self.stdout.write(f"Deleted {deleted} idempotency key(s).")
