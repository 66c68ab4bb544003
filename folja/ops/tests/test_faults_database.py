"""Faults: the PostgreSQL connection dropped in the middle of a request and of a SIS import.

Another connection ends ours with `pg_terminate_backend` at a chosen point, as a failover, a
restarted pooler or an administrator would; the machine's PostgreSQL itself is never restarted.
On PostgreSQL only. docs/operations.md, "Faults", has the results.
"""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import psycopg
import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from folja.access.roles import Role
from folja.directory.models import Guardianship, Organisation, OrganisationType, Person, Placement
from folja.learninglog import actions
from folja.learninglog.models import Comment
from folja.sis import apply
from folja.sis.client import SisClient
from folja.sis.fake.server import FakeSis
from folja.sis.fake.world import FakeWorld
from folja.sis.models import RunStatus, SyncRun
from folja.sis.sync import run_sync
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="drills the PostgreSQL connection"),
    pytest.mark.django_db(transaction=True),
]


def _terminate_our_backend() -> None:
    """End this process's database session from a connection of another process's kind."""
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    info = {"dbname": db["NAME"], "host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db["USER"]}
    with psycopg.connect(**{k: v for k, v in info.items() if v}, password=db.get("PASSWORD") or None) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


def _dropping_then(original: Callable) -> Callable:
    def wrapper(*args: object, **kwargs: object) -> object:
        _terminate_our_backend()
        return original(*args, **kwargs)

    return wrapper


def test_connection_dropped_mid_request_shows_the_error_page_stores_nothing_half_and_the_retry_works():
    cast = build_cast()
    post = cast.posts["alva_individual"]
    anna = signed_in(cast.anna, Role.GUARDIAN)
    anna.raise_request_exception = False
    url = reverse("learninglog:comment_create", args=[post.uuid])
    comments = Comment.objects.filter(post=post).count()

    # The comment row is written, then the connection is cut before the transaction commits.
    with mock.patch.object(actions.notices, "comment_added", _dropping_then(actions.notices.comment_added)):
        response = anna.post(url, {"body": "Vilken fin koja!"}, HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Något gick fel i Följa" in page and "Det du har sparat tidigare finns kvar" in page
    assert "OperationalError" not in page and "terminat" not in page
    assert Comment.objects.filter(post=post).count() == comments  # no half-written comment

    # The next request gets a new connection by itself: the same form sent again is saved once.
    again = anna.post(url, {"body": "Vilken fin koja!"})
    assert again.status_code == 302
    assert Comment.objects.filter(post=post, body="Vilken fin koja!").count() == 1
    assert anna.get(reverse("learninglog:post", args=[post.uuid])).status_code == 200


def _state() -> tuple[int, int, int]:
    return Person.objects.count(), Placement.objects.count(), Guardianship.objects.count()


def test_connection_dropped_mid_import_rolls_the_import_back_and_the_next_run_finishes():
    huvudman = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Exempelby")
    world = FakeWorld(children=40, seed=3, protected_every=25)
    with FakeSis(world, max_page=50) as fake:

        def sync():  # noqa: ANN202
            with SisClient(fake.base_url, page_limit=25, backoff_base=0.001, max_attempts=2) as client:
                return run_sync(organisation=huvudman, client=client, own_process=False)

        before = _state()
        # Organisations and persons are written, then the connection is cut under the applier.
        dropping = _dropping_then(apply.Applier.apply_guardianships)
        with mock.patch.object(apply.Applier, "apply_guardianships", dropping), pytest.raises(OperationalError):
            sync()

        assert _state() == before  # the apply is one transaction: nothing of it stayed
        run = SyncRun.objects.get()
        assert run.status == RunStatus.FAILED and run.error == "internal error: OperationalError"

        result = sync()  # the fault is over: the next run imports everything
        assert result.status == RunStatus.SUCCEEDED
        assert _state()[0] > before[0] and _state()[2] > 0
