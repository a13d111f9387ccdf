from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoice_portal.settings")
application = get_wsgi_application()

from invoice_portal.core.collector import startup_heap_frozen  # noqa: E402  (after Django is set up)

startup_heap_frozen()
