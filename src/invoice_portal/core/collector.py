"""Holding Python's cyclic garbage collector off while one piece of work builds many objects that live until it ends.

Such work (a PDF render, a batch of imported documents) keeps tens of thousands of objects alive while it runs:
with the collector on they are traversed by young collections, reach the oldest generation and set off full
collections of the whole process (~100 ms each in ``make bench``). Paused, the work's cyclic garbage dies
young, in one collection after it; reference counting frees the rest meanwhile. Overlapping pauses (other
threads) are counted: the collector resumes after the last one, and only if it was on before.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def startup_heap_frozen() -> None:
    """Call once a process has set Django up (the web server's WSGI module, the ``invoice-portal`` command, the bench):
    what exists then (modules, the app registry, URL patterns, compiled templates: most of the process's objects)
    lives as long as the process, so it is moved out of the collector's sight (``gc.freeze``) and no full
    collection traverses it again. A full collection then costs what the work in hand made, not the whole heap:
    on the e-invoice import bench the collector's share fell from ~80–300 to ~55 µs per document. Garbage present
    at that moment is collected first, since frozen objects are never freed."""
    gc.collect()
    gc.freeze()


class _Pause:
    lock = threading.Lock()
    holders = 0
    resume = False


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the ``with`` block (see the module docstring); it is left as it was found."""
    with _Pause.lock:
        if _Pause.holders == 0:
            _Pause.resume = gc.isenabled()
            gc.disable()
        _Pause.holders += 1
    try:
        yield
    finally:
        with _Pause.lock:
            _Pause.holders -= 1
            if _Pause.holders == 0 and _Pause.resume:
                gc.enable()
        gc.collect(1)
