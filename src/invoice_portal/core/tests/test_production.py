"""DJANGO_ENV=production refuses development values; ``check --deploy`` is clean; no traceback outside DEBUG."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from invoice_portal.production import production_problems

SRC = str(Path(__file__).resolve().parents[3])
GOOD = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k9#Qv2!rT8zL@w4pX7&nB1^sF6*eH3%yJ0(mC5)uG2-aD8+iK4=oR7",
    "ALLOWED_HOSTS": "portal.example.com",
    "PORTAL_BASE_URL": "https://portal.example.com",
    "DATABASE_URL": "postgresql://portal@db.internal:5432/portal",
    "EMAIL_HOST": "smtp.example.com",
    "DEFAULT_FROM_EMAIL": "billing@example.com",
}


def _run(env: dict[str, str], *args: str, var: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD and k not in ("DEBUG", "EMAIL_BACKEND", "DJANGO_SETTINGS_MODULE")}
    full = clean | {"PYTHONPATH": SRC, "DJANGO_SETTINGS_MODULE": "invoice_portal.settings"} | env
    if var is not None:
        full["INVOICE_PORTAL_VAR"] = str(var)
    return subprocess.run([sys.executable, "-m", "invoice_portal.cli", *args], env=full, capture_output=True, text=True, timeout=120)


def test_a_complete_production_configuration_passes_check_deploy_without_a_warning() -> None:
    result = _run(GOOD, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "named"),
    [({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must name"), ({"ALLOWED_HOSTS": "127.0.0.1,localhost,testserver"}, "development values"),
     ({"PORTAL_BASE_URL": ""}, "PORTAL_BASE_URL must be set"), ({"PORTAL_BASE_URL": "http://127.0.0.1:8000"}, "development value"),
     ({"DATABASE_URL": ""}, "DATABASE_URL must be set"), ({"DATABASE_URL": "sqlite:///var/x.sqlite3"}, "SQLite is for the demo"),
     ({"EMAIL_HOST": ""}, "Mail settings missing: EMAIL_HOST"), ({"DEFAULT_FROM_EMAIL": ""}, "DEFAULT_FROM_EMAIL"),
     ({"SECRET_KEY": ""}, "SECRET_KEY must be set"), ({"DEBUG": "1"}, "DEBUG=1")],
)  # fmt: skip
def test_production_refuses_to_start_with_a_missing_or_development_value(change: dict[str, str], named: str) -> None:
    env = {k: v for k, v in (GOOD | change).items() if v}
    assert any(named in problem for problem in production_problems(env))
    result = _run(env, "check")
    assert result.returncode != 0
    assert "refuses to start" in result.stderr
    assert named in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    show = ("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    result = _run({"DJANGO_ENV": "development"}, *show, var=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
    asked = _run({"DJANGO_ENV": "development", "DEBUG": "1"}, *show, var=tmp_path)
    assert asked.stdout.strip().splitlines()[-1] == "True", asked.stderr


@pytest.mark.django_db
def test_an_error_page_outside_debug_shows_no_traceback(monkeypatch: pytest.MonkeyPatch, personas) -> None:
    from invoice_portal import home as home_view

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(home_view, "applications_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(personas.admin)
    response = client.get("/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internals" not in body
    assert "Traceback" not in body


def test_the_embedded_database_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    show = (
        "shell", "-c",
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])\n"
        "    c.execute('PRAGMA busy_timeout'); print(c.fetchone()[0])",
    )  # fmt: skip
    result = _run({"DJANGO_ENV": "development"}, *show, var=tmp_path)
    assert result.stdout.strip().splitlines()[-2:] == ["wal", "20000"], result.stderr
