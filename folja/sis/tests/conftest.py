"""Fixtures: a fake SIS on 127.0.0.1 (port 0), a huvudman, and a sync helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from folja.directory.models import Organisation, OrganisationType
from folja.sis.client import SisClient
from folja.sis.fake.server import FakeSis
from folja.sis.fake.world import FakeWorld
from folja.sis.models import SisConnection
from folja.sis.sync import SyncResult, run_sync


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld(children=60, seed=7, protected_every=25)


@pytest.fixture
def fake(world: FakeWorld) -> Iterator[FakeSis]:
    with FakeSis(world, max_page=50) as server:
        yield server


@pytest.fixture
def huvudman(db) -> Organisation:
    return Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Exempelby kommun")


@pytest.fixture
def sync(fake: FakeSis, huvudman: Organisation):
    """Return a function that runs one sync against the fake SIS with fast retries."""

    def run(**kwargs) -> SyncResult:
        client_options = {"page_limit": 25, "backoff_base": 0.001, "max_attempts": 3}
        client_options.update(kwargs.pop("client_options", {}))
        with SisClient(fake.base_url, **client_options) as client:
            return run_sync(organisation=huvudman, client=client, **kwargs)

    return run


@pytest.fixture
def connection(huvudman, fake) -> SisConnection:
    """A SIS connection of the huvudman to the fake SIS (a delta run starts from its stored clock)."""
    return SisConnection.objects.create(organisation=huvudman, base_url=fake.base_url, auth_kind="none")
