from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from invoice_portal.invoices.books import check_books


class Command(BaseCommand):
    help = "Verify every money rule and the seal chain over the whole database; exit 1 naming each violation."

    def handle(self, *args: Any, **options: Any) -> None:
        violations = check_books()
        for violation in violations:
            self.stderr.write(str(violation))
        if violations:
            raise CommandError(f"{len(violations)} violation(s) found.")
        self.stdout.write(self.style.SUCCESS("Books are consistent: totals, balances, allocations, statuses and seals all hold."))
