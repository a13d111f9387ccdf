from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class Direction(models.TextChoices):
    SALES = "sales", "Sales order"
    PURCHASE = "purchase", "Purchase order"


class OrderSource(models.TextChoices):
    BIGCOMMERCE = "bigcommerce", "Store (BigCommerce)"
    API = "api", "API"
    CSV = "csv", "CSV import"
    ERP = "erp", "ERP"
    RETROFIT = "retrofit", "Retrofit"
    MANUAL = "manual", "Keyed in AP"


class PurchaseOrderStatus(models.TextChoices):
    """Where a purchase order stands. Open → partly received → received follow the receipts
    (``payables.services.receipts``); closed and canceled are set by a person or the ERP."""

    OPEN = "open", "Open"
    PARTLY_RECEIVED = "partly_received", "Partly received"
    RECEIVED = "received", "Received"
    CLOSED = "closed", "Closed"
    CANCELED = "canceled", "Canceled"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"open": "blue", "partly_received": "amber", "received": "green", "closed": "grey", "canceled": "red"}.get(value, "grey")


class VisibleOrderManager(models.Manager["Order"]):
    """Every order but those an import batch is still writing on SQLite (``import_batch_id`` set; see
    "Imports on SQLite: staged chunks" in docs/imports.md): they exist for no one until the batch publishes them."""

    def get_queryset(self) -> models.QuerySet[Order]:
        return super().get_queryset().filter(import_batch_id__isnull=True)


class Order(models.Model):
    """An order mirrored from the store or ERP (sales) or a purchase order we issued."""

    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.SALES)
    source = models.CharField(max_length=12, choices=OrderSource.choices)
    external_id = models.CharField(max_length=100)
    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="orders")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    status = models.CharField(max_length=50, default="pending", help_text="Mirrored from the source system")
    is_canceled = models.BooleanField(default=False)
    po_number = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3)
    order_date = models.DateField()
    subtotal = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    tax_total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    # Purchase orders only: the staff user who asked for it (accepts retrofit orders), where it stands, and
    # whether an invoice is expected at all (a non-invoice order is paid otherwise, by card say).
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    po_status = models.CharField(max_length=16, choices=PurchaseOrderStatus.choices, blank=True, default="", db_default="")
    no_invoice_expected = models.BooleanField(default=False, db_default=False)
    # Raised when the source changes or cancels an order that was already invoiced; shown until acknowledged.
    flag_updated = models.BooleanField(default=False)
    flag_canceled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set while an import batch stages the order in short chunks (SQLite only): a new order nothing has happened to
    # yet, which ``objects`` hides until the batch publishes it in one final transaction, or deletes if the batch fails.
    import_batch_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    objects = VisibleOrderManager()
    # Staged orders included: only the import's staging and clean-up use it.
    all_objects = models.Manager()  # noqa: DJ012 (ruff takes the custom manager above for a field)

    class Meta:
        ordering = ["-order_date", "-pk"]
        base_manager_name = "all_objects"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(import_batch_id__isnull=True)
                | models.Q(is_canceled=False, flag_updated=False, flag_canceled=False, po_status__in=["", PurchaseOrderStatus.OPEN]),
                name="order_staged_is_new",
            ),
            models.UniqueConstraint(fields=["source", "external_id"], name="order_unique_source_external_id"),
            models.CheckConstraint(
                condition=models.Q(po_status="") | models.Q(direction="purchase", po_status__in=PurchaseOrderStatus.values),
                name="order_po_status_only_on_purchase_orders",
            ),
        ]
        indexes = [
            models.Index(fields=["import_batch_id"], condition=models.Q(import_batch_id__isnull=False), name="order_staged_by_batch"),
            models.Index(fields=["company", "-order_date"]),
            models.Index(fields=["direction", "po_status"], name="order_po_status"),
        ]

    def __str__(self) -> str:
        return f"Order {self.external_id} ({self.source})"

    @property
    def is_flagged(self) -> bool:
        return self.flag_updated or self.flag_canceled


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    sku = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=16, decimal_places=4)
    unit_code = models.CharField(max_length=3, default="C62", db_default="C62", help_text="UN/ECE Rec 20 unit (C62 = one)")
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)
    tax_category = models.CharField(max_length=2, default="S")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal(0))

    class Meta:
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_unique_no"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="order_line_qty_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="order_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no} {self.description}"


class Receipt(models.Model):
    """Goods received against a purchase-order line, written only by ``payables.services.receipts``.

    All lines received together share a ``reference`` (the delivery note, or one the service makes up).
    Receiving more than was ordered needs an ``over_receipt_reason``.
    """

    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="receipts")
    quantity = models.DecimalField(max_digits=16, decimal_places=4)
    received_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True, default="", db_default="")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    over_receipt_reason = models.CharField(max_length=300, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="receipt_qty_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.order_line}"
