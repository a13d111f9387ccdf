from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

# Property tests draw the same examples on every run (a seed per test, from its name), so `make test` in CI
# repeats exactly what passed on the developer's machine; `HYPOTHESIS_PROFILE=explore` draws fresh ones
# (and keeps the failures it finds in .hypothesis/) to hunt for new counterexamples.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` (concurrency, locking) run only in the PostgreSQL leg."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL leg of make test)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _builtin_roles(request: pytest.FixtureRequest) -> None:
    """The built-in roles come from a data migration; a transactional test's flush removes them, so every
    database test gets them back before it starts."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not uses_db:
        return
    request.getfixturevalue("_django_db_helper")
    from invoice_portal.accounts.services import roles_ensure_builtin

    roles_ensure_builtin()


@pytest.fixture
def personas(db: Any) -> Any:
    from invoice_portal.testing import make_personas

    return make_personas()


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
