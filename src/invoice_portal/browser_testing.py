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


VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

# What sticks out of the window sideways: elements whose right edge passes the viewport and that no
# scrolling box of their own holds (a wide table may scroll inside its `.table-wrap`, never the page).
_OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const held = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && !held(el)) {
      const classes = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes} right=${Math.round(r.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 8)};
}
"""

# Cells that must read on one line (document numbers, customer ids): an inline element that wrapped has
# more than one client rectangle.
_WRAPPED_JS = """
(selector) => [...document.querySelectorAll(selector)].filter((el) => el.getClientRects().length > 1).map((el) => el.textContent.trim())
"""


# Boxes whose content is wider than they are (a table that has to scroll inside its `.table-wrap`).
_CLIPPED_JS = """
(selector) => [...document.querySelectorAll(selector)].filter((el) => el.scrollWidth > el.clientWidth + 1)
  .map((el) => `${el.className}: ${el.scrollWidth} px of content in ${el.clientWidth} px`)
"""


def layout_problems(page: Any, *, one_line: str = "", fits: str = "") -> list[str]:
    """What is wrong with the layout of the page as shown now: a horizontal scroll of the whole page (and the
    elements causing it), the elements matching ``one_line`` that wrapped onto a second line, and the boxes
    matching ``fits`` whose content does not fit them (so has to scroll sideways inside them)."""
    found = page.evaluate(_OVERFLOW_JS)
    problems = []
    if found["scroll"] > found["width"]:
        problems.append(f"the page scrolls sideways: {found['scroll']} px wide in a {found['width']} px window; {found['out']}")
    if one_line:
        problems += [f"wrapped onto two lines: {text!r}" for text in page.evaluate(_WRAPPED_JS, one_line)]
    if fits:
        problems += [f"does not fit: {text}" for text in page.evaluate(_CLIPPED_JS, fits)]
    return problems


def layout_problems_at_each_size(page: Any, *, one_line: str = "", fits: str = "", name: str = "", shots: Path | None = None) -> list[str]:
    """``layout_problems`` on a desktop (1366×900) and a phone (390×844) window, each prefixed by its size;
    ``fits`` is checked on the desktop only (on a phone a wide table may scroll inside its box). The page
    is reloaded at each size and left at the desktop size; with ``shots`` each size is saved as a PNG."""
    problems = []
    for size, viewport in (("phone", VIEWPORTS["phone"]), ("desktop", VIEWPORTS["desktop"])):
        page.set_viewport_size(viewport)
        page.reload()
        problems += [f"{size}: {p}" for p in layout_problems(page, one_line=one_line, fits=fits if size == "desktop" else "")]
        if shots is not None and name:
            screenshot(page, f"{name}-{viewport['width']}", default_dir=shots)
    return problems
