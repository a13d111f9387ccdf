from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from invoice_portal.demo.loader import ADMIN_EMAIL, build_demo, demo_exists


class Command(BaseCommand):
    help = "Load the demo data set (companies, users, orders, invoices, payments, disputes). A second run does nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with transaction.atomic():
            if demo_exists():
                self.stdout.write(f"The demo data set is loaded already ({ADMIN_EMAIL} exists); nothing to do.")
                return
            summary = build_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo data set loaded in {time.monotonic() - started:.1f} s:"))
        for group, counts in summary.items():
            self.stdout.write(f"  {group + ':':<19} " + ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in counts.items()))
