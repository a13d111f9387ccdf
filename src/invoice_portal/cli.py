"""The ``invoice-portal`` command: Django's management commands under the product's name."""

from __future__ import annotations

import os
import sys

from invoice_portal.audit.context import origin


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoice_portal.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        django.setup()  # as execute_from_command_line would, to freeze the startup heap before the command runs
    except ImproperlyConfigured:
        pass  # execute_from_command_line reports it
    else:
        from invoice_portal.core.collector import startup_heap_frozen

        startup_heap_frozen()

    argv = [sys.argv[0], *[arg.replace("-", "_") if i == 0 else arg for i, arg in enumerate(sys.argv[1:])]]
    with origin("cli", " ".join(sys.argv[1:2])):
        execute_from_command_line(argv)


if __name__ == "__main__":
    main()
