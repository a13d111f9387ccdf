"""Reports and CSV exports read from the replica when one is configured; everything else stays on the primary.

The test database has a second alias, ``replica``, mirroring it (as a streaming replica would); the
queries each alias receives are captured, so the test sees where every read went.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoice_portal.core.db_router import read_alias
from invoice_portal.seller.tests.conftest import World

# The writes are committed (transaction=True), as a replica only ever sees committed rows.
pytestmark = pytest.mark.django_db(databases=["default", "replica"], transaction=True)


def _reads(captured: CaptureQueriesContext, table: str) -> int:
    # A SELECT, or on PostgreSQL the server-side cursor a streamed export reads through.
    reads = ("SELECT", "DECLARE")
    return sum(1 for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(reads) and table in q["sql"])


def _get(client: Any, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    "url",
    [reverse("seller:reports"), reverse("seller:report_export", args=["aging"]), reverse("seller:invoices_export")],
)
def test_reports_and_exports_read_the_replica_when_configured(world: World, login, url: str) -> None:
    client = login(world.p.finance)
    with override_settings(READ_REPLICA="replica"):
        assert read_alias() == "replica"
        with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica"]) as replica:
            body = _get(client, url)
    assert _reads(replica, "invoices_invoice") >= 1
    assert _reads(primary, "invoices_invoice") == 0
    assert str(world.open.number).encode() in body or b"ACME" in body  # the replica has the primary's rows


def test_without_a_replica_everything_reads_the_primary_and_services_always_do(world: World, login) -> None:
    client = login(world.p.finance)
    assert read_alias() == "default"
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica"]) as replica:
        _get(client, reverse("seller:invoices_export"))
    assert replica.captured_queries == []
    assert _reads(primary, "invoices_invoice") >= 1
    with override_settings(READ_REPLICA="replica"), CaptureQueriesContext(connections["replica"]) as replica:
        _get(client, reverse("seller:invoices"))  # the dashboard is not a report: primary
    assert replica.captured_queries == []
