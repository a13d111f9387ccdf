"""Links to many objects of one route at the cost of one ``reverse``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from invoice_portal.core.links import pk_links


@pytest.mark.parametrize("name", ["seller:invoice_detail", "portal:invoice_detail", "portal:invoice_pdf"])
def test_a_link_is_what_reverse_gives_for_every_key(name: str) -> None:
    link = pk_links(name)
    for pk in (1, 7, 42, 1_000_000, 2**63 - 1):
        assert link(pk) == reverse(name, args=[pk])


def test_a_route_without_a_key_in_its_path_is_refused() -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 (reverse refuses the argument, or the mark is missing)
        pk_links("seller:invoices")
