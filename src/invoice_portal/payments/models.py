from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from invoice_portal.core.db import at_most


class Method(models.TextChoices):
    CARD = "card", "Card (gateway)"
    BANK = "bank", "Bank debit (gateway)"
    CHECK = "check", "Check"
    WIRE = "wire", "Wire transfer"
    CASH = "cash", "Cash"
    OTHER = "other", "Other"

    @classmethod
    def customer_words(cls, value: str) -> str:
        """The method as a customer reads it on a statement or invoice: the seller's labels also say which run
        through a gateway ("Card (gateway)"), which a customer has no use for and which doubles brackets."""
        words = {"card": "Card", "bank": "Bank debit"}
        return words.get(value) or (cls(value).label if value in cls.values else value)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REVERSED = "reversed", "Reversed"

    @classmethod
    def colour(cls, value: str) -> str:
        return {
            "pending": "grey", "succeeded": "green", "failed": "red", "canceled": "grey",
            "refunded": "amber", "partially_refunded": "amber", "reversed": "red",
        }[value]  # fmt: skip


# Statuses in which a payment's money is with us and may be allocated.
SETTLED_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)


class Payment(models.Model):
    """Money received from a customer company. What it does not allocate stays as credit on account."""

    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=8, choices=Method.choices)
    reference = models.CharField(max_length=200, blank=True, help_text="Check number or cash memo; shown to the buyer")
    received_on = models.DateField(default=timezone.localdate)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.SUCCEEDED)
    refunded_amount = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    allocated_total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    gateway = models.CharField(max_length=30, blank=True)
    gateway_reference = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")), name="payment_refund_within_amount"
            ),
            models.CheckConstraint(
                condition=Q(allocated_total__gte=0) & at_most("allocated_total", F("amount") - F("refunded_amount")),
                name="payment_allocated_within_available",
            ),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in PaymentStatus]), name="payment_status_valid"),
            models.UniqueConstraint(
                fields=["gateway", "gateway_reference"], condition=~Q(gateway_reference=""), name="payment_unique_gateway_reference"
            ),
            models.UniqueConstraint(fields=["external_id"], condition=Q(external_id__isnull=False), name="payment_unique_external_id"),
        ]
        indexes = [models.Index(fields=["company", "-received_on"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"Payment #{self.pk} {self.amount} {self.currency}"

    @property
    def customer_method(self) -> str:
        return Method.customer_words(self.method)

    @property
    def unallocated(self) -> Decimal:
        if self.status not in SETTLED_STATUSES:
            return Decimal(0)
        return self.amount - self.refunded_amount - self.allocated_total


class Allocation(models.Model):
    """Money from a payment or a credit note settling an invoice.

    One row per (source, invoice) pair; its amount grows with further allocations and
    shrinks with refunds and reversals (down to zero, kept for the history).
    """

    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations")
    credit_note = models.ForeignKey("invoices.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="applied_allocations")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="allocation_amount_not_negative"),
            models.CheckConstraint(
                condition=(Q(payment__isnull=False) & Q(credit_note__isnull=True))
                | (Q(payment__isnull=True) & Q(credit_note__isnull=False)),
                name="allocation_exactly_one_source",
            ),
            models.UniqueConstraint(
                fields=["payment", "invoice"], condition=Q(payment__isnull=False), name="allocation_unique_payment_invoice"
            ),
            models.UniqueConstraint(
                fields=["credit_note", "invoice"], condition=Q(credit_note__isnull=False), name="allocation_unique_credit_invoice"
            ),
        ]

    def __str__(self) -> str:
        source = f"payment {self.payment_id}" if self.payment_id else f"credit note {self.credit_note_id}"
        return f"{self.amount} from {source} to invoice {self.invoice_id}"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    reason = models.CharField(max_length=500, blank=True)
    gateway_reference = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund {self.amount} of payment {self.payment_id}"


# --- Online checkout: a buyer paying invoices through a payment gateway ----------------------------------


class CheckoutStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the gateway"
    SUCCEEDED = "succeeded", "Paid"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    EXPIRED = "expired", "Expired"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"pending": "grey", "succeeded": "green", "failed": "red", "canceled": "grey", "expired": "grey"}[value]


class Checkout(models.Model):
    """One online payment of one or many invoices through a gateway.

    While it is pending and not expired, its lines reserve their amounts: they count against
    what may still be paid on each invoice, so a second tab or a double click cannot pay an
    invoice twice beyond its balance. Credit from the account is applied when the checkout
    starts; ``amount`` is what the gateway charges (``payment`` is that money, pending until
    the gateway's webhook says how it ended).
    """

    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="checkouts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=18, decimal_places=4, help_text="Charged through the gateway")
    credit_applied = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0), help_text="Applied from the account")
    status = models.CharField(max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.PENDING)
    gateway = models.CharField(max_length=30, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True, help_text="The gateway's checkout session id")
    redirect_url = models.URLField(max_length=2000, blank=True, help_text="The gateway's hosted checkout page")
    return_url = models.CharField(max_length=2000, blank=True)
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="checkout")
    failure_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="checkout_amount_not_negative"),
            models.CheckConstraint(condition=Q(credit_applied__gte=0), name="checkout_credit_not_negative"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in CheckoutStatus]), name="checkout_status_valid"),
            models.UniqueConstraint(
                fields=["gateway", "provider_reference"], condition=~Q(provider_reference=""), name="checkout_unique_provider_reference"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="checkout_status_expiry")]

    def __str__(self) -> str:
        return f"Checkout #{self.pk} {self.amount} {self.currency} ({self.status})"

    @property
    def total(self) -> Decimal:
        return self.amount + self.credit_applied

    @property
    def is_expired(self) -> bool:
        return self.status == CheckoutStatus.PENDING and self.expires_at <= timezone.now()


class CheckoutLine(models.Model):
    """What a checkout pays on one invoice: ``amount`` through the gateway, ``credit`` from the account.

    ``allocated`` is what the gateway's money actually settled when it arrived (never more than
    the invoice's balance at that moment; the rest stayed on the account as credit).
    """

    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="lines")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="checkout_lines")
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    credit = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    allocated = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))

    class Meta:
        ordering = ["checkout", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "invoice"], name="checkout_line_unique_invoice"),
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(credit__gte=0) & Q(allocated__gte=0), name="checkout_line_not_negative"),
            models.CheckConstraint(condition=Q(amount__gt=0) | Q(credit__gt=0), name="checkout_line_pays_something"),
            models.CheckConstraint(condition=at_most("allocated", F("amount")), name="checkout_line_allocated_within_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} (+{self.credit} credit) on invoice {self.invoice_id}"
