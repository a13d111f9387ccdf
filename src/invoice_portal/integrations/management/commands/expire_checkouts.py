"""``invoice-portal expire-checkouts``: end pending checkouts past their expiry (run it from cron or the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from invoice_portal.payments.checkout import checkout_expire_stale


class Command(BaseCommand):
    help = "Mark pending checkouts past their expiry as expired and cancel their pending payments."

    def handle(self, *args: Any, **options: Any) -> None:
        count = checkout_expire_stale()
        self.stdout.write(f"{count} checkout(s) expired.")
