"""On PostgreSQL: two workers given the same delivery at once send it once."""

from __future__ import annotations

from functools import partial

import pytest

from invoice_portal.testing import at_once, make_company, make_invoice
from invoice_portal.webhooks.models import DeliveryStatus, WebhookDelivery
from invoice_portal.webhooks.services.deliveries import delivery_attempt
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create
from invoice_portal.webhooks.tests.receiver import receiver

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_never_deliver_one_event_to_one_endpoint_twice() -> None:
    with receiver() as inbox:
        inbox.delay = 0.2  # the first worker is still sending when the others arrive
        endpoints = [webhook_endpoint_create(actor=None, url=inbox.url, event_types=["invoice.issued"]) for _ in range(2)]
        company = make_company()
        for _ in range(3):
            make_invoice(company=company)
        WebhookDelivery.objects.update(status=DeliveryStatus.PENDING, attempts=0)  # undo the immediate worker's sends
        inbox.requests.clear()
        deliveries = list(WebhookDelivery.objects.values_list("pk", flat=True))
        assert len(deliveries) == 6
        results = at_once([partial(delivery_attempt, delivery_id=pk) for pk in deliveries for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    sent = [(r.path, r.headers["webhook-id"], r.headers["webhook-signature"]) for r in inbox.requests]
    assert len(sent) == 6
    assert len({(s[1], s[2]) for s in sent}) == 6, "every (event, endpoint) exactly once"
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SUCCEEDED, 1)}
    assert len(endpoints) == 2
