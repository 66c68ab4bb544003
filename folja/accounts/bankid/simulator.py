"""A BankID simulator: the RP API v6.0 over mutual TLS, plus a way to "scan" a QR code or open an autostart link.

For development (`manage.py bankid_simulator`) and tests only. It keeps orders in memory and
checks what the real app checks: the QR code's HMAC and age, the client certificate.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

FAILURE_HINTS = ("userCancel", "expiredTransaction", "startFailed", "certificateErr")


class ScanRejected(Exception):
    """The simulated app refuses a QR code: unknown order, wrong HMAC, or too old."""


@dataclass
class SimulatedOrder:
    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str
    end_user_ip: str
    return_url: str
    web: dict[str, str]
    started: float
    status: str = "pending"
    hint_code: str = "outstandingTransaction"
    completion: dict[str, Any] | None = None
    risk: str = "low"
    collects: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)


class BankIDSimulator:
    """Serve /rp/v6.0/{auth,collect,cancel} on 127.0.0.1 over mTLS and simulate the user's app."""

    def __init__(
        self,
        *,
        server_cert: Path,
        server_key: Path,
        client_ca: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        order_seconds: int = 180,
        max_qr_age: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.orders: dict[str, SimulatedOrder] = {}
        self.order_seconds = order_seconds
        self.max_qr_age = max_qr_age
        self.clock = clock
        self._lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(certfile=str(server_cert), keyfile=str(server_key))
        context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: only RPs with a certificate from our CA
        context.load_verify_locations(cafile=str(client_ca))
        self._server = ThreadingHTTPServer((host, port), _make_api_handler(self))
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the base URL to use as FOLJA_BANKID_URL."""
        host, port = self._server.server_address[:2]
        return f"https://{host}:{port}/rp/v6.0/"

    def start(self) -> BankIDSimulator:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="bankid-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    # --- the API -------------------------------------------------------------------------------

    def _auth(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not isinstance(body.get("endUserIp"), str) or not body["endUserIp"]:
            return 400, {"errorCode": "invalidParameters", "details": "endUserIp missing"}
        order = SimulatedOrder(
            order_ref=str(uuid.uuid4()),
            auto_start_token=str(uuid.uuid4()),
            qr_start_token=str(uuid.uuid4()),
            qr_start_secret=str(uuid.uuid4()),
            end_user_ip=body["endUserIp"],
            return_url=str(body.get("returnUrl", "")),
            web=dict(body.get("web") or {}),
            started=self.clock(),
        )
        order.requests.append(body)
        with self._lock:
            self.orders[order.order_ref] = order
        return 200, {
            "orderRef": order.order_ref,
            "autoStartToken": order.auto_start_token,
            "qrStartToken": order.qr_start_token,
            "qrStartSecret": order.qr_start_secret,
        }

    def _collect(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        order = self.orders.get(str(body.get("orderRef", "")))
        if order is None:
            return 400, {"errorCode": "invalidParameters", "details": "No such order"}
        order.collects += 1
        if order.status == "pending" and self.clock() - order.started > self.order_seconds:
            order.status, order.hint_code = "failed", "expiredTransaction"
        answer: dict[str, Any] = {"orderRef": order.order_ref, "status": order.status}
        if order.status != "complete":
            answer["hintCode"] = order.hint_code
        else:
            answer["completionData"] = order.completion
        return 200, answer

    def _cancel(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        order = self.orders.get(str(body.get("orderRef", "")))
        if order is None or order.status != "pending":
            return 400, {"errorCode": "invalidParameters", "details": "No such order"}
        order.status, order.hint_code = "failed", "cancelled"
        return 200, {}

    # --- the user's app ------------------------------------------------------------------------

    def current_qr(self, order_ref: str) -> str:
        """Return the QR content that should be on screen now (what a well-behaved RP shows)."""
        order = self.orders[order_ref]
        seconds = int(self.clock() - order.started)
        code = hmac.new(order.qr_start_secret.encode(), str(seconds).encode(), hashlib.sha256).hexdigest()
        return f"bankid.{order.qr_start_token}.{seconds}.{code}"

    def scan(self, qr: str, **outcome: Any) -> SimulatedOrder:
        """Scan a QR code as the app does (checking HMAC and age), then finish as `complete` says."""
        parts = qr.split(".")
        if len(parts) != 4 or parts[0] != "bankid" or not parts[2].isdigit():
            raise ScanRejected("not a BankID QR code")
        _prefix, token, seconds, code = parts
        order = next((o for o in self.orders.values() if o.qr_start_token == token), None)
        if order is None or order.status != "pending":
            raise ScanRejected("no pending order for this QR code")
        expected = hmac.new(order.qr_start_secret.encode(), seconds.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, code):
            raise ScanRejected("QR code HMAC does not match")
        age = self.clock() - order.started - int(seconds)
        if age > self.max_qr_age or age < -1:
            raise ScanRejected("QR code is too old")
        return self._finish(order, **outcome)

    def open_autostart(self, auto_start_token: str, **outcome: Any) -> SimulatedOrder:
        """Open the autostart link on "this device", then finish as `complete` says."""
        order = next((o for o in self.orders.values() if o.auto_start_token == auto_start_token), None)
        if order is None or order.status != "pending":
            raise ScanRejected("no pending order for this autostart token")
        return self._finish(order, **outcome)

    def _finish(
        self,
        order: SimulatedOrder,
        *,
        civic_number: str = "",
        given_name: str = "Test",
        surname: str = "Testsson",
        fail: str = "",
        risk: str = "low",
        complete: bool = True,
    ) -> SimulatedOrder:
        if fail:
            if fail not in FAILURE_HINTS:
                raise ValueError(f"unknown failure {fail!r}")
            order.status, order.hint_code = "failed", fail
            return order
        order.hint_code = "userSign"
        if complete:
            self.complete(order.order_ref, civic_number=civic_number, given_name=given_name, surname=surname, risk=risk)
        return order

    def complete(
        self,
        order_ref: str,
        *,
        civic_number: str,
        given_name: str = "Test",
        surname: str = "Testsson",
        risk: str = "low",
    ) -> None:
        """Let the user confirm in the app: the order completes as the civic number."""
        order = self.orders[order_ref]
        order.status = "complete"
        order.completion = {
            "user": {
                "personalNumber": civic_number,
                "name": f"{given_name} {surname}",
                "givenName": given_name,
                "surname": surname,
            },
            "device": {"ipAddress": order.end_user_ip, "uhi": secrets.token_hex(8)},
            "bankIdIssueDate": "2024-01-01Z",
            "signature": "PD94bWwgdmVyc2lvbj0iMS4wIj8+PHNpbXVsYXRlZC8+",
            "ocspResponse": "TUlJSGZnb0JBS0NDQjNj",
            "risk": risk,
        }

    def fail(self, order_ref: str, hint_code: str) -> None:
        """End a pending order as failed with the hint code (userCancel, expiredTransaction, …)."""
        order = self.orders[order_ref]
        order.status, order.hint_code = "failed", hint_code

    # --- a page for developers (plain HTTP on another port) -------------------------------------

    def serve_device_page(self, host: str, port: int) -> ThreadingHTTPServer:
        """Serve the "phone" on plain HTTP: open autostart links and scan the newest QR code."""
        server = ThreadingHTTPServer((host, port), _make_device_handler(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="bankid-simulator-device", daemon=True).start()
        return server


def _make_api_handler(sim: BankIDSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet: tests and dev console
            return

        def do_POST(self) -> None:
            routes = {"/rp/v6.0/auth": sim._auth, "/rp/v6.0/collect": sim._collect, "/rp/v6.0/cancel": sim._cancel}
            route = routes.get(self.path)
            if route is None:
                self._send(404, {"errorCode": "notFound", "details": "No such endpoint"})
                return
            if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                self._send(415, {"errorCode": "unsupportedMediaType", "details": "application/json"})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0") or 0)) or b"{}")
            except ValueError:
                self._send(400, {"errorCode": "invalidParameters", "details": "Invalid JSON"})
                return
            status, answer = route(body if isinstance(body, dict) else {})
            self._send(status, answer)

        def _send(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _make_device_handler(sim: BankIDSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            query = parse_qs(urlparse(self.path).query)
            token = query.get("autostarttoken", [""])[0]
            pending = [o for o in sim.orders.values() if o.status == "pending"]
            rows = []
            for order in pending:
                kind = "autostart" if order.auto_start_token == token else "qr"
                rows.append(
                    f"<form method='post'><input type='hidden' name='order' value='{html.escape(order.order_ref)}'>"
                    f"<input type='hidden' name='kind' value='{kind}'>"
                    f"<label>Personnummer <input name='civic' inputmode='numeric' required></label> "
                    f"<button name='fail' value=''>Identifiera ({kind})</button> "
                    + " ".join(f"<button name='fail' value='{h}' formnovalidate>{h}</button>" for h in FAILURE_HINTS)
                    + "</form>"
                )
            page = "<!doctype html><meta charset='utf-8'><title>BankID-simulator</title><h1>BankID-simulator</h1>" + (
                "".join(rows) or "<p>Inga pågående ordrar. Starta en inloggning i Följa.</p>"
            )
            self._html(200, page)

        def do_POST(self) -> None:
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", "0") or 0)).decode())
            order = sim.orders.get(form.get("order", [""])[0])
            if order is None:
                self._html(404, "<p>Okänd order</p>")
                return
            fail = form.get("fail", [""])[0]
            civic_number = form.get("civic", [""])[0].replace("-", "").strip()
            try:
                if form.get("kind", [""])[0] == "autostart":
                    sim.open_autostart(order.auto_start_token, civic_number=civic_number, fail=fail)
                else:
                    sim.scan(sim.current_qr(order.order_ref), civic_number=civic_number, fail=fail)
            except (ScanRejected, ValueError) as exc:
                self._html(400, f"<p>{html.escape(str(exc))}</p>")
                return
            if order.return_url and form.get("kind", [""])[0] == "autostart":
                self.send_response(303)
                self.send_header("Location", order.return_url)
                self.end_headers()
                return
            self._html(200, "<p>Klart. Gå tillbaka till Följa.</p><p><a href='/'>Tillbaka</a></p>")

        def _html(self, status: int, page: str) -> None:
            data = page.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
