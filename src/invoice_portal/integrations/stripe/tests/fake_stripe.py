"""A tiny local stand-in for the few Stripe endpoints the adapter calls; tests never reach the internet."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


@dataclass
class FakeStripe:
    requests: list[Recorded] = field(default_factory=list)
    fail_with: tuple[int, dict[str, Any]] | None = None  # the next answer, once
    url: str = ""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def answer(self, method: str, path: str, headers: dict[str, str], params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.requests.append(Recorded(method, path, headers, params))
        if self.fail_with is not None:
            failure, self.fail_with = self.fail_with, None
            return failure
        n = next(self._ids)
        if method == "POST" and path == "/v1/checkout/sessions":
            amounts = [int(v) for k, v in params.items() if k.endswith("[price_data][unit_amount]")]
            session_id = f"cs_test_{n:04d}"
            return 200, {
                "id": session_id, "object": "checkout.session", "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "amount_total": sum(amounts), "currency": params.get("line_items[0][price_data][currency]", "usd"),
                "client_reference_id": params.get("client_reference_id"), "metadata": {"checkout_id": params.get("metadata[checkout_id]")},
                "mode": "payment", "payment_intent": None, "payment_status": "unpaid", "status": "open",
            }  # fmt: skip
        if method == "POST" and path == "/v1/refunds":
            return 200, {
                "id": f"re_test_{n:04d}", "object": "refund", "amount": int(params["amount"]), "currency": "usd",
                "payment_intent": params["payment_intent"], "status": "succeeded",
            }  # fmt: skip
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method}: {path})"}}

    def start(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                status, body = fake.answer("POST", self.path, dict(self.headers.items()), {k: v[-1] for k, v in form.items()})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
