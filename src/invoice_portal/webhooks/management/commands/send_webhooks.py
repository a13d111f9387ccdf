"""``invoice-portal send-webhooks``: hand due and stuck webhook deliveries to the worker, and stamp event
positions. The worker does both by itself; this sweep (cron, every few minutes) covers lost tasks and
task backends that cannot schedule a retry for later."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from invoice_portal.events.services import events_stamp_all
from invoice_portal.webhooks.services.deliveries import deliveries_sweep


class Command(BaseCommand):
    help = "Queue due webhook deliveries again (lost tasks, a worker killed mid-send) and stamp unstamped events."

    def handle(self, *args: Any, **options: Any) -> None:
        stamped = events_stamp_all()
        swept = deliveries_sweep()
        self.stdout.write(f"{stamped} events stamped, {swept} deliveries handed to the worker.")
