"""A fake SMS gateway server for tests: speaks the HttpGateway's protocol on 127.0.0.1 and keeps
every message it receives in an inbox the test reads (folja/accounts/lower/gateways.py)."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSmsGateway:
    """Start with `start()`, point FOLJA_SMS_HTTP_URL at `url`, read `inbox`, `stop()` at the end."""

    def __init__(self, token: str = "") -> None:
        self.token = token
        self.inbox: list[dict] = []
        self.fail = False  # answer 503 to every message (a gateway that is down)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if gateway.token and self.headers.get("Authorization") != f"Bearer {gateway.token}":
                    self.send_response(401)
                elif gateway.fail:
                    self.send_response(503)
                else:
                    gateway.inbox.append(json.loads(body))
                    self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/messages"

    def start(self) -> FakeSmsGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def messages_to(self, number: str) -> list[str]:
        return [item["message"] for item in self.inbox if item["to"] == number]

    def last_code(self, number: str) -> str:
        """Return the six-digit code of the last message to the number."""
        found = re.search(r"\b(\d{6})\b", self.messages_to(number)[-1])
        assert found, "no code in the message"
        return found.group(1)
