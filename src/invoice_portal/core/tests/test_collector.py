"""The startup heap is frozen by every long-running entry point (core.collector.startup_heap_frozen)."""

from __future__ import annotations

import gc
import importlib
import sys

import pytest

from invoice_portal.core import collector


@pytest.fixture
def thawed() -> object:
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()


def test_startup_heap_frozen_moves_what_exists_out_of_the_collectors_sight(thawed: object) -> None:
    collector.startup_heap_frozen()
    assert gc.get_freeze_count() > 1000


def test_the_wsgi_module_freezes_the_startup_heap(thawed: object) -> None:
    sys.modules.pop("invoice_portal.wsgi", None)
    importlib.import_module("invoice_portal.wsgi")
    assert gc.get_freeze_count() > 1000


def test_the_invoice_portal_command_freezes_the_startup_heap(thawed: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from invoice_portal import cli

    calls: list[str] = []
    monkeypatch.setattr(collector, "startup_heap_frozen", lambda: calls.append("frozen"))
    monkeypatch.setattr("django.core.management.execute_from_command_line", lambda argv: calls.append(argv[1]))
    monkeypatch.setattr(sys, "argv", ["invoice-portal", "check-books"])
    cli.main()
    assert calls == ["frozen", "check_books"]
