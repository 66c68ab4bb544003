"""Culling deletes media files and renditions from S3 object storage too (moto on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dateutil.relativedelta import relativedelta

from folja.core.dates import today
from folja.export.tests.helpers import add_photo
from folja.media.models import Rendition
from folja.retention import actions, culling
from folja.retention.models import DocumentType, Event, PendingFileDeletion, RetentionRule
from folja.retention.tests.world import alva_leaves
from folja.testing.cast import build_cast
from folja.testing.s3 import moto_bucket, s3_client, use_s3_storage

# A bucket of its own: moto keeps its buckets per process, and the media tests' module may run
# in the same worker.
BUCKET = "folja-culling-test"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """Start moto's S3 server on loopback for this module with a private bucket."""
    with moto_bucket(BUCKET) as endpoint:
        yield endpoint


@pytest.fixture
def s3_storage(settings, s3_endpoint):  # noqa: ANN001, ANN201
    """Point the default storage at the bucket with the options config/settings.py uses for s3."""
    use_s3_storage(settings, s3_endpoint, BUCKET)
    return s3_endpoint


def _keys(endpoint: str) -> set[str]:
    listing = s3_client(endpoint).list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listing.get("Contents", [])}


def test_culling_deletes_originals_and_renditions_from_s3(db, s3_storage):  # noqa: ANN001
    cast = build_cast()
    photo = add_photo(cast.posts["alva_individual"], cast.teacher_blue)
    kept = add_photo(cast.posts["blue_group"], cast.teacher_blue)
    names = {photo.file.name, *Rendition.objects.filter(media=photo).values_list("file", flat=True)}
    kept_names = {kept.file.name, *Rendition.objects.filter(media=kept).values_list("file", flat=True)}
    assert names | kept_names <= _keys(s3_storage)
    alva_leaves(cast, days_ago=10)
    rule = actions.rule_set(
        actor=None,
        organisation=cast.org_a,
        document_type=DocumentType.INDIVIDUAL_POST,
        event=Event.CHILD_LEFT,
        months=24,
    )
    RetentionRule.objects.filter(pk=rule.pk).update(effective_from=today())

    culling.cull(today() + relativedelta(months=24, days=1))

    remaining = _keys(s3_storage)
    assert not names & remaining
    assert kept_names <= remaining  # the group post stays, and its photo
    assert not PendingFileDeletion.objects.exists()
