"""What the buyer states about paying: promises to pay and remittance advice (written in the portal, judged by Finance).

Both are statements by the buyer, never money: a promise is a date and an amount the buyer
commits to, judged later against what was actually allocated to the invoice; a remittance
advice says an offline payment was sent, and becomes a payment only when Finance confirms it
(``services.remittance_confirm``).

The tables keep the names they had when these models lived in the ``portal`` app
(``db_table``), so moving them changed no data; ``audit_former_labels`` finds their audit
history recorded under the old label.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PromiseToPay(models.Model):
    """The buyer's promise to pay ``amount`` on an invoice by ``date``. Its status is derived (``selectors.promise_views``)."""

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="promises_to_pay")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    date = models.DateField(help_text="The day the buyer promises to have paid by")
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    audit_former_labels = ("portal.promisetopay",)

    class Meta:
        db_table = "portal_promisetopay"
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive")]
        indexes = [models.Index(fields=["invoice", "-created_at"], name="promise_invoice_created")]

    def __str__(self) -> str:
        return f"Promise to pay {self.amount} {self.currency} on invoice {self.invoice_id} by {self.date}"


class PromiseStatus(models.TextChoices):
    """Derived, never stored: whether the money came by the promised date."""

    PENDING = "pending", "Pending"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"pending": "blue", "kept": "green", "broken": "red"}[value]


class RemittanceStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"submitted": "blue", "confirmed": "green", "rejected": "red"}[value]


class RemittanceMethod(models.TextChoices):
    """How money was sent offline (the offline subset of ``payments.Method``, same values)."""

    WIRE = "wire", "Wire transfer"
    CHECK = "check", "Check"
    CASH = "cash", "Cash"
    OTHER = "other", "Other"


class RemittanceAdvice(models.Model):
    """A buyer telling the seller about money sent offline, and for which invoices.

    Finance confirms it into a real payment (``payment``) or rejects it with a comment.
    What the lines do not cover becomes credit on the company's account when confirmed.
    """

    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="remittances")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=8, choices=RemittanceMethod.choices)
    reference = models.CharField(max_length=200, blank=True, help_text="Check number, wire reference or cash memo")
    paid_on = models.DateField()
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=RemittanceStatus.choices, default=RemittanceStatus.SUBMITTED)
    payment = models.OneToOneField("payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="remittance")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    audit_former_labels = ("portal.remittanceadvice",)

    class Meta:
        db_table = "portal_remittanceadvice"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in RemittanceStatus]), name="remittance_status_valid"),
            models.CheckConstraint(
                condition=Q(status="confirmed", payment__isnull=False) | (~Q(status="confirmed") & Q(payment__isnull=True)),
                name="remittance_payment_iff_confirmed",
            ),
        ]
        indexes = [models.Index(fields=["company", "-created_at"], name="remittance_company_created"), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"Remittance #{self.pk} {self.amount} {self.currency} ({self.status})"


class RemittanceLine(models.Model):
    """How much of the remitted money the buyer says is for one invoice."""

    remittance = models.ForeignKey(RemittanceAdvice, on_delete=models.CASCADE, related_name="lines")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="remittance_lines")
    amount = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        db_table = "portal_remittanceline"
        ordering = ["remittance", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["remittance", "invoice"], name="remittance_line_unique_invoice"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_line_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} for invoice {self.invoice_id}"
