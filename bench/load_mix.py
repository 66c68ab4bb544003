"""The request mix of the load test (bench/load.py): signed-in guardians and staff, and sign-ins.

Sessions are made beforehand with Django's session machinery (bench/run.py's `make_session`, as
`folja.accounts.session.start_session` makes them); the sign-in status polls use sessions that
started a real BankID order through nginx (against the simulator). Each persona has a client
address of its own (X-Forwarded-For, which the load test's nginx trusts from 127.0.0.1 as it would
from a load balancer), so per-address limits see many people, as in production.

| class          | share | requests |
|----------------|------:|----------|
| guardian_read  |  60 % | start page 8, the child's timeline 20, a post 10, a photo (320 px) 22 |
| staff_read     |  20 % | feed of my groups 12, a group's log 8 |
| staff_write    |   5 % | compose and publish a post about a child 2, a comment on a post 3 |
| signin         |  15 % | sign-in page 4, the guardian's methods 3, BankID start 3, BankID status poll 5 |
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
import uuid
from dataclasses import dataclass, field

import httpx

KINDS: dict[str, tuple[str, int]] = {
    # kind: (class, weight in 100)
    "home": ("guardian_read", 8),
    "timeline": ("guardian_read", 20),
    "post": ("guardian_read", 10),
    "photo": ("guardian_read", 22),
    "feed": ("staff_read", 12),
    "group": ("staff_read", 8),
    "publish": ("staff_write", 2),
    "comment": ("staff_write", 3),
    "login": ("signin", 4),
    "methods": ("signin", 3),
    "start": ("signin", 3),
    "status": ("signin", 5),
}
CLASSES = ("guardian_read", "staff_read", "staff_write", "signin")


@dataclass
class Row:
    kind: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    @property
    def cls(self) -> str:
        return KINDS[self.kind][0]


def address(index: int) -> str:
    """A client address of its own for persona `index` (10.0.0.0/8)."""
    index += 1
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"


def csrf_secret(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


class Mix:
    """Builds the rows; needs Django set up with the server's settings and the dataset."""

    def __init__(self, base: str, personas: int) -> None:
        from django.conf import settings

        self.base = base
        self.personas = personas
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.csrf_cookie = settings.CSRF_COOKIE_NAME
        self.next_address = 0
        self.rows: dict[str, list[Row]] = {kind: [] for kind in KINDS}
        self.guardians: list[str] = []  # civic numbers of the guardians, for the sign-in probes

    def _headers(self, kind: str, session: str = "", *, form: bool = False) -> dict[str, str]:
        self.next_address += 1
        headers = {"X-Forwarded-For": address(self.next_address), "X-Bench-Class": KINDS[kind][0]}
        cookies = []
        if session:
            cookies.append(f"{self.session_cookie}={session}")
        cookies.append(f"{self.csrf_cookie}={csrf_secret(session or str(self.next_address))}")
        headers["Cookie"] = "; ".join(cookies)
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.base
        if kind == "status":
            headers["Accept"] = "application/json"
        return headers

    def _form(self, headers: dict[str, str], fields: list[tuple[str, str]]) -> str:
        from urllib.parse import urlencode

        token = headers["Cookie"].rsplit("=", 1)[1]  # the CSRF cookie's secret, unmasked
        return urlencode([("csrfmiddlewaretoken", token), *fields])

    def build(self) -> None:
        import run as bench_run  # bench/run.py: persona choice and sessions as the benchmarks make them
        from django.contrib.sessions.backends.db import SessionStore

        from folja.access.roles import Role, Viewer
        from folja.accounts.models import User
        from folja.directory.models import Person
        from folja.learninglog import access as post_policy
        from folja.media.models import Media

        pages = bench_run.pick_personas(self.personas)
        today = dt.date.today().isoformat()
        for item in pages["P1"]:
            session = item["session"]
            self.rows["home"].append(Row("home", "GET", "/", self._headers("home", session)))
            self.rows["timeline"].append(Row("timeline", "GET", item["path"], self._headers("timeline", session)))
        for item in pages["P4"]:
            session = item["session"]
            media = Media.objects.select_related("post").get(uuid=item["path"].split("/")[2])
            self.rows["photo"].append(Row("photo", "GET", item["path"], self._headers("photo", session)))
            path = f"/posts/{media.post.uuid}/"
            self.rows["post"].append(Row("post", "GET", path, self._headers("post", session)))
        for session_key in {item["session"] for item in pages["P1"]}:
            user_id = SessionStore(session_key=session_key).load().get("_auth_user_id")
            person = User.objects.select_related("person").get(pk=user_id).person
            if person.civic_number:
                self.guardians.append(person.civic_number)
        for feed, group, timeline in zip(pages["P2feed"], pages["P2group"], pages["P2timeline"], strict=True):
            session = feed["session"]
            self.rows["feed"].append(Row("feed", "GET", "/feed/", self._headers("feed", session)))
            self.rows["group"].append(Row("group", "GET", group["path"], self._headers("group", session)))
            child_uuid, group_uuid = timeline["path"].split("/")[2], group["path"].split("/")[2]
            headers = self._headers("publish", session, form=True)
            body = self._form(headers, [
                ("group", group_uuid), ("kind", "individual"), ("children", child_uuid),
                ("title", "Vi byggde en koja"), ("body", "Idag byggde vi en koja av grenar i skogen."),
                ("activity_date", today), ("publish", "1"),
            ])  # fmt: skip
            self.rows["publish"].append(Row("publish", "POST", "/posts/new/", headers, body))
            staff_user = SessionStore(session_key=session).load().get("_auth_user_id")
            staff = User.objects.select_related("person").get(pk=staff_user).person
            viewer = Viewer(person=staff, role=Role.STAFF)
            post = post_policy.timeline_posts(viewer, Person.objects.get(uuid=child_uuid)).first()
            if post is not None:
                headers = self._headers("comment", session, form=True)
                body = self._form(headers, [("body", "Så roligt att se!")])
                self.rows["comment"].append(Row("comment", "POST", f"/posts/{post.uuid}/comments/", headers, body))
        for _ in range(self.personas):
            self.rows["login"].append(Row("login", "GET", "/login/", self._headers("login")))
            self.rows["methods"].append(Row("methods", "GET", "/login/guardian/", self._headers("methods")))
            headers = self._headers("start", form=True)
            self.rows["start"].append(
                Row("start", "POST", "/login/guardian/bankid/", headers, self._form(headers, [("mode", "qr")]))
            )
        empty = [kind for kind, rows in self.rows.items() if kind != "status" and not rows]
        if empty:
            raise SystemExit(f"no personas for {', '.join(empty)}: is the dataset complete?")

    def pending_sign_ins(self, client: httpx.Client, count: int) -> None:
        """Start `count` BankID orders through nginx and keep their sessions for the status polls."""
        for row in self.rows["start"][:count]:
            answer = client.post(row.path, headers=row.headers, content=row.body)
            if answer.status_code != 302 or self.session_cookie not in answer.cookies:
                raise SystemExit(f"BankID start answered {answer.status_code}: {answer.text[:300]}")
            session = answer.cookies[self.session_cookie]
            self.rows["status"].append(Row("status", "GET", "/login/bankid/status/", self._headers("status", session)))

    def validate(self, client: httpx.Client) -> dict[str, int]:
        """One request of every kind through nginx; each must answer as a person's would."""
        expected = {"publish": {302}, "comment": {302}, "start": {302}, "home": {200, 302}}
        seen = {}
        for kind, rows in self.rows.items():
            row = rows[-1]
            answer = client.request(row.method, row.path, headers=row.headers, content=row.body or None)
            seen[kind] = answer.status_code
            if answer.status_code not in expected.get(kind, {200}):
                raise SystemExit(f"{kind} {row.method} {row.path} answered {answer.status_code}: {answer.text[:300]}")
            if kind in ("publish", "comment") and "/login" in answer.headers.get("Location", ""):
                raise SystemExit(f"{kind} was sent to the sign-in page: the staff sessions are wrong")
        return seen

    def lua_rows(self, total: int = 2000, seed: int = 1) -> str:
        """The weighted rows as a Lua table for bench/load.lua."""
        rng = random.Random(seed)
        chosen: list[Row] = []
        for kind, (_cls, weight) in KINDS.items():
            rows = self.rows[kind]
            chosen += [rows[i % len(rows)] for i in range(total * weight // 100)]
        rng.shuffle(chosen)

        def lua(text: str) -> str:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

        lines = ["return {"]
        for row in chosen:
            headers = ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in row.headers.items())
            body = lua(row.body) if row.body else "nil"
            lines.append(f"  {{{lua(row.method)}, {lua(row.path)}, {{{headers}}}, {body}}},")
        lines.append("}")
        return "\n".join(lines) + "\n"


def sign_in_probe(client: httpx.Client, simulator, civic_number: str, index: int) -> float:  # noqa: ANN001
    """One whole BankID sign-in through nginx, as a guardian does it: start, the phone confirms
    (the simulator), the status poll that completes it. Return its seconds (-1: it failed)."""
    from django.conf import settings

    ip = f"172.16.{(index >> 8) & 255}.{index & 255}"
    secret = csrf_secret(f"probe-{index}-{uuid.uuid4()}")
    headers = {"X-Forwarded-For": ip, "X-Bench-Class": "signin_probe", "Origin": str(client.base_url).rstrip("/")}
    client.cookies.clear()
    client.cookies.set(settings.CSRF_COOKIE_NAME, secret)
    started = time.perf_counter()
    answer = client.post("/login/guardian/bankid/", data={"csrfmiddlewaretoken": secret, "mode": "qr"}, headers=headers)
    if answer.status_code != 302:
        return -1.0
    order = next((o for o in list(simulator.orders.values()) if o.end_user_ip == ip and o.status == "pending"), None)
    if order is None:
        return -1.0
    simulator.complete(order.order_ref, civic_number=civic_number)
    for _ in range(10):
        polled = client.get("/login/bankid/status/", headers={**headers, "Accept": "application/json"})
        if polled.status_code == 200 and polled.json().get("next"):
            return time.perf_counter() - started if polled.json()["status"] == "complete" else -1.0
        time.sleep(float(polled.headers.get("Retry-After", "0.5")))
    return -1.0
