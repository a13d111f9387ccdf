"""``invoice-portal demo-store [--port 8001]``: serve the demo's fake BigCommerce store until interrupted.

``scripts/serve-demo`` runs it beside the web server and the worker, so the demo's store connection
(``load-demo`` points it at ``http://127.0.0.1:DEMO_STORE_PORT``) answers "Sync now". The orders are the
ones ``load-demo`` synced, dated from the same moment (the connection's creation).
"""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from invoice_portal.integrations.bigcommerce.demo import DEMO_STORE_HASH, demo_fake_store, demo_store_anchor, demo_store_port


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Serve the demo's fake BigCommerce store on 127.0.0.1 until Ctrl-C (make demo runs it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=None, help="the port (DEMO_STORE_PORT, 8001 unless set)")

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = demo_store_anchor()
        if anchor is None:
            raise CommandError(f"No demo store connection ({DEMO_STORE_HASH}): run `invoice-portal load-demo` first.")
        port = options["port"] or demo_store_port()
        try:
            fake = demo_fake_store(anchor=anchor).start(port)
        except OSError as exc:
            raise CommandError(f"Port {port} is taken ({exc}): set DEMO_STORE_PORT to a free one and run load-demo again.") from exc
        # serve-demo stops its children with SIGTERM: end as on Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        self.stdout.write(f"Demo store {DEMO_STORE_HASH} serving at {fake.url} ({len(fake.orders)} orders).")
        try:
            fake.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            fake.stop()
            self.stdout.write("Demo store stopped.")
