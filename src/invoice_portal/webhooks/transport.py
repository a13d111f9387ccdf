"""One HTTP POST to an endpoint, connected to the address the SSRF guard checked; never follows redirects."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from invoice_portal.webhooks.guard import url_parts, url_resolve_safe

TIMEOUT_SECONDS = 10
EXCERPT_BYTES = 1000


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    excerpt: str
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> PostResult:
    """POST ``body``; any network failure is a result with an error, never an exception (the caller retries)."""
    started = time.monotonic()
    try:
        address = url_resolve_safe(url)
        scheme, host, port, path = url_parts(url)
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = cls(host, port, address=address, timeout=timeout)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_BYTES).decode("utf-8", errors="replace")
            status = response.status
        finally:
            connection.close()
    except Exception as exc:  # noqa: BLE001 — refused URL, DNS, TLS, timeout, reset: all recorded and retried
        return PostResult(None, "", int((time.monotonic() - started) * 1000), error=f"{type(exc).__name__}: {exc}"[:500])
    return PostResult(status, excerpt, int((time.monotonic() - started) * 1000))
