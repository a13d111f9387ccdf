"""The ``invoice-portal`` command: Django's management commands under the product's name."""

from __future__ import annotations

import os
import sys

from invoice_portal.audit.context import origin


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoice_portal.settings")
    from django.core.management import execute_from_command_line

    argv = [sys.argv[0], *[arg.replace("-", "_") if i == 0 else arg for i, arg in enumerate(sys.argv[1:])]]
    with origin("cli", " ".join(sys.argv[1:2])):
        execute_from_command_line(argv)


if __name__ == "__main__":
    main()
