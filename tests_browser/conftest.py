"""Browser journeys: a live Följa server with the demo world, Debian's Chromium, axe-core.

The server is what `make demo` runs (migrate, curriculum_load, `demo_world --reset`, runserver with
FOLJA_DEBUG=1), started once per session in a subprocess on a free port of 127.0.0.1 with its own
temporary FOLJA_VAR_DIR, the test e-ID on and a BankID simulator (in this process) configured.
Tasks run inline (FOLJA_TASKS_BACKEND=immediate) so uploaded photos have renditions at once.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("FOLJA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--lang=sv-SE",  # date fields and the file chooser as a Swedish browser shows them
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in tests_browser/ as a browser test (`make test` excludes them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Följa server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the Följa server did not answer on port {port} within {seconds} s")


@dataclass
class LiveServer:
    url: str
    var_dir: Path
    personas: dict[str, dict]
    bankid: object  # folja.accounts.bankid.simulator.BankIDSimulator
    sms: object = None  # folja.testing.sms_gateway.FakeSmsGateway: the inbox of SMS sign-in codes

    def db(self) -> sqlite3.Connection:
        """Open the server's SQLite database read-only (to look up uuids and names the UI hides)."""
        return sqlite3.connect(f"file:{self.var_dir / 'folja.sqlite3'}?mode=ro", uri=True)

    def group_uuid(self, name: str, *, hidden: bool | None = None, unit: str | None = None) -> str:
        query = (
            "SELECT g.uuid FROM directory_group g JOIN directory_organisation o ON o.id = g.school_unit_id "
            "WHERE g.display_name = ?"
        )
        args: list[object] = [name]
        if hidden is not None:
            query += " AND g.hidden_members = ?"
            args.append(int(hidden))
        if unit is not None:
            query += " AND o.display_name = ?"
            args.append(unit)
        with self.db() as conn:
            rows = conn.execute(query, args).fetchall()
        assert len(rows) == 1, f"expected one group {name!r}, found {len(rows)}"
        return str(uuid.UUID(rows[0][0]))

    def children_in_group(self, group_uuid: str) -> list[str]:
        """Return the full names of the children (persons with guardians) in the group today."""
        with self.db() as conn:
            rows = conn.execute(
                "SELECT DISTINCT p.given_name, p.family_name FROM directory_groupmembership m "
                "JOIN directory_group g ON g.id = m.group_id JOIN directory_person p ON p.id = m.person_id "
                "WHERE g.uuid = ? AND m.start_date <= date('now') "
                "AND (m.end_date IS NULL OR m.end_date >= date('now')) "
                "AND EXISTS (SELECT 1 FROM directory_guardianship gs WHERE gs.child_id = p.id)",
                [uuid.UUID(group_uuid).hex],
            ).fetchall()
        return [f"{given} {family}" for given, family in rows]

    def guardian_of_child_with_planned_talk(self) -> tuple[str, str]:
        """Return (civic number, child's full name) of a guardian whose child has an unbooked talk."""
        with self.db() as conn:
            row = conn.execute(
                "SELECT r.civic_number, c.given_name || ' ' || c.family_name FROM directory_guardianship g "
                "JOIN directory_person r ON r.id = g.responsible_id JOIN directory_person c ON c.id = g.child_id "
                "WHERE r.civic_number IS NOT NULL AND r.sealed_at IS NULL AND EXISTS "
                "(SELECT 1 FROM talks_talk t WHERE t.child_id = c.id AND t.status = 'planned') "
                "ORDER BY c.family_name, c.given_name LIMIT 1"
            ).fetchone()
        assert row, "no guardian in the demo world has a child with a planned development talk"
        return row[0], row[1]


@pytest.fixture(scope="session")
def live_server_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="folja-browser-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def bankid_simulator(live_server_dir: Path) -> Iterator[object]:
    from folja.accounts.bankid import testpki
    from folja.accounts.bankid.simulator import BankIDSimulator

    pki = testpki.generate(live_server_dir / "bankid")
    sim = BankIDSimulator(server_cert=pki.server_cert, server_key=pki.server_key, client_ca=pki.ca_cert).start()
    sim.pki = pki
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def sms_gateway() -> Iterator[object]:
    """A fake SMS gateway server the live server posts sign-in codes to (HttpGateway's protocol)."""
    from folja.testing.sms_gateway import FakeSmsGateway

    gateway = FakeSmsGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="session")
def folja(live_server_dir: Path, bankid_simulator: object, sms_gateway: object) -> Iterator[LiveServer]:
    """Build the demo world in a temporary database and serve it with `manage.py runserver`."""
    pki = bankid_simulator.pki
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FOLJA_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        {
            "FOLJA_DEBUG": "1",
            "FOLJA_VAR_DIR": str(live_server_dir),
            "FOLJA_TEST_EID_ENABLED": "1",
            "FOLJA_TASKS_BACKEND": "immediate",
            "FOLJA_SIGNIN_RATE_LIMIT": "10000",
            "FOLJA_SIGNIN_ADDRESS_RATE_LIMIT": "10000",
            "FOLJA_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "FOLJA_LOG_LEVEL": "ERROR",
            "FOLJA_BANKID_URL": bankid_simulator.url,
            "FOLJA_BANKID_CERT": str(pki.client_cert),
            "FOLJA_BANKID_KEY": str(pki.client_key),
            "FOLJA_BANKID_CA": str(pki.ca_cert),
            "FOLJA_BANKID_APP_URL": "http://127.0.0.1:9/",  # never opened: the tests use the QR flow
            "FOLJA_SMS_BACKEND": "folja.accounts.lower.gateways.HttpGateway",
            "FOLJA_SMS_HTTP_URL": sms_gateway.url,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*args: str) -> str:
        command = [*manage, *args]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    run("migrate", "--noinput", "-v0")
    run("curriculum_load")
    document = json.loads(run("demo_world", "--reset", "--json"))
    personas = {row["key"]: row for row in document["personas"]}
    log_path = ROOT / "var" / "browser-server.log"  # kept after the run, for a failing journey
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, server)
        yield LiveServer(
            url=f"http://127.0.0.1:{port}",
            var_dir=live_server_dir,
            personas=personas,
            bankid=bankid_simulator,
            sms=sms_gateway,
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (CI installs it in .ci/run)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def csp_violations() -> list[str]:
    """Content-Security-Policy violations Chromium reported in the test's browser contexts (tests_browser/csp.py)."""
    return []


@pytest.fixture
def context(browser: object, folja: LiveServer, csp_violations: list[str]) -> Iterator[object]:
    """A fresh browser context (own cookies) per test, Swedish first, phone-sized until told otherwise.

    The test fails when any page in it breaks the Content-Security-Policy (finding F8); a test that
    opens other contexts watches them with `tests_browser.csp.watch(context, csp_violations)`.
    """
    from tests_browser.csp import watch

    context = browser.new_context(
        base_url=folja.url, locale="sv-SE", viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    context.set_default_timeout(15_000)
    watch(context, csp_violations)
    yield context
    context.close()
    assert not csp_violations, "Content-Security-Policy violations in Chromium:\n" + "\n".join(csp_violations)


@pytest.fixture
def page(context: object) -> object:
    return context.new_page()


@pytest.fixture
def a11y(folja: LiveServer) -> Iterator[object]:
    from tests_browser.a11y import Auditor

    auditor = Auditor()
    yield auditor
    auditor.write_report()
