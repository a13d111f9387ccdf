"""Django settings for Invoice Portal.

One settings module, driven by environment variables. ``DJANGO_ENV=production``
switches on the production hardening (secure cookies, no demo password, a real
secret key required).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from invoice_portal.production import production_problems

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("INVOICE_PORTAL_VAR", PROJECT_DIR / "var"))

ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION and (_problems := production_problems(os.environ)):
    raise ImproperlyConfigured("DJANGO_ENV=production refuses to start:\n- " + "\n- ".join(_problems))

SECRET_KEY = os.environ.get("SECRET_KEY", "") or "dev-only-insecure-key-do-not-use-in-production"

# Off unless asked for (DEBUG=1): `make demo` asks; tracebacks are never shown otherwise.
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Before django_tasks_db: core's db_worker command (retries, heartbeat) replaces the library's.
    "invoice_portal.core",
    "django_tasks_db",
    "invoice_portal.accounts",
    "invoice_portal.companies",
    "invoice_portal.orders",
    "invoice_portal.invoices",
    "invoice_portal.payments",
    "invoice_portal.remittances",
    "invoice_portal.audit",
    "invoice_portal.documents",
    "invoice_portal.imports",
    "invoice_portal.api",
    "invoice_portal.seller",
    "invoice_portal.integrations",
    "invoice_portal.portal",
    "invoice_portal.notifications",
    "invoice_portal.demo",
    "invoice_portal.events",
    "invoice_portal.webhooks",
    "invoice_portal.payables",
    "invoice_portal.ap",
    "invoice_portal.supplier",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "invoice_portal.audit.middleware.AuditChannelMiddleware",
]

ROOT_URLCONF = "invoice_portal.urls"
WSGI_APPLICATION = "invoice_portal.wsgi.application"

# Stock inputs and selects written without a template per widget and option (core.forms.FormRenderer).
FORM_RENDERER = "invoice_portal.core.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'invoice-portal.sqlite3'}"
if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the worker share the embedded database;
    # IMMEDIATE transactions take the write lock up front, so two writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The list indexes' INCLUDE columns (``invoices.Invoice``) are a PostgreSQL speed-up (index-only counts at
    # scale); SQLite builds the same indexes without them, which is all the warning says.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Read-only reports and exports may read from a streaming replica (see core/db_router.py).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=60)
READ_REPLICA = "replica" if "replica" in DATABASES else ""
DATABASE_ROUTERS = ["invoice_portal.core.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["invoice_portal.accounts.backends.PortalBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Staff single sign-on (OpenID Connect, accounts/oidc.py): on only when the provider is configured.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_CREATE_USER = False
LOGIN_REDIRECT_URL_FAILURE = "login"
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "invoice_portal.accounts.oidc.StaffOIDCBackend"]

# The demo password is fixed so that docs and tests can use it; production refuses it.
DEMO_PASSWORD = "portal-demo-1"  # noqa: S105
ALLOW_DEMO_PASSWORD = not PRODUCTION
# Outbound webhooks may go to 127.0.0.1/::1 (tests, the demo's receiver); never in production (SSRF guard, webhooks/guard.py).
WEBHOOKS_ALLOW_LOOPBACK = os.environ.get("WEBHOOKS_ALLOW_LOOPBACK", "0" if PRODUCTION else "1") == "1" and not PRODUCTION
# Outbound webhooks carry invoice and payment data: https:// only in production (http:// for tests and the demo's receiver).
WEBHOOKS_REQUIRE_HTTPS = PRODUCTION

# The largest amount one payment, remittance advice or document may carry here (core.money.check_amount_limit),
# and the amount above which the seller app asks "Record a payment of $…?" before saving.
MONEY_MAX_AMOUNT = os.environ.get("MONEY_MAX_AMOUNT", "999999999.99")
MONEY_CONFIRM_ABOVE = os.environ.get("MONEY_CONFIRM_ABOVE", "100000.00")
for _name in ("MONEY_MAX_AMOUNT", "MONEY_CONFIRM_ABOVE"):
    if not re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,4})?", globals()[_name]):
        raise ImproperlyConfigured(f"{_name} must be a plain amount such as 999999999.99, not {globals()[_name]!r}.")

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static assets are served by the app itself (WhiteNoise), never from a CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
}

# Load balancers / reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is
# believed: login throttling and the audit trail then see the client's address, not the proxy's.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("SECURE_HSTS_PRELOAD", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Email: SMTP in production (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS);
# elsewhere every message is written to a file under var/mail/ and nothing leaves the machine.
_MAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend",
)
_MAIL_OPTIONS: dict[str, object] = {}
if _MAIL_BACKEND.endswith("filebased.EmailBackend"):
    _MAIL_OPTIONS["file_path"] = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
elif _MAIL_BACKEND.endswith("smtp.EmailBackend"):
    _MAIL_OPTIONS.update(
        host=os.environ.get("EMAIL_HOST", "localhost"),
        port=int(os.environ.get("EMAIL_PORT", "25")),
        username=os.environ.get("EMAIL_HOST_USER", ""),
        password=os.environ.get("EMAIL_HOST_PASSWORD", ""),
        use_tls=os.environ.get("EMAIL_USE_TLS", "0") == "1",
        timeout=30,
    )
MAILERS = {"default": {"BACKEND": _MAIL_BACKEND, "OPTIONS": _MAIL_OPTIONS}}
# Links in emails point here (the address customers reach the portal at).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "billing@invoice-portal.test")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        **{name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
        # Django's own default gives the "django" logger a console handler of its own (when DEBUG) and lets
        # its records reach the root's too: every line of the worker's log was printed twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
