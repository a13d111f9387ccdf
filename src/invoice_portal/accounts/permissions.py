"""The permission registry and the built-in roles.

Permissions are fixed by the product (code is written against them); roles are sets of
permissions that an Admin may change. Buyer permissions are granted at a level: the
user's own orders, the user's company, or the company and its subsidiaries. A company
user may carry a level of their own, which then replaces the role's (see ``grants_at_user_level``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    SELLER = "seller"
    BUYER = "buyer"
    SUPPLIER = "supplier"


class Level(StrEnum):
    """How far a buyer permission reaches, narrowest first: each level covers the ones before it."""

    OWN = "own"
    COMPANY = "company"
    TREE = "tree"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]

    def covers(self, other: Level) -> bool:
        """Whether this level reaches at least as far as ``other``."""
        order = list(Level)
        return order.index(self) >= order.index(other)


_LEVEL_LABELS = {Level.OWN: "Own orders", Level.COMPANY: "Company", Level.TREE: "Company and subsidiaries"}
# A user's own level replaces the level of what they may see and do, not of managing the company's
# users: that stays company-wide (a company admin never manages a subsidiary's users).
KEEPS_ROLE_LEVEL = frozenset({"portal.users"})


def grants_at_user_level(role_grants: Mapping[str, str | None], user_level: str | None) -> dict[str, str | None]:
    """The grants a user holds: the role's, with every level-bearing permission at ``user_level`` when set.

    It only moves levels: a permission the role does not grant stays absent, a permission without
    a level (a seller permission) stays without one.
    """
    if not user_level:
        return dict(role_grants)
    return {code: user_level if level is not None and code not in KEEPS_ROLE_LEVEL else level for code, level in role_grants.items()}


def widest_level(grants: Mapping[str, str | None]) -> Level | None:
    """The farthest any level-bearing permission in ``grants`` reaches (user management left aside)."""
    levels = [Level(level) for code, level in grants.items() if level and code not in KEEPS_ROLE_LEVEL]
    return max(levels, key=list(Level).index) if levels else None


@dataclass(frozen=True)
class Perm:
    code: str
    label: str
    audience: Audience


PERMISSIONS: tuple[Perm, ...] = (
    Perm("orders.view", "View orders", Audience.SELLER),
    Perm("orders.invoice", "Create invoices from orders", Audience.SELLER),
    Perm("orders.acknowledge", "Acknowledge order flags", Audience.SELLER),
    Perm("invoices.view", "View invoices", Audience.SELLER),
    Perm("invoices.create", "Create invoices", Audience.SELLER),
    Perm("invoices.edit", "Edit invoices", Audience.SELLER),
    Perm("invoices.delete", "Delete and cancel invoices", Audience.SELLER),
    Perm("invoices.issue", "Issue invoices", Audience.SELLER),
    Perm("invoices.send", "Send invoices and reminders", Audience.SELLER),
    Perm("invoices.export", "Export invoices", Audience.SELLER),
    Perm("payments.view", "View payments", Audience.SELLER),
    Perm("payments.record", "Record offline payments", Audience.SELLER),
    Perm("payments.refund", "Refund and reverse payments", Audience.SELLER),
    Perm("memos.create", "Create credit and debit notes", Audience.SELLER),
    Perm("disputes.resolve", "Resolve disputes", Audience.SELLER),
    Perm("customers.view", "View customers", Audience.SELLER),
    Perm("customers.edit", "Create and edit customers", Audience.SELLER),
    Perm("reports.view", "View reports", Audience.SELLER),
    Perm("users.manage", "Manage users", Audience.SELLER),
    Perm("roles.manage", "Manage roles and permissions", Audience.SELLER),
    Perm("settings.manage", "Manage settings", Audience.SELLER),
    Perm("integrations.manage", "Manage integrations and tokens", Audience.SELLER),
    Perm("ap.view", "View received invoices", Audience.SELLER),
    Perm("ap.enter", "Key in and match received invoices", Audience.SELLER),
    Perm("ap.approve", "Approve received invoices", Audience.SELLER),
    Perm("ap.export", "Export accepted invoices to the ERP", Audience.SELLER),
    Perm("ap.receive", "Record receipts against purchase orders", Audience.SELLER),
    Perm("ap.pay", "Record payments to suppliers", Audience.SELLER),
    Perm("portal.view", "See invoices in the list", Audience.BUYER),
    Perm("portal.detail", "Open invoice details", Audience.BUYER),
    Perm("portal.pdf", "Download PDF and e-invoice files", Audience.BUYER),
    Perm("portal.export", "Export invoices", Audience.BUYER),
    Perm("portal.payment_history", "See payment history", Audience.BUYER),
    Perm("portal.pay", "Pay invoices", Audience.BUYER),
    Perm("portal.dispute", "Dispute invoice lines", Audience.BUYER),
    Perm("portal.users", "Manage the company's users", Audience.BUYER),
    Perm("supplier.view", "See own submitted invoices and their status", Audience.SUPPLIER),
    Perm("supplier.submit", "Submit invoices against purchase orders", Audience.SUPPLIER),
    Perm("supplier.users", "Manage the supplier's users", Audience.SUPPLIER),
)
PERMISSIONS_BY_CODE = {p.code: p for p in PERMISSIONS}

_SALES = (
    "orders.view", "orders.invoice", "orders.acknowledge", "invoices.view", "invoices.create", "invoices.edit",
    "invoices.delete", "invoices.issue", "invoices.send", "invoices.export", "payments.view", "customers.view",
)  # fmt: skip
_FINANCE = (*_SALES, "payments.record", "payments.refund", "memos.create", "disputes.resolve", "reports.view", "customers.edit")
_ADMIN = (*_FINANCE, "users.manage", "roles.manage", "settings.manage", "integrations.manage", "ap.view", "ap.export", "ap.pay")
_AP_CLERK = ("ap.view", "ap.enter", "ap.receive", "ap.export", "ap.pay", "customers.view")
_APPROVER = ("ap.view", "ap.approve", "customers.view")
_BUYER_ALL = ("portal.view", "portal.detail", "portal.pdf", "portal.export", "portal.payment_history", "portal.pay", "portal.dispute")


@dataclass(frozen=True)
class BuiltinRole:
    code: str
    name: str
    audience: Audience
    grants: dict[str, Level | None]
    description: str


BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole("sales", "Sales", Audience.SELLER, dict.fromkeys(_SALES), "Sales staff: view, create, edit and cancel invoices."),
    BuiltinRole("finance", "Finance", Audience.SELLER, dict.fromkeys(_FINANCE), "All of Sales, plus payments, memos and disputes."),
    BuiltinRole("admin", "Admin", Audience.SELLER, dict.fromkeys(_ADMIN), "All of Finance, plus users, roles, settings and integrations."),
    BuiltinRole("ap_clerk", "AP clerk", Audience.SELLER, dict.fromkeys(_AP_CLERK), "Keys in and matches supplier invoices."),
    BuiltinRole("approver", "Approver", Audience.SELLER, dict.fromkeys(_APPROVER), "Approves supplier invoices within a limit."),
    BuiltinRole(
        "company_admin", "Company admin", Audience.BUYER,
        {**dict.fromkeys(_BUYER_ALL, Level.TREE), "portal.users": Level.COMPANY},
        "Sees and pays every invoice of the company and its subsidiaries; manages the company's users.",
    ),
    BuiltinRole(
        "accounts_payable", "Accounts payable", Audience.BUYER, dict.fromkeys(_BUYER_ALL, Level.COMPANY),
        "Sees and pays every invoice of the company.",
    ),
    BuiltinRole(
        "buyer", "Buyer", Audience.BUYER, dict.fromkeys(_BUYER_ALL, Level.OWN),
        "Sees and pays the invoices of the orders they placed.",
    ),
    BuiltinRole(
        "supplier_user", "Supplier user", Audience.SUPPLIER, dict.fromkeys(("supplier.view", "supplier.submit")),
        "Submits invoices and follows their matching and payment.",
    ),
    BuiltinRole(
        "supplier_admin", "Supplier admin", Audience.SUPPLIER, dict.fromkeys(("supplier.view", "supplier.submit", "supplier.users")),
        "A supplier user who also invites and manages the supplier's colleagues.",
    ),
)  # fmt: skip
