"""The webhook endpoint pages in Chromium at 1366 and 390 px (issue 12): the "Events" checkboxes read as one
labelled group, event ids never break mid-word, no page scrolls sideways; each is saved as a PNG."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.browser_testing import launched_chromium, layout_problems_at_each_size, requires_chromium, signed_in_pages
from invoice_portal.events.models import EventType
from invoice_portal.testing import make_invoice, make_personas
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]

SHOTS = Path(settings.PROJECT_DIR) / "var" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    with signed_in_pages(browser, live_server.url, timeout_ms=10_000, ignore_console=lambda text: "favicon" in text) as open_page:
        yield open_page


def test_the_endpoint_pages_read_well_on_a_desktop_and_a_phone(open_as: Callable[[Any], Any]) -> None:
    roles_ensure_builtin()
    personas = make_personas()
    admin = personas.admin
    endpoint = webhook_endpoint_create(
        actor=admin, url="http://127.0.0.1:9/hooks/invoice-portal/erp-connector", event_types=[t.value for t in EventType],
        description="ERP",
    )  # fmt: skip
    make_invoice(company=personas.acme)  # an event, so the delivery log has a row
    page = open_as(admin)

    for name, url in (
        ("12-webhook-list", reverse("webhooks:endpoint_list")),
        ("12-webhook-endpoint", reverse("webhooks:endpoint_detail", args=[endpoint.pk])),
    ):
        page.goto(url)
        problems = layout_problems_at_each_size(page, one_line=".event-id", name=name, shots=SHOTS)
        events = page.locator("fieldset:has(legend:text('Events'))")
        sync_api.expect(events).to_be_visible()  # one group, named by its legend above the boxes
        assert problems == []
