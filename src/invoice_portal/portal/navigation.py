"""The portal's navigation: each entry is shown only when the user's role allows its page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from invoice_portal.portal.permissions import portal_can, portal_can_for_company


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    permission: str
    section: str  # the prefix of the url names that belong to this entry, to mark it current
    company_wide: bool = False


NAV: tuple[NavEntry, ...] = (
    NavEntry("Invoices", "portal:invoices", "portal.view", "invoice"),
    NavEntry("Orders", "portal:orders", "portal.view", "order"),
    NavEntry("Payments", "portal:payments", "portal.payment_history", "payment"),
    NavEntry("Statement", "portal:statement", "portal.view", "statement", company_wide=True),
    NavEntry("Remittance advice", "portal:remittance", "portal.pay", "remittance"),
    NavEntry("Users", "portal:users", "portal.users", "user"),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def nav_for(user: Any, current_url_name: str = "") -> list[NavLink]:
    return [
        NavLink(entry.label, reverse(entry.url_name), current_url_name.startswith(entry.section))
        for entry in NAV
        if (portal_can_for_company(user, entry.permission) if entry.company_wide else portal_can(user, entry.permission))
    ]
