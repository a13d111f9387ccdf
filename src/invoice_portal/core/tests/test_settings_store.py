"""The portal settings are read fresh, except inside a "read once" scope (one API call)."""

from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.core.settings_store import portal_settings, settings_read_once
from invoice_portal.seller.services import portal_settings_update

pytestmark = pytest.mark.django_db


def test_inside_a_scope_the_settings_are_read_once(django_assert_num_queries: Any) -> None:
    portal_settings()
    with settings_read_once(), django_assert_num_queries(1):
        assert portal_settings() is portal_settings()
    with django_assert_num_queries(2):
        portal_settings()
        portal_settings()


def test_a_change_is_seen_by_the_next_scope_and_outside_any() -> None:
    with settings_read_once():
        assert portal_settings().seller_name != "Renamed Ltd"
    portal_settings_update(actor=None, seller_name="Renamed Ltd")
    assert portal_settings().seller_name == "Renamed Ltd"
    with settings_read_once():
        assert portal_settings().seller_name == "Renamed Ltd"
