"""A small SS 12000 server over http.server that serves a FakeWorld, with fault injection.

It follows the parts of the spec the import relies on: paging with an opaque `pageToken`
(400 when a page token comes with other filters, as the spec says), `limit`, `meta.modified.after`
and `meta.created.after` (exclusive), `/deletedEntities`, `/persons/lookup` and an OAuth2
client-credentials token endpoint. Entities are generated lazily from the world and serialised
once: pages are joined from cached per-entity JSON, and the cache is dropped whenever the world
changes (a hook or a change to `removed`). `prebuild()` fills the cache before serving, so a
benchmark measures the importer rather than this test harness.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import secrets
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from folja.sis.fake.world import KINDS, FakeWorld

try:  # a pinned dependency; the standard library is a slower fallback
    import orjson

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value)

except ImportError:  # pragma: no cover

    def dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


LISTINGS = {f"/{kind}": kind for kind in KINDS}
PAGING_ONLY = {"pageToken", "limit"}


class Faults:
    """Failures to inject: per path, which page (1-based) fails how, and how often."""

    def __init__(self) -> None:
        self.status: dict[str, tuple[int, int, int]] = {}  # path -> (page, status, times)
        self.malformed: dict[str, int] = {}  # path -> page that is cut off mid-JSON
        self.pages_served: Counter[str] = Counter()

    def fail(self, path: str, *, page: int, status: int = 503, times: int = 1) -> None:
        """Make request number `page` of a listing answer `status`, `times` times in a row."""
        self.status[path] = (page, status, times)
        self.pages_served[path] = 0

    def malform(self, path: str, *, page: int) -> None:
        """Make page `page` of a listing invalid JSON."""
        self.malformed[path] = page
        self.pages_served[path] = 0


class FakeSis:
    """Serve a FakeWorld on 127.0.0.1 in a background thread (port 0 picks a free port)."""

    def __init__(
        self,
        world: FakeWorld,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str | None = None,
        client_secret: str | None = None,
        max_page: int = 1000,
        ignore_limit: bool = False,
    ) -> None:
        self.world = world
        self.faults = Faults()
        self.client_id = client_id
        self.client_secret = client_secret
        self.max_page = max_page
        self.ignore_limit = ignore_limit
        self.tokens: set[str] = set()
        # kind -> index -> serialised entity (None when removed); valid for one world fingerprint.
        self._cache: dict[str, dict[int, bytes | None]] = {kind: {} for kind in KINDS}
        self._cache_key: tuple | None = None
        self.requests: list[tuple[str, str, dict[str, list[str]], Any]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    def start(self) -> FakeSis:
        """Start serving in a daemon thread."""
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-sis", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeSis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- behaviour ------------------------------------------------------------------------

    def requires_auth(self) -> bool:
        return self.client_id is not None

    def issue_token(self, client_id: str, client_secret: str) -> str | None:
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return None
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return token

    def _serialised(self, kind: str) -> dict[int, bytes | None]:
        key = self.world.fingerprint()
        if key != self._cache_key:
            self._cache = {name: {} for name in KINDS}
            self._cache_key = key
        return self._cache[kind]

    def entity_bytes(self, kind: str, index: int) -> bytes | None:
        """Return entity `index` of a kind as JSON, from the cache when the world has not changed."""
        with self.lock:
            cache = self._serialised(kind)
        try:
            return cache[index]
        except KeyError:
            item = self.world.entity(kind, index)
            cache[index] = raw = None if item is None else dumps(item)
            return raw

    def prebuild(self) -> None:
        """Serialise every entity of the world now (the world must not change while it is served)."""
        for kind in KINDS:
            for index in range(self.world.count(kind) + len(self.world.extra[kind])):
                self.entity_bytes(kind, index)

    def listing(self, kind: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        """Return (status, body) for one page of a listing; a 200 body is already serialised."""
        if "pageToken" in query:
            if set(query) - PAGING_ONLY:
                return 400, {"code": "InvalidFilter", "message": "pageToken cannot be combined with filters"}
            try:
                state = json.loads(base64.urlsafe_b64decode(query["pageToken"][0]))
                offset, filters = int(state["o"]), state["f"]
                if state["k"] != kind:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return 400, {"code": "InvalidPageToken", "message": "unknown page token"}
        else:
            offset, filters = 0, {k: v[0] for k, v in query.items() if k not in PAGING_ONLY}
        limit = self.max_page
        if "limit" in query:
            try:
                limit = max(1, min(int(query["limit"][0]), self.max_page))
            except ValueError:
                return 400, {"code": "InvalidLimit", "message": "limit must be a whole number"}
        indexes = self._matching(kind, filters)
        if self.ignore_limit:
            limit = len(indexes) + 1
        page = indexes[offset : offset + limit]
        data = [raw for raw in (self.entity_bytes(kind, i) for i in page) if raw is not None]
        parts = [b'{"data":[', b",".join(data), b"]"]
        if offset + limit < len(indexes):
            token = json.dumps({"k": kind, "o": offset + limit, "f": filters}).encode()
            parts.append(b',"pageToken":"' + base64.urlsafe_b64encode(token) + b'"')
        parts.append(b"}")
        return 200, b"".join(parts)

    def _matching(self, kind: str, filters: dict[str, str]) -> Any:
        """Return the indexes that pass the filters (a range when nothing is filtered out)."""
        world = self.world
        total = world.count(kind) + len(world.extra[kind])
        after = None
        for name in ("meta.modified.after", "meta.created.after"):
            if name in filters:
                after = dt.datetime.fromisoformat(filters[name].replace("Z", "+00:00"))
                created_only = name == "meta.created.after"
        if after is None:
            return range(total)
        if after < world.base_time:
            return range(total)
        result = []
        if not created_only:
            result = sorted(i for i in world.changes[kind] if world.modified(kind, i) > after)
        for j, item in enumerate(world.extra[kind]):
            stamp = dt.datetime.fromisoformat(
                item["meta"]["created" if created_only else "modified"].replace("Z", "+00:00")
            )
            if stamp > after:
                result.append(world.count(kind) + j)
        return result

    def deleted(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        if "pageToken" in query and set(query) - PAGING_ONLY:
            return 400, {"code": "InvalidFilter", "message": "pageToken cannot be combined with filters"}
        after = dt.datetime.fromisoformat(query.get("after", ["1970-01-01T00:00:00Z"])[0].replace("Z", "+00:00"))
        wanted = set(query.get("entities", [])) or None
        names = {"Organisation": "organisations", "Person": "persons", "Group": "groups", "Placement": "placements"}
        names["Duty"] = "duties"
        data: dict[str, list[str]] = {}
        for stamp, entity_type, sis_id in self.world.deletions:
            if stamp > after and (wanted is None or entity_type in wanted):
                data.setdefault(names[entity_type], []).append(sis_id)
        return 200, {"data": data, "pageToken": None}

    def lookup(self, kind: str, body: Any) -> tuple[int, Any]:
        ids = body.get("ids", []) if isinstance(body, dict) else []
        result = []
        count = self.world.count(kind)
        extra = {item["id"]: count + j for j, item in enumerate(self.world.extra[kind])}
        for sis_id in ids:
            index = self.world.index_of(kind, sis_id)
            index = index if index is not None and index < count else extra.get(sis_id)
            raw = self.entity_bytes(kind, index) if index is not None else None
            if raw is not None:
                result.append(raw)
        return 200, b"[" + b",".join(result) + b"]"


def _handler_for(sis: FakeSis) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body in one segment: without this, delayed ACKs add ~40 ms per page.
        disable_nagle_algorithm = True
        wbufsize = 1 << 16

        def date_time_string(self, timestamp: float | None = None) -> str:
            # The Date header is the fake SIS's own clock, which tests move forward with changes.
            return email.utils.format_datetime(sis.world.clock, usegmt=True)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests and benchmarks read the report, not the access log

        def _send(self, status: int, body: Any, raw: bytes | None = None) -> None:
            if raw is None and isinstance(body, bytes):
                raw = body
            payload = raw if raw is not None else dumps(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _authorised(self) -> bool:
            if not sis.requires_auth():
                return True
            header = self.headers.get("Authorization", "")
            return header.startswith("Bearer ") and header[7:] in sis.tokens

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if url.path == "/token":
                form = parse_qs(raw.decode())
                client_id, client_secret = form.get("client_id", [""])[0], form.get("client_secret", [""])[0]
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
                if form.get("grant_type") != ["client_credentials"]:
                    return self._send(400, {"error": "unsupported_grant_type"})
                token = sis.issue_token(client_id, client_secret)
                if token is None:
                    return self._send(401, {"error": "invalid_client"})
                return self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
            if not self._authorised():
                return self._send(401, {"code": "Unauthorized", "message": "missing or invalid token"})
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                return self._send(400, {"code": "InvalidBody", "message": "body is not JSON"})
            with sis.lock:
                sis.requests.append(("POST", url.path, {}, body))
            kind = url.path.removesuffix("/lookup").lstrip("/")
            if url.path.endswith("/lookup") and kind in KINDS:
                return self._send(*sis.lookup(kind, body))
            return self._send(404, {"code": "NotFound", "message": "no such endpoint"})

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            with sis.lock:
                sis.requests.append(("GET", url.path, query, None))
            if not self._authorised():
                return self._send(401, {"code": "Unauthorized", "message": "missing or invalid token"})
            if url.path == "/deletedEntities":
                return self._send(*sis.deleted(query))
            kind = LISTINGS.get(url.path)
            if kind is None:
                return self._send(404, {"code": "NotFound", "message": "no such endpoint"})
            faults = sis.faults
            with sis.lock:
                request_no = faults.pages_served[url.path] + 1
                planned = faults.status.get(url.path)
                if planned and planned[0] == request_no and planned[2] > 0:
                    faults.status[url.path] = (planned[0], planned[1], planned[2] - 1)
                    fail_with = planned[1]
                else:
                    fail_with = 0
                    faults.pages_served[url.path] = request_no
            if fail_with:
                return self._send(fail_with, {"code": "Unavailable", "message": "try again later"})
            status, body = sis.listing(kind, query)
            if status == 200 and faults.malformed.get(url.path) == request_no:
                return self._send(200, None, raw=body[: len(body) // 2])
            return self._send(status, body)

    return Handler
