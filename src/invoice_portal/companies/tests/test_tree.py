"""A company's tree: itself and its subsidiaries at any depth, never a sibling or a parent."""

from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.companies.selectors import company_tree_ids
from invoice_portal.testing import make_company

pytestmark = pytest.mark.django_db


def test_the_tree_reaches_every_depth_and_nothing_beside_or_above(django_assert_num_queries: Any) -> None:
    group = make_company(name="Group")
    east, west = make_company(parent=group), make_company(parent=group)
    east_shop = make_company(parent=east)
    east_shop_kiosk = make_company(parent=east_shop)
    make_company(name="Unrelated")
    with django_assert_num_queries(1):
        assert company_tree_ids(group.pk) == {group.pk, east.pk, west.pk, east_shop.pk, east_shop_kiosk.pk}
    assert company_tree_ids(east.pk) == {east.pk, east_shop.pk, east_shop_kiosk.pk}
    assert company_tree_ids(east_shop_kiosk.pk) == {east_shop_kiosk.pk}
    assert company_tree_ids(west.pk) == {west.pk}
