"""The demo data set behind ``invoice-portal load-demo``.

Half a year of trading, simulated day by day through the domain services only: orders
arrive from the store and the ERP, ship and are invoiced; the ERP, the API, CSV imports
and staff add invoices of their own; customers pay late, in part, by check or card,
sometimes too much; finance issues credit and debit notes. Every total, balance,
allocation, audit event and seal is therefore what the product itself writes, and
``check-books`` holds on the result. A few named scenes at the end guarantee what docs and
tests point at: one check spread over several invoices, a bounced check, refunds, credit
left on account, disputes open, rejected and resolved by credit.

Deterministic: one seeded ``random.Random`` and dates relative to today, so a run today
and a run next month tell the same story, shifted.

The package, by noun: ``catalog`` (customers, people, products), ``base`` (a run's state and
helpers), ``people``, ``documents`` (orders and invoice documents), ``payments``, ``scenes`` (the
simulation and the named scenes). Another app adds its own demo data in a module of its own
(e.g. ``<app>/demo.py``) with a function that takes what it needs (``demo.users``,
``demo.companies``, ``demo.today``, ``demo.rng``), and one call in ``build_demo`` (``loader.py``).
"""

from __future__ import annotations

from typing import Any

# This package is also the ``demo`` app (it holds the ``load-demo`` command), so it is imported while
# Django loads its apps, before any model may be: the loader's names are imported on first use.
__all__ = ["ADMIN_EMAIL", "DEMO_LOGINS", "DEMO_SEED", "build_demo", "demo_exists", "demo_summary"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from invoice_portal.demo import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
