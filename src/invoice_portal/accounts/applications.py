"""Which applications a person may open after signing in (the seed: "After login, user is able to select
the application to open"). An application is listed when the user holds its permission and the
application is installed (its URL name resolves), so the AP and supplier apps appear when they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from invoice_portal.accounts.selectors import user_has_perm


@dataclass(frozen=True)
class Application:
    code: str
    name: str
    description: str
    url: str


# (code, name, description, URL name, permission, seller staff only)
_APPLICATIONS = (
    ("seller", "Seller app", "Orders, invoices, payments and customers", "seller:home", "invoices.view", True),
    ("ap", "Accounts payable", "Supplier invoices, matching and approval", "ap:ap_inbox", "ap.view", True),
    ("portal", "Invoice portal", "Your company's invoices, payments and statements", "portal:invoices", "portal.view", False),
    ("supplier", "Supplier portal", "Submit invoices and follow their payment", "supplier:home", "supplier.view", False),
)


def applications_for(user: Any) -> list[Application]:
    if not getattr(user, "is_authenticated", False):
        return []
    found = []
    for code, name, description, url_name, permission, staff_only in _APPLICATIONS:
        if staff_only and getattr(user, "company_id", None) is not None:
            continue
        if not user_has_perm(user, permission):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        found.append(Application(code, name, description, url))
    return found
