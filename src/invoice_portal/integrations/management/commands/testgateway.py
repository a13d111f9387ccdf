"""``invoice-portal testgateway``: make the test gateway deliver late, duplicate and out-of-order webhooks.

invoice-portal testgateway list                       # events held back, and the last deliveries
invoice-portal testgateway deliver [EVENT_ID …]       # deliver held events (or the named ones)
    [--reverse] [--twice]                             #   newest first / each two times
invoice-portal testgateway emit SESSION TYPE [--now]  # a new event for a session, e.g. a success after a cancel
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from invoice_portal.core.errors import NotFound
from invoice_portal.integrations.testgateway import provider
from invoice_portal.integrations.testgateway.models import SimulatedWebhook


class Command(BaseCommand):
    help = "Deliver the test gateway's webhooks late, twice or out of order; emit any event for a session."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Held events and recent deliveries")
        deliver = sub.add_parser("deliver", help="Deliver held events, or the named ones")
        deliver.add_argument("event_ids", nargs="*")
        deliver.add_argument("--reverse", action="store_true", help="Newest first")
        deliver.add_argument("--twice", action="store_true", help="Deliver each event two times")
        emit = sub.add_parser("emit", help="Create an event for a session (held unless --now)")
        emit.add_argument("session")
        emit.add_argument("type", choices=provider.EVENT_TYPES)
        emit.add_argument("--now", action="store_true", help="Deliver it at once")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for webhook in SimulatedWebhook.objects.order_by("-created_at")[:50]:
                state = "held" if webhook.held else f"delivered {webhook.attempts}× (last {webhook.last_status})"
                self.stdout.write(f"{webhook.event_id}  {webhook.event_type:<20} {webhook.session_id or '-':<30} {state}")
            return
        try:
            if action == "deliver":
                results = provider.deliver_held(event_ids=options["event_ids"], reverse=options["reverse"], twice=options["twice"])
                for webhook, status in results:
                    self.stdout.write(f"{webhook.event_id}  {webhook.event_type:<20} → {status}")
                if not results:
                    self.stdout.write("Nothing held.")
            elif action == "emit":
                session = provider.session_get(options["session"])
                webhook = provider.event_emit(session=session, event_type=options["type"], hold=not options["now"])
                webhook.refresh_from_db()
                self.stdout.write(f"{webhook.event_id}  {webhook.event_type}  {'held' if webhook.held else webhook.last_status}")
        except NotFound as exc:
            raise CommandError(exc.message) from None
