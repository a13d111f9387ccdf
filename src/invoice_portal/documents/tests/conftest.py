from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.core.models import PortalSettings
from invoice_portal.core.settings_store import portal_settings


@pytest.fixture
def eu_seller(db: Any) -> PortalSettings:
    """The operator with everything an EN 16931 document needs of its seller: address with country, VAT id, email."""
    seller = portal_settings()
    seller.seller_name = "Demo Supplies GmbH"
    seller.seller_address = "Hauptstraße 5\nHinterhaus\n10115 Berlin\nGermany"
    seller.seller_tax_id = "DE123456789"
    seller.seller_email = "billing@demo.test"
    seller.save()
    return seller
