"""What ``DJANGO_ENV=production`` requires before the app starts (read by ``settings``; no Django imports).

A production start with a development value would run "fine" and fail later in ways nobody sees:
emails linking to 127.0.0.1, a SQLite file on one web server of several, mail going nowhere. So
each missing or development value is named and the start refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

DEVELOPMENT_HOSTS = frozenset({"127.0.0.1", "localhost", "testserver", "0.0.0.0", "::1", "[::1]", "*"})  # noqa: S104
REQUIRED_MAIL = ("EMAIL_HOST", "DEFAULT_FROM_EMAIL")


def _host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def production_problems(env: Mapping[str, str]) -> list[str]:
    """Every reason ``env`` is not fit for production; empty when it is."""
    problems: list[str] = []
    if not env.get("SECRET_KEY", "").strip():
        problems.append("SECRET_KEY must be set (a long random string, kept secret).")
    if env.get("DEBUG", "0") == "1":
        problems.append("DEBUG=1 shows tracebacks and settings to anyone; unset it in production.")
    hosts = [h.strip().lower() for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        problems.append("ALLOWED_HOSTS must name the host names the portal answers to (comma-separated).")
    elif dev := sorted(set(hosts) & DEVELOPMENT_HOSTS):
        problems.append(f"ALLOWED_HOSTS still holds development values: {', '.join(dev)}.")
    base = env.get("PORTAL_BASE_URL", "").strip()
    if not base:
        problems.append("PORTAL_BASE_URL must be set to the address customers reach the portal at (links in emails).")
    elif urlsplit(base).scheme != "https" or _host_of(base) in DEVELOPMENT_HOSTS or not _host_of(base):
        problems.append(f"PORTAL_BASE_URL is a development value ({base}); use the public https:// address.")
    database = env.get("DATABASE_URL", "").strip()
    if not database:
        problems.append("DATABASE_URL must be set (postgresql://…); the embedded SQLite database is for the demo only.")
    elif not database.startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must be a PostgreSQL database (postgresql://…); SQLite is for the demo only.")
    backend = env.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    if not backend.endswith("smtp.EmailBackend"):
        problems.append(f"EMAIL_BACKEND {backend} does not send mail; production sends through SMTP.")
    missing_mail = [name for name in REQUIRED_MAIL if not env.get(name, "").strip()]
    if missing_mail:
        problems.append(f"Mail settings missing: {', '.join(missing_mail)} (and EMAIL_PORT, EMAIL_HOST_USER, … as the server needs).")
    return problems
