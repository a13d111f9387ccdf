"""The seller party an issued document keeps: what the operator's settings said when it was issued.

``invoice_issue`` stores ``seller_snapshot(settings)`` on the document (``Invoice.seller_snapshot``), as
its seal keeps the content: the e-invoice of an issued document never changes when the settings do.
"""

from __future__ import annotations

from typing import Any

from invoice_portal.core.models import PortalSettings

SNAPSHOT_FIELDS = (
    "seller_name", "seller_tax_id", "seller_address", "seller_email", "seller_country", "seller_peppol_scheme",
    "seller_peppol_id", "seller_contact_name", "seller_phone", "seller_iban",
)  # fmt: skip


def seller_snapshot(settings: PortalSettings) -> dict[str, str]:
    return {name: str(getattr(settings, name) or "") for name in SNAPSHOT_FIELDS}


def seller_of(snapshot: dict[str, Any] | None, settings: PortalSettings) -> dict[str, str]:
    """The seller of a document: its snapshot, else (a document issued before snapshots) the current settings."""
    current = seller_snapshot(settings)
    return {**current, **{k: str(v) for k, v in snapshot.items() if k in current}} if snapshot else current
