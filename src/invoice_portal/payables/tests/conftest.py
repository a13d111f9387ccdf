from __future__ import annotations

import pytest

from invoice_portal.payables.testing import ApPersonas, make_ap_personas


@pytest.fixture
def ap(db: None) -> ApPersonas:
    return make_ap_personas()
