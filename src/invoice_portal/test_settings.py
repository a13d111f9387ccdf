"""Settings for the test suite: fast hashing, tasks run inline, database from TEST_DATABASE_URL."""

from __future__ import annotations

import os

import dj_database_url

from invoice_portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
DEBUG = False

_url = os.environ.get("TEST_DATABASE_URL", "sqlite://:memory:")
DATABASES = {"default": dj_database_url.parse(_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "invoice_portal_test")}

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

# Uploaded files and rendered-PDF caches of a test run go to a throwaway folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="invoice-portal-test-media-"))

# A second alias mirroring the test database stands in for a replica (tests turn READ_REPLICA on).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
READ_REPLICA = ""
