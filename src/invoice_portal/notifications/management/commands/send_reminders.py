"""``invoice-portal send-reminders``: the reminder schedule's run, plus a sweep of the outbox. Run it daily (cron) or hourly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from invoice_portal.audit.context import origin
from invoice_portal.notifications.services import messages_sweep, reminders_run


class Command(BaseCommand):
    help = "Queue the payment reminders the schedule says are due, and hand stale outbox messages to the worker again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, help="Run as of this day (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        with origin("cli", "send-reminders"):
            run = reminders_run(today=options["date"])
            swept = messages_sweep()
        self.stdout.write(f"{len(run.sent)} reminders queued, {run.skipped} already sent by another run, {swept} stale messages retried.")
