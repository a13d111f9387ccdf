"""``invoice-portal db-worker``: the background worker that retries a locked database and never dies silently.

Replaces django-tasks' ``db_worker`` of the same name (``invoice_portal.core`` is listed before
``django_tasks_db`` in INSTALLED_APPS); see ``invoice_portal.core.worker``.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from typing import Any

from django.db import DatabaseError
from django_tasks_db.management.commands.db_worker import Command as LibraryCommand

from invoice_portal.core.worker import Heartbeat, ResilientWorker, heartbeat_write

logger = logging.getLogger("invoice_portal.core.worker")


class Command(LibraryCommand):
    help = "Run the background worker (imports, emails): retries a locked database, exits non-zero on any other error."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        # The autoreloader runs the worker in a thread that can die while the process lives on.
        parser.set_defaults(reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        if options.get("reload"):
            logger.warning("--reload is not supported by this worker; running without it.")
        queues = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = ResilientWorker(
            queue_names=queues, interval=options["interval"], batch=options["batch"], backend_name=options["backend_name"],
            startup_delay=options["startup_delay"], max_tasks=options["max_tasks"], worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )  # fmt: skip
        heartbeat = Heartbeat(worker_id=worker.worker_id, alive=lambda: worker.running)
        heartbeat.start()
        worker.configure_signals()
        try:
            worker.run()
        except Exception as exc:
            logger.exception("The worker stopped on an error; exiting so that its supervisor restarts it")
            with contextlib.suppress(DatabaseError):  # the database may be the very thing that failed
                heartbeat_write(worker_id=worker.worker_id, started_at=heartbeat.started_at, error=traceback.format_exc())
            worker.running = False
            sys.exit(f"db-worker: {type(exc).__name__}: {exc}")
        finally:
            worker.running = False
