"""Faults: the SIS answering slowly, with garbage, or not at all (its data endpoints).

Each fault fails the run with a clear error in its report (SyncRun, in the admin), changes
nothing stored, and the next run after the fault imports everything. The SIS's token endpoint
is not drilled here (its failure handling is another change's). docs/operations.md, "Faults".
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from folja.directory.models import Guardianship, Organisation, OrganisationType, Person, Placement
from folja.sis.client import SisClient
from folja.sis.fake.server import FakeSis
from folja.sis.fake.world import FakeWorld
from folja.sis.models import RunStatus, SyncRun
from folja.sis.sync import run_sync

pytestmark = pytest.mark.django_db


@contextmanager
def bad_sis(behaviour: str) -> Iterator[str]:
    """A SIS on loopback that answers every request slowly ("slow") or with an HTML page ("garbage")."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if behaviour == "slow":
                time.sleep(1.0)  # longer than the client's timeout below
            body = b"<html><body>502 Bad Gateway</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with suppress(OSError):
                self.wfile.write(body)

        do_POST = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _state() -> tuple[int, int, int]:
    return Person.objects.count(), Placement.objects.count(), Guardianship.objects.count()


def _sync(huvudman: Organisation, url: str, **options):  # noqa: ANN003, ANN202
    client_options = {"page_limit": 25, "backoff_base": 0.001, "max_attempts": 2, "timeout": 0.3, **options}
    with SisClient(url, **client_options) as client:
        return run_sync(organisation=huvudman, client=client, own_process=False)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("slow", "still failing after 2 attempts (ReadTimeout)"),
        ("garbage", "the answer is not valid JSON"),
        ("down", "still failing after 2 attempts (ConnectError)"),
    ],
)
def test_a_sis_that_is_slow_answers_garbage_or_is_down_fails_the_run_and_changes_nothing(fault, error):  # noqa: ANN001
    huvudman = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Exempelby")
    world = FakeWorld(children=30, seed=5, protected_every=25)
    with FakeSis(world, max_page=50) as fake:
        assert _sync(huvudman, fake.base_url).status == RunStatus.SUCCEEDED
        before = _state()
        world.touch("persons", 0, {"givenName": "Ändrad"})

        if fault == "down":
            result = _sync(huvudman, _closed_port_url())
        else:
            with bad_sis(fault) as url:
                result = _sync(huvudman, url)

        assert result.status == RunStatus.FAILED
        assert error in result.error
        run = SyncRun.objects.order_by("-pk").first()
        assert run.status == RunStatus.FAILED and error in run.error  # what the admin's report shows
        assert _state() == before
        assert not Person.objects.filter(given_name="Ändrad").exists()

        # The SIS is well again: the next run takes the change.
        assert _sync(huvudman, fake.base_url, timeout=30).status == RunStatus.SUCCEEDED
        assert Person.objects.filter(given_name="Ändrad").count() == 1
