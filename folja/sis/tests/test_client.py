"""The client's authentication and paging, against the fake SIS."""

from __future__ import annotations

import ssl
import time

import pytest

from folja.sis.auth import ApiKeyAuth, OAuth2ClientCredentials, SisAuthError, mtls_context, resolve_secret
from folja.sis.client import SisClient, SisRequestRejected
from folja.sis.fake.server import FakeSis
from folja.sis.fake.world import FakeWorld


@pytest.fixture
def secured():
    with FakeSis(FakeWorld(children=30), client_id="folja", client_secret="hemligt", max_page=10) as server:
        yield server


def test_oauth2_token_is_fetched_once_and_reused_across_pages(secured):
    auth = OAuth2ClientCredentials(token_url=secured.token_url, client_id="folja", client_secret="hemligt")
    with SisClient(secured.base_url, auth=auth, page_limit=10) as client:
        persons = [item for page in client.pages("/persons") for item in page]
    assert len(persons) == secured.world.n_persons
    assert auth.tokens_fetched == 1


def test_wrong_client_secret_fails_with_a_message_without_the_secret(secured):
    auth = OAuth2ClientCredentials(token_url=secured.token_url, client_id="folja", client_secret="fel-hemlighet")
    with SisClient(secured.base_url, auth=auth) as client, pytest.raises(SisAuthError) as error:
        list(client.pages("/organisations"))
    assert "fel-hemlighet" not in str(error.value)


def test_missing_token_is_rejected_without_retries(secured):
    with SisClient(secured.base_url, backoff_base=0.001) as client, pytest.raises(SisRequestRejected):
        list(client.pages("/organisations"))
    assert client.requests_made == 1


def test_api_key_is_sent_in_the_named_header():
    world = FakeWorld(children=3)
    with FakeSis(world) as server, SisClient(server.base_url, auth=ApiKeyAuth(header="X-Api-Key", key="k1")) as client:
        captured = []
        client.http.event_hooks["request"].append(lambda request: captured.append(request.headers.get("X-Api-Key")))
        list(client.pages("/organisations"))
    assert captured == ["k1"]


def test_secret_reference_reads_environment_and_files(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLJA_TEST_SIS_SECRET", "från-miljön")
    secret_file = tmp_path / "secret"
    secret_file.write_text("från-fil\n")
    assert resolve_secret("env:FOLJA_TEST_SIS_SECRET") == "från-miljön"
    assert resolve_secret(f"file:{secret_file}") == "från-fil"
    with pytest.raises(SisAuthError, match="FOLJA_TEST_SIS_UNSET"):
        resolve_secret("env:FOLJA_TEST_SIS_UNSET")


def test_mtls_context_refuses_a_missing_certificate_with_a_clear_error(tmp_path):
    with pytest.raises(SisAuthError, match="client certificate"):
        mtls_context(cert_path=str(tmp_path / "missing.pem"))
    assert isinstance(ssl.create_default_context(), ssl.SSLContext)


def test_limit_is_sent_on_every_page_and_filters_only_on_the_first():
    world = FakeWorld(children=30)
    with FakeSis(world) as server, SisClient(server.base_url, page_limit=7) as client:
        ids = [item["id"] for page in client.pages("/placements", {"expandReferenceNames": "false"}) for item in page]
        requests = [r for r in server.requests if r[1] == "/placements"]
    assert len(ids) == len(set(ids)) == 30
    assert "expandReferenceNames" in requests[0][2]
    assert all(set(q) == {"pageToken", "limit"} for _m, _p, q, _b in requests[1:])


def test_groups_are_asked_for_in_smaller_pages_than_other_listings():
    # A group carries its memberships: a page of groups is kept about as large as a page of persons.
    world = FakeWorld(children=60)
    fetched: dict[str, list[str]] = {"/groups": [], "/placements": []}
    with FakeSis(world) as server, SisClient(server.base_url, page_limit=8) as client:
        for path, page in client.listings(["/groups", "/placements"], after=None):
            fetched[path].extend(item["id"] for item in page)
        limits = {(path, query["limit"][0]) for _method, path, query, _body in server.requests}
    assert len(fetched["/groups"]) == len(set(fetched["/groups"])) == world.n_groups > 2
    assert len(fetched["/placements"]) == len(set(fetched["/placements"])) == 60
    assert limits == {("/groups", "2"), ("/placements", "8")}


def test_sis_sync_command_imports_and_prints_a_json_report(db, capsys):
    import json

    from django.core.management import call_command

    from folja.directory.models import Organisation, Person

    Organisation.objects.create(organisation_type="Huvudman", display_name="Kommunen", organisation_code="K1")
    world = FakeWorld(children=12)
    with FakeSis(world, client_id="folja", client_secret="hemligt") as server:
        call_command(
            "sis_sync",
            "--base-url", server.base_url,
            "--token-url", server.token_url,
            "--client-id", "folja",
            "--client-secret", "hemligt",
            "--organisation", "K1",
            "--json",
        )  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "succeeded"
    assert report["counts"]["persons"]["created"] == Person.objects.count() > 0
    assert "hemligt" not in json.dumps(report)


def test_task_syncs_a_connection_and_skips_while_another_run_is_going(db, monkeypatch):
    from folja.directory.models import Organisation, Person
    from folja.sis.models import SisConnection, SyncRun
    from folja.sis.tasks import sis_sync_connection

    huvudman = Organisation.objects.create(organisation_type="Huvudman", display_name="Kommunen")
    monkeypatch.setenv("FOLJA_TEST_SIS_KEY", "k1")
    with FakeSis(FakeWorld(children=6)) as server:
        connection = SisConnection.objects.create(
            organisation=huvudman, base_url=server.base_url, auth_kind="api_key", secret_ref="env:FOLJA_TEST_SIS_KEY"
        )
        assert sis_sync_connection.call(connection.pk) == "succeeded"
        assert Person.objects.exists()
        SyncRun.objects.create(connection=connection, organisation=huvudman, mode="delta")
        assert sis_sync_connection.call(connection.pk) == "skipped: a run is in progress"


def test_timeouts_are_retried_and_spec_misspellings_in_deleted_entities_are_mapped():
    import datetime as dt

    import httpx

    calls = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"data": {"activitites": ["a1"], "persons": ["p1"]}, "pageToken": None})

    with SisClient("http://sis.invalid", transport=httpx.MockTransport(answer), backoff_base=0.001) as client:
        deleted = client.deleted_entities(after=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), entities=["Person"])
    assert deleted == {"activities": {"a1"}, "persons": {"p1"}}
    assert len(calls) == 2 and client.retries == 1


