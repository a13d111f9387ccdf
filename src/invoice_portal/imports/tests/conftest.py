from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.accounts.services import roles_ensure_builtin


@pytest.fixture(autouse=True)
def _builtin_roles(db: Any) -> None:
    """The built-in roles come from a data migration; a transactional test (which flushes the database at its
    end) removes them for every later test of a --reuse-db run. Put them back; it is a no-op when present."""
    roles_ensure_builtin()
