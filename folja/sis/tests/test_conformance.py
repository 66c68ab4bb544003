"""Conformance with the official SS 12000 v2.1 OpenAPI spec (SIS copyright: never copied here).

Set SS12000_SPEC to the spec's path (e.g. ../shared/ss12000/ss12000v2.1.0.yaml) to run these;
without it they are skipped. They check that the fake SIS answers in the spec's shape and that
every request the client makes uses only parameters the spec declares for that operation.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from typing import Any

import pytest

from folja.sis.client import SisClient
from folja.sis.fake.server import FakeSis
from folja.sis.fake.world import FakeWorld
from folja.sis.sync import run_sync

SPEC_PATH = os.environ.get("SS12000_SPEC", "")
pytestmark = pytest.mark.skipif(
    not SPEC_PATH or not Path(SPEC_PATH).is_file(),
    reason="set SS12000_SPEC to the SS 12000 v2.1 OpenAPI file to run the conformance tests",
)


@functools.cache
def spec() -> dict[str, Any]:
    import yaml  # test-only dependency

    return yaml.safe_load(Path(SPEC_PATH).read_text())


def validator_for(schema: dict[str, Any]):
    from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

    # "#/components/..." references resolve against the document root, so the schema is checked
    # as the root of a copy of the spec (the spec's own top-level keys are not schema keywords).
    return OAS30ReadValidator({**spec(), **schema}, format_checker=oas30_format_checker)


def response_schema(path: str, method: str = "get") -> dict[str, Any]:
    return spec()["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]


def assert_valid(instance: Any, schema: dict[str, Any]) -> None:
    errors = sorted(validator_for(schema).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])


@pytest.fixture(scope="module")
def fake():
    world = FakeWorld(children=45, seed=3, protected_every=10)
    world.delete("placements", 1)
    with FakeSis(world, max_page=20) as server:
        yield server


@pytest.mark.parametrize("path", ["/organisations", "/persons", "/groups", "/placements", "/duties"])
def test_fake_listing_pages_match_the_spec(fake, path):
    import httpx

    first = httpx.get(f"{fake.base_url}{path}", params={"limit": 20}).json()
    assert_valid(first, response_schema(path))
    if first.get("pageToken"):
        second = httpx.get(f"{fake.base_url}{path}", params={"pageToken": first["pageToken"], "limit": 20}).json()
        assert_valid(second, response_schema(path))


def test_fake_deleted_entities_and_lookup_match_the_spec(fake):
    import httpx

    deleted = httpx.get(f"{fake.base_url}/deletedEntities", params={"after": "2020-01-01T00:00:00Z"}).json()
    assert_valid(deleted, response_schema("/deletedEntities"))
    assert deleted["data"]["placements"]
    ids = [fake.world.id("persons", i) for i in range(3)]
    looked_up = httpx.post(f"{fake.base_url}/persons/lookup", json={"ids": ids}).json()
    assert_valid(looked_up, response_schema("/persons/lookup", "post"))
    body_schema = spec()["paths"]["/persons/lookup"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert_valid({"ids": ids}, body_schema)


def test_fake_rejects_page_token_with_filters_with_the_spec_error_shape(fake):
    import httpx

    first = httpx.get(f"{fake.base_url}/groups", params={"limit": 1}).json()
    answer = httpx.get(f"{fake.base_url}/groups", params={"pageToken": first["pageToken"], "sortkey": "ModifiedDesc"})
    assert answer.status_code == 400
    assert_valid(answer.json(), spec()["components"]["schemas"]["Error"])


def test_every_client_request_uses_only_parameters_the_spec_declares(fake, db):
    from folja.directory.models import Organisation

    huvudman = Organisation.objects.create(organisation_type="Huvudman", display_name="Kommunen")
    fake.requests.clear()
    with SisClient(fake.base_url, page_limit=20) as client:
        run_sync(organisation=huvudman, client=client)
        run_sync(organisation=huvudman, client=client, since=fake.world.clock - dt.timedelta(days=3))
    assert fake.requests
    for method, path, query, body in fake.requests:
        operation = spec()["paths"][path][method.lower()]
        declared = {p["name"]: p["schema"] for p in operation.get("parameters", [])}
        for name, values in query.items():
            assert name in declared, f"{method} {path}: {name} is not a parameter of this operation"
            schema = declared[name]
            value: Any = values if schema.get("type") == "array" else values[0]
            if schema.get("type") == "integer":
                value = int(value)
            assert_valid(value, schema)
        if "pageToken" in query:
            assert set(query) <= {"pageToken", "limit"}, f"{path}: page token combined with filters"
        if body is not None:
            assert_valid(body, operation["requestBody"]["content"]["application/json"]["schema"])


def test_the_validator_rejects_a_page_that_breaks_the_spec():
    broken = {"data": [{"id": "not-a-uuid", "meta": {"created": "x", "modified": "y"}, "familyName": "A"}]}
    errors = list(validator_for(response_schema("/persons")).iter_errors(broken))
    assert errors  # a missing givenName and a malformed id must not pass unnoticed
