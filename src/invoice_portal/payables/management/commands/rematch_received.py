"""``invoice-portal rematch-received``: match again every received invoice waiting in Pending Receiving.

A receipt re-runs matching for the invoices on its purchase order in its own transaction; this
sweep catches any that were missed (say, a receipt recorded by a direct database load). Run it hourly.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from invoice_portal.audit.context import origin
from invoice_portal.payables.services.received import received_invoices_sweep


class Command(BaseCommand):
    help = "Match again every received invoice waiting in Pending Receiving; print how many moved on."

    def handle(self, *args: Any, **options: Any) -> None:
        with origin("cli", "rematch-received"):
            moved = received_invoices_sweep()
        self.stdout.write(f"{len(moved)} received invoices moved on from Pending Receiving.")
