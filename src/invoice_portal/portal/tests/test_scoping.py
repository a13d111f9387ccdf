"""Every portal read of invoices goes through ``invoices_visible_to``: no other path exists in the portal's code,
nor in the code of promises to pay and remittance advice (the ``remittances`` app the portal writes through)."""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent
REMITTANCES = PORTAL.parent / "remittances"
# The only place that touches invoice rows without the scoping selector is a service, after scoping, to lock them.
LOCKING_ONLY = {"services.py"}


def _sources() -> list[Path]:
    return [p for root in (PORTAL, REMITTANCES) for p in root.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]


DOCUMENTS = {"Invoice", "InvoiceLine", "Dispute", "Order", "OrderLine"}  # orders: through ``orders_visible_to``
# Rows hanging off documents may be read only inside a function that narrows them to the scope. (Remittance
# lines are read through their remittance, which is scoped to the own company by ``remittances_visible_to``.)
BELOW_DOCUMENTS = {"Allocation", "CheckoutLine", "PromiseToPay"}


def test_no_portal_module_queries_invoices_directly() -> None:
    offenders = []
    for path in _sources():
        source = path.read_text()
        tree = ast.parse(source, filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            body = ast.get_source_segment(source, function) or ""
            for node in ast.walk(function):
                if not (isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager", "_base_manager"}):
                    continue
                owner = node.value.id if isinstance(node.value, ast.Name) else ""
                if owner in DOCUMENTS or (owner in BELOW_DOCUMENTS and "invoices_visible_to" not in body):
                    offenders.append(f"{path.relative_to(PORTAL.parent)}:{node.lineno} {owner}.{node.attr} in {function.name}")
    assert offenders == [], "portal code reads documents without invoices_visible_to"


def test_the_portal_reads_and_writes_start_from_the_scoping_selector() -> None:
    for path in (PORTAL / "selectors.py", REMITTANCES / "services.py", PORTAL / "views/invoices.py", PORTAL / "views/pay.py"):
        text = path.read_text()
        assert "invoices_visible_to" in text or "payable_invoices" in text or "visible_invoice" in text, path


def test_services_only_lock_invoices_they_found_through_the_scope() -> None:
    text = (REMITTANCES / "services.py").read_text()
    assert text.count("lock_rows(Invoice") == 1
    assert "invoices_visible_to(actor" in text
    assert set(LOCKING_ONLY) <= {p.name for p in _sources()}
