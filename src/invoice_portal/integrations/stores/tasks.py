"""Store sync in the background (Django tasks; inline in the tests)."""

from __future__ import annotations

from django.tasks import task

from invoice_portal.integrations.stores.services import store_delivery_process


@task()
def store_delivery_process_task(*, event_id: int) -> str:
    """Sync the order one verified store delivery names; a delivery already handled is left alone."""
    return str(store_delivery_process(event_id=event_id))


@task()
def store_sync_now_task(*, connection_id: int, actor_id: int | None = None) -> str:
    """The connection page's "Sync now", off the request."""
    from invoice_portal.accounts.models import User
    from invoice_portal.integrations.models import StoreConnection
    from invoice_portal.integrations.stores.services import store_sync_now

    connection = StoreConnection.objects.get(pk=connection_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    result = store_sync_now(actor=actor, connection=connection)
    return f"{result.deliveries} deliveries, {result.orders} orders{'; ' + result.failed if result.failed else ''}"
