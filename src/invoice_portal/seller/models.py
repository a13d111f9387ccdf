from __future__ import annotations

from django.db import models
from django.db.models import Q


class BillingSettings(models.Model):
    """What the seller prints on its documents beyond its profile (one row, pk=1); changed on the settings page."""

    payment_instruction = models.TextField(
        blank=True,
        help_text="How to pay (bank details), printed on every invoice and debit note that has no instructions of its own",
    )

    class Meta:
        verbose_name = "billing settings"
        verbose_name_plural = "billing settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="billing_settings_singleton")]

    def __str__(self) -> str:
        return "Billing settings"
