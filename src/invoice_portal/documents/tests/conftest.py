from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.companies.models import Company
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.testing import Personas


@pytest.fixture
def eu_seller(db: Any) -> PortalSettings:
    """The operator with everything an EN 16931 document needs of its seller: address with country, VAT id, email."""
    seller = portal_settings()
    seller.seller_name = "Demo Supplies GmbH"
    seller.seller_address = "Hauptstraße 5\nHinterhaus\n10115 Berlin\nGermany"
    seller.seller_tax_id = "DE123456789"
    seller.seller_email = "billing@demo.test"
    seller.seller_peppol_scheme, seller.seller_peppol_id = "9930", "DE123456789"
    seller.seller_contact_name, seller.seller_phone = "Accounts receivable", "+49 30 1234567"
    seller.seller_iban = "DE02120300000000202051"
    seller.save()
    return seller


@pytest.fixture
def peppol_customers(personas: Personas) -> Personas:
    """The personas' customers with what an e-invoice needs of a buyer: a Peppol participant id and a country."""
    for company, scheme, identifier, country, tax_id in (
        (personas.acme, "0088", "0614141000029", "US", ""),
        (personas.acme_west, "0088", "0614141000036", "US", ""),
        (personas.globex, "9930", "DE811907634", "DE", "DE811907634"),
    ):
        Company.objects.filter(pk=company.pk).update(peppol_scheme=scheme, peppol_id=identifier, country=country, tax_id=tax_id)
        company.refresh_from_db()
    return personas
