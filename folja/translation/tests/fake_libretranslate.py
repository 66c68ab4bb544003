"""A fake LibreTranslate server for tests, on 127.0.0.1 (an ephemeral port): POST /translate.

`mode` says how it answers: "ok" (each text prefixed with "[target] "), "slow" (waits `delay`
seconds first), "error" (500), "garbage" (not JSON), "script" (an answer with a <script> in it).
`requests` holds the JSON bodies received, so a test can assert what was (not) sent.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLibreTranslate:
    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 1.0
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet in test output
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                if self.path != "/translate":
                    return self._answer(404, b'{"error": "not found"}')
                if fake.mode == "slow":
                    time.sleep(fake.delay)
                if fake.mode == "error":
                    return self._answer(500, b'{"error": "down"}')
                if fake.mode == "garbage":
                    return self._answer(200, b"<html>not json</html>")
                texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
                prefix = f"[{body['target']}] "
                if fake.mode == "script":
                    prefix = "<script>alert(1)</script>" + prefix
                translated = [prefix + text for text in texts]
                answer = translated if isinstance(body["q"], list) else translated[0]
                return self._answer(200, json.dumps({"translatedText": answer}).encode())

            def _answer(self, status: int, payload: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the slow mode's point)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeLibreTranslate:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
