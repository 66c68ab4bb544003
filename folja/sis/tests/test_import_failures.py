"""Clear import failures: a token endpoint that refuses, cannot be reached, answers garbage or
never answers gives a stored failed run with its reason and a one-line, translated message,
never a traceback. Every server here is started by the test on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from folja.directory.models import Organisation, Person
from folja.sis.auth import OAuth2ClientCredentials
from folja.sis.client import SisClient
from folja.sis.fake.server import FakeSis
from folja.sis.fake.world import FakeWorld
from folja.sis.models import RunStatus, SisConnection, SyncRun
from folja.sis.sync import run_sync
from folja.sis.tasks import sync_with_connection

pytestmark = pytest.mark.django_db

SECRET = "rätt-hemlighet"
WRONG = "fel-hemlighet-123"


@pytest.fixture
def secured() -> Iterator[FakeSis]:
    with FakeSis(FakeWorld(children=6), client_id="folja", client_secret=SECRET, max_page=10) as server:
        yield server


@pytest.fixture
def huvudman() -> Organisation:
    return Organisation.objects.create(organisation_type="Huvudman", display_name="Kommunen", organisation_code="K1")


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Garbage(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html><body>Underhall pagar</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def garbage_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/token"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A token endpoint that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/token"
    sock.close()


def sync_with_token_url(secured: FakeSis, huvudman: Organisation, token_url: str, secret: str = SECRET):
    auth = OAuth2ClientCredentials(token_url=token_url, client_id="folja", client_secret=secret, timeout=0.5)
    with SisClient(secured.base_url, auth=auth, backoff_base=0.001, max_attempts=2) as client:
        return run_sync(organisation=huvudman, client=client, own_process=False)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("wrong secret", "auth_rejected"),
        ("unreachable", "token_unreachable"),
        ("garbage", "token_garbage"),
        ("timeout", "token_timeout"),
    ],
)
def test_a_token_failure_is_a_stored_failed_run_with_its_reason(
    case, code, secured, huvudman, closed_port, garbage_url, silent_url, caplog
):
    token_url, secret = {
        "wrong secret": (secured.token_url, WRONG),
        "unreachable": (f"http://127.0.0.1:{closed_port}/token", SECRET),
        "garbage": (garbage_url, SECRET),
        "timeout": (silent_url, SECRET),
    }[case]
    with caplog.at_level(logging.INFO):
        result = sync_with_token_url(secured, huvudman, token_url, secret)  # no exception escapes
    assert result.status == RunStatus.FAILED and result.error_code == code
    run = SyncRun.objects.get()
    assert run.status == RunStatus.FAILED and run.error_code == code and run.finished_at is not None
    assert "\n" not in run.error_label and run.error_label.startswith("SIS")
    assert not Person.objects.exists()
    # Logged with context (where, which client, why), never the secret.
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(token_url.split("/token")[0] in message and "folja" in message for message in failures)
    assert SECRET not in caplog.text and WRONG not in caplog.text and "Traceback" not in caplog.text


def test_the_listings_fetched_at_once_ask_a_failing_token_endpoint_once(secured, huvudman, silent_url):
    auth = OAuth2ClientCredentials(token_url=silent_url, client_id="folja", client_secret=SECRET, timeout=0.3)
    asked = []
    fetch = auth._fetch_token

    def counted() -> str:
        asked.append(1)
        return fetch()

    auth._fetch_token = counted  # type: ignore[method-assign]
    with SisClient(secured.base_url, auth=auth) as client:
        result = run_sync(organisation=huvudman, client=client, own_process=False)
    assert result.error_code == "token_timeout"
    assert len(asked) == 1  # five listings start at once; only the first asks the token endpoint
    assert not secured.requests  # and no request reached the SIS without a token


def test_sis_sync_command_says_in_one_translated_line_that_the_secret_is_wrong(secured, huvudman):
    arguments = ["--base-url", secured.base_url, "--token-url", secured.token_url, "--client-id", "folja"]
    with pytest.raises(CommandError) as refused:
        call_command("sis_sync", *arguments, "--client-secret", WRONG, "--organisation", "K1", "--json")
    message = str(refused.value)
    assert "\n" not in message and WRONG not in message
    assert message.startswith("SIS nekade inloggningen")
    with translation.override("en"), pytest.raises(CommandError) as refused_en:
        call_command("sis_sync", *arguments, "--client-secret", WRONG, "--organisation", "K1", "--json")
    assert str(refused_en.value).startswith("The SIS refused the sign-in")
    assert SyncRun.objects.filter(status=RunStatus.FAILED, error_code="auth_rejected").count() == 2


def test_sis_sync_command_says_in_one_line_that_the_token_url_cannot_be_reached(secured, huvudman, closed_port):
    with pytest.raises(CommandError) as refused:
        call_command(
            "sis_sync",
            "--base-url", secured.base_url,
            "--token-url", f"http://127.0.0.1:{closed_port}/token",
            "--client-id", "folja",
            "--client-secret", SECRET,
            "--organisation", "K1",
        )  # fmt: skip
    assert "\n" not in str(refused.value) and "token" in str(refused.value)
    assert SyncRun.objects.get().error_code == "token_unreachable"


def test_a_connection_whose_secret_cannot_be_read_stores_a_failed_run(secured, huvudman, monkeypatch):
    monkeypatch.delenv("FOLJA_TEST_SIS_NO_SUCH_SECRET", raising=False)
    connection = SisConnection.objects.create(
        organisation=huvudman,
        base_url=secured.base_url,
        auth_kind="oauth2",
        token_url=secured.token_url,
        client_id="folja",
        secret_ref="env:FOLJA_TEST_SIS_NO_SUCH_SECRET",
    )
    result = sync_with_connection(connection, full=False, own_process=False)
    assert result.status == RunStatus.FAILED and result.error_code == "secret_missing"
    run = SyncRun.objects.get()
    assert run.connection == connection and run.error_code == "secret_missing"
    assert run.error_label.startswith("SIS-kopplingens hemlighet saknas")


def test_a_connection_with_a_wrong_secret_fails_its_task_with_the_reason(secured, huvudman, monkeypatch):
    from folja.sis.tasks import SisSyncFailed, sis_sync_connection

    monkeypatch.setenv("FOLJA_TEST_SIS_SECRET", WRONG)
    connection = SisConnection.objects.create(
        organisation=huvudman,
        base_url=secured.base_url,
        auth_kind="oauth2",
        token_url=secured.token_url,
        client_id="folja",
        secret_ref="env:FOLJA_TEST_SIS_SECRET",
    )
    with pytest.raises(SisSyncFailed) as failed:
        sis_sync_connection.call(connection.pk)
    assert "HTTP 401" in str(failed.value) and WRONG not in str(failed.value)
    assert SyncRun.objects.get().error_code == "auth_rejected"
