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
    # Raised when the source changes or cancels an order that was already invoiced; shown until acknowledged.
    flag_updated = models.BooleanField(default=False)
    flag_canceled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-order_date", "-pk"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="order_unique_source_external_id")]
        indexes = [models.Index(fields=["company", "-order_date"])]

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
    """Goods received against a purchase-order line."""

    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="receipts")
    quantity = models.DecimalField(max_digits=16, decimal_places=4)
    received_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="receipt_qty_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.order_line}"
