from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.integrations.bigcommerce.demo import store_demo
from invoice_portal.integrations.models import StoreOrderRecord
from invoice_portal.orders.models import Order

pytestmark = pytest.mark.django_db


def test_the_demo_store_is_synced_through_the_backfill(personas: Any) -> None:
    outcomes = store_demo(actor=personas.admin)
    assert outcomes == {"synced": 3, "held": 1, "skipped": 2, "flagged": 1}
    assert Order.objects.filter(source="bigcommerce", is_canceled=True).count() == 1
    assert StoreOrderRecord.objects.get(external_id="2004").reason.startswith("B2B company 8802 (Cyberdyne Systems)")