def test_a_page_without_a_data_list_is_a_clear_malformed_page_error():
    import httpx

    from folja.sis.client import SisMalformedPage

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"items": []}))
    with SisClient("http://sis.invalid", transport=transport) as client, pytest.raises(SisMalformedPage) as error:
        list(client.pages("/persons"))
    assert str(error.value) == "/persons: page 1 has no data list"


def test_listings_are_fetched_concurrently_and_a_failure_stops_every_thread():
    import threading

    from folja.sis.client import SisUnavailable

    with FakeSis(FakeWorld(children=30), max_page=5) as server:
        server.faults.fail("/duties", page=2, status=503, times=5)
        with SisClient(server.base_url, page_limit=5, backoff_base=0.001, max_attempts=2) as client:
            received: dict[str, list] = {"/persons": [], "/groups": [], "/duties": []}
            with pytest.raises(SisUnavailable):
                for path, page in client.listings(received, after=None, depth=2):
                    received[path].extend(page)
    assert len(received["/duties"]) == 5  # the first page came, the second failed
    assert len(received["/persons"]) < server.world.n_persons  # stopped before the end
    assert not [t for t in threading.enumerate() if t.name.startswith("sis-fetch")]


def test_listings_hold_at_most_depth_pages_and_deliver_each_listing_in_order(monkeypatch):
    import threading

    from folja.sis.client import SisClient as Client

    produced = 0
    lock = threading.Lock()
    original = Client._changed

    def counting(self, path, **kwargs):
        nonlocal produced
        for page in original(self, path, **kwargs):
            with lock:
                produced += 1
            yield page

    monkeypatch.setattr(Client, "_changed", counting)
    taken, outstanding = 0, []
    with FakeSis(FakeWorld(children=40), max_page=7) as server, SisClient(server.base_url, page_limit=7) as client:
        received: dict[str, list] = {"/persons": [], "/groups": [], "/placements": []}
        for path, page in client.listings(received, after=None, depth=2):
            taken += 1
            with lock:
                outstanding.append(produced - taken)
            time.sleep(0.002)  # a slow reader: the threads must wait, not pile pages up
            received[path].extend(page)
        monkeypatch.setattr(Client, "_changed", original)
        expected = {path: [item for page in client.pages(path) for item in page] for path in received}
    assert received == expected
    assert len(received["/persons"]) == server.world.n_persons
    assert max(outstanding) <= 2 and taken > 10


def test_listings_are_requested_at_once_while_one_decoded_page_waits():
    # A SIS far away answers slowly: every listing has its request out at the same time, while the
    # pages decoded and not yet taken stay at one (the answers waiting to be decoded are bytes).
    import threading

    import httpx

    lock = threading.Lock()
    inflight, most = 0, 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal inflight, most
        with lock:
            inflight += 1
            most = max(most, inflight)
        time.sleep(0.05)
        with lock:
            inflight -= 1
        path, token = request.url.path, request.url.params.get("pageToken")
        page = int(token or 0)
        body = {"data": [{"id": f"{path}-{page}-{n}"} for n in range(3)]}
        if page < 2:
            body["pageToken"] = str(page + 1)
        return httpx.Response(200, json=body)

    received: dict[str, list] = {"/persons": [], "/groups": [], "/placements": []}
    with SisClient("http://sis.invalid", transport=httpx.MockTransport(answer)) as client:
        for path, page in client.listings(received, after=None):
            time.sleep(0.02)
            received[path].extend(item["id"] for item in page)
    assert most == 3
    assert all(len(ids) == 9 == len(set(ids)) for ids in received.values())


def test_fake_serves_changes_made_after_its_pages_were_cached():
    with FakeSis(FakeWorld(children=6), max_page=100) as server:
        server.prebuild()
        with SisClient(server.base_url) as client:
            before = {item["id"]: item for page in client.pages("/persons") for item in page}
            server.world.touch("persons", 0, {"givenName": "Ny"})
            server.world.removed["persons"].add(1)
            after = {item["id"]: item for page in client.pages("/persons") for item in page}
    first, second = server.world.id("persons", 0), server.world.id("persons", 1)
    assert before[first]["givenName"] != "Ny" and after[first]["givenName"] == "Ny"
    assert second in before and second not in after


def test_a_page_body_is_not_kept_in_httpx_cyclic_garbage():
    """The import pauses the cyclic collector (sync.run_sync): an answer's body must go with its page."""
    import gc

    import httpx

    with FakeSis(FakeWorld(children=30), max_page=50) as server, SisClient(server.base_url) as client:
        client._request("GET", "/persons")  # warm up the pool
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            page = client._request("GET", "/persons")
            gc.collect()
            cycles = list(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert len(page["data"]) == 50
    responses = [o for o in cycles if isinstance(o, httpx.Response)]
    assert responses, "httpx no longer leaves a cycle: the note in SisClient._request can go"
    assert all(getattr(o, "_content", None) is None for o in responses)
