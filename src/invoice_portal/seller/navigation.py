"""The seller app's navigation: each entry is shown only when the user's role allows its page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from invoice_portal.seller.permissions import seller_can


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    permission: str
    section: str  # the prefix of the url names that belong to this entry, to mark it current


NAV: tuple[NavEntry, ...] = (
    NavEntry("Home", "seller:home", "invoices.view", "home"),
    NavEntry("Orders", "seller:orders", "orders.view", "order"),
    NavEntry("Invoices", "seller:invoices", "invoices.view", "invoice"),
    NavEntry("Payments", "seller:payments", "payments.view", "payment"),
    NavEntry("Remittances", "seller:remittances", "payments.view", "remittance"),
    NavEntry("Promises", "seller:promises", "payments.view", "promise"),
    NavEntry("Import", "seller:imports", "invoices.view", "import"),
    NavEntry("Customers", "seller:customers", "customers.view", "customer"),
    NavEntry("Reports", "seller:reports", "reports.view", "report"),
    NavEntry("Emails", "seller:messages", "invoices.view", "message"),
    NavEntry("Users", "seller:users", "users.manage", "user"),
    NavEntry("Roles", "seller:roles", "roles.manage", "role"),
    NavEntry("Settings", "seller:settings", "settings.manage", "setting"),
    NavEntry("Store", "seller:store", "integrations.manage", "store"),
    NavEntry("Webhooks", "webhooks:endpoint_list", "integrations.manage", "endpoint_"),
    # Accounts payable (the ``ap`` app; its url names start with "ap_").
    NavEntry("AP inbox", "ap:ap_inbox", "ap.view", "ap_inbox"),
    NavEntry("Purchase orders", "ap:ap_orders", "ap.view", "ap_order"),
    NavEntry("Retrofit invoice", "ap:ap_retrofit_new", "ap.enter", "ap_retrofit"),
    NavEntry("On hold", "ap:ap_holds", "ap.view", "ap_hold"),
    NavEntry("Approvals", "ap:ap_approvals", "ap.view", "ap_approval"),
    NavEntry("Transaction runs", "ap:ap_runs", "ap.export", "ap_run"),
    NavEntry("Supplier payments", "ap:ap_payments", "ap.view", "ap_payment"),
    NavEntry("AP tolerances", "ap:ap_tolerances", "settings.manage", "ap_tolerance"),
    NavEntry("Approver limits", "ap:ap_approvers", "settings.manage", "ap_approver"),
    NavEntry("AP discounts", "ap:ap_discounts", "settings.manage", "ap_discount"),
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
        if seller_can(user, entry.permission)
    ]
