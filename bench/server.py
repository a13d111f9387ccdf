"""The production server as the README runs it (granian, WSGI), started for a suite on a loopback port."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = int(os.environ.get("BENCH_PORT", "8799"))


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (TimeoutError, ConnectionError, OSError):
            time.sleep(0.3)
    raise RuntimeError("granian did not answer /healthz")


@contextmanager
def granian(workers: int, port: int = PORT) -> Iterator[int]:
    """granian with ``workers`` processes on ``port`` against the bench database; yields the port once it answers."""
    binary = Path(sys.executable).with_name("granian")
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(  # noqa: S603 - our own server binary, loopback only
        [str(binary), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "invoice_portal.wsgi:application"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_for(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
