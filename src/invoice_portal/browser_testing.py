"""Plumbing shared by the browser tests of the seller app and the buyer portal.

Playwright drives the system's Chromium against pytest-django's live server. A test module marks itself
with ``requires_chromium`` and builds its ``browser`` and ``open_as`` fixtures from ``launched_chromium``
and ``signed_in_pages``; Playwright is imported only when a browser is launched, so importing this module
costs nothing where Playwright is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "pw-test-12345"  # noqa: S105 - the factories' password (testing.make_user)
# The machine's network is closed: without these flags Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip

# `make test` sets INVOICE_PORTAL_REQUIRE_BROWSER: there a missing Chromium fails instead of skipping.
requires_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("INVOICE_PORTAL_REQUIRE_BROWSER"), reason="Chromium is not installed"
)


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """A headless Chromium for the duration of the block."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests make
    # between browser steps are ordinary synchronous calls, so Django's async guard is lifted here only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@contextmanager
def signed_in_pages(
    browser: Any,
    base_url: str,
    *,
    timeout_ms: int,
    accept_downloads: bool = False,
    ignore_console: Callable[[str], bool] = lambda text: False,
) -> Iterator[Callable[[Any], Any]]:
    """Opens a signed-in page for a user; CSP refusals and script errors seen by any page fail the test on exit.

    ``ignore_console`` names console errors that do not count, on top of the "Failed to load resource"
    lines the tests' deliberate 403/404 probes produce.
    """
    contexts: list[Any] = []
    errors: list[str] = []

    def open_page(user: Any) -> Any:
        context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900}, accept_downloads=accept_downloads)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        page.on(
            "console",
            lambda m: (
                errors.append(f"{m.text} (at {m.location}, page {page.url})") if m.type == "error" and not ignore_console(m.text) else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("/login/")
        page.fill("#id_username", user.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/$"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    # What must never appear is a CSP refusal ("Refused to …") or a script error.
    assert not [e for e in errors if not e.startswith("Failed to load resource")], errors


def screenshot(page: Any, name: str, *, default_dir: Path) -> None:
    """Saves a full-page screenshot as ``<name>.png`` under ``SCREENSHOT_DIR``, else under ``default_dir``."""
    path = Path(os.environ.get("SCREENSHOT_DIR", default_dir))
    path.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path / f"{name}.png"), full_page=True)
