"""Reads for the store connection page."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from invoice_portal.integrations.models import GatewayEvent, StoreConnection, StoreOrderRecord


def store_connections() -> QuerySet[StoreConnection]:
    return StoreConnection.objects.order_by("name", "pk")


def store_order_outcome_counts(connection: StoreConnection) -> dict[str, int]:
    rows = StoreOrderRecord.objects.filter(connection=connection).values("outcome").annotate(n=Count("pk")).order_by()
    return {row["outcome"]: row["n"] for row in rows}


def store_orders_needing_attention(connection: StoreConnection, limit: int = 50) -> QuerySet[StoreOrderRecord]:
    return StoreOrderRecord.objects.filter(connection=connection, outcome__in=["held", "flagged", "skipped"]).order_by(
        "-updated_at", "-pk"
    )[:limit]


def store_recent_deliveries(connection: StoreConnection, limit: int = 20) -> QuerySet[GatewayEvent]:
    return GatewayEvent.objects.filter(kind="store_order", payment_reference=f"store:{connection.pk}").order_by("-received_at", "-pk")[
        :limit
    ]
