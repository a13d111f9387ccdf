from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"), reason="one run is enough")
def test_invoice_portal_command_runs_check_books_on_a_fresh_database(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("invoice-portal")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "DJANGO_SETTINGS_MODULE": "invoice_portal.settings"}
    subprocess.run([str(exe), "migrate", "-v0"], check=True, env=env, timeout=120)
    result = subprocess.run([str(exe), "check-books"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "consistent" in result.stdout


def test_a_log_line_of_the_worker_is_printed_once(capsys) -> None:
    """The worker (``invoice-portal db-worker``) logs through Django's "django.tasks" logger; with DEBUG on (the
    demo) Django's own console handler and the root's both printed each line."""
    import logging

    from django.conf import settings
    from django.test import override_settings
    from django.utils.log import configure_logging

    with override_settings(DEBUG=True):
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
        try:
            logging.getLogger("django.tasks").info("Task t-1 state=RUNNING")
            printed = capsys.readouterr().err
        finally:
            configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    assert printed.count("Task t-1 state=RUNNING") == 1
