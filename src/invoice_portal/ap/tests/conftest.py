"""Fixtures of the AP tests: the AP personas, and for the browser tests one Chromium per module, the personas
in a transactional database and ``open_as`` (a signed-in page per user on the live server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.browser_testing import launched_chromium, signed_in_pages
from invoice_portal.payables.testing import ApPersonas, make_ap_personas
from invoice_portal.payables.tests.conftest import ap

__all__ = ["ap", "browser", "open_as", "people"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def people(browser: Any, transactional_db: Any) -> ApPersonas:
    roles_ensure_builtin()
    return make_ap_personas()


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    with signed_in_pages(browser, live_server.url, timeout_ms=15_000, accept_downloads=True) as open_page:
        yield open_page
