"""A tiny world for media tests: one preschool unit, two children with a guardian each, one teacher."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from folja.directory.models import (
    AssignmentRoleType,
    Duty,
    DutyAssignment,
    DutyRole,
    Group,
    GroupMembership,
    GroupType,
    Guardianship,
    Organisation,
    OrganisationType,
    Person,
    Placement,
    RelationType,
    SchoolType,
)
from folja.learninglog.models import Post, PostChild, PostKind, PostStatus
from folja.media.actions import media_attach
from folja.media.models import Media

START = dt.date(2024, 8, 1)


@dataclass
class World:
    organisation: Organisation
    unit: Organisation
    group: Group
    child: Person
    other_child: Person
    guardian: Person
    other_guardian: Person
    staff: Person
    post: Post
    other_post: Post


def _person(given: str, family: str) -> Person:
    return Person.objects.create(given_name=given, family_name=family)


def _post(organisation: Organisation, unit: Organisation, author: Person, child: Person, title: str) -> Post:
    today = timezone.localdate()
    post = Post.objects.create(
        organisation=organisation,
        school_unit=unit,
        kind=PostKind.INDIVIDUAL,
        status=PostStatus.PUBLISHED,
        author=author,
        title=title,
        activity_date=today,
        published_at=timezone.now(),
    )
    PostChild.objects.create(post=post, child=child, activity_date=today)
    return post


@pytest.fixture
def world(db) -> World:  # noqa: ANN001
    """Build a huvudman with one preschool unit and group, two placed children, their guardians and a teacher."""
    organisation = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Testkommun")
    unit = Organisation.objects.create(
        organisation=organisation,
        organisation_type=OrganisationType.SKOLENHET,
        display_name="Förskolan Ekorren",
        school_types=["FS"],
    )
    group = Group.objects.create(
        organisation=organisation,
        school_unit=unit,
        display_name="Avdelning Blå",
        group_type=GroupType.DEPARTMENT,
        school_type=SchoolType.FS,
        start_date=START,
    )
    child, other_child = _person("Alva", "Ek"), _person("Bo", "Lind")
    guardian, other_guardian = _person("Anna", "Ek"), _person("Bertil", "Lind")
    for kid, parent in ((child, guardian), (other_child, other_guardian)):
        Placement.objects.create(
            organisation=organisation,
            child=kid,
            school_unit=unit,
            group=group,
            school_type=SchoolType.FS,
            start_date=START,
        )
        GroupMembership.objects.create(organisation=organisation, group=group, person=kid, start_date=START)
        Guardianship.objects.create(
            organisation=organisation, child=kid, responsible=parent, relation_type=RelationType.GUARDIAN
        )
    staff = _person("Stina", "Lärare")
    duty = Duty.objects.create(
        organisation=organisation,
        person=staff,
        school_unit=unit,
        duty_role=DutyRole.PRESCHOOL_TEACHER,
        start_date=START,
    )
    DutyAssignment.objects.create(
        duty=duty, group=group, assignment_role_type=AssignmentRoleType.PRESCHOOL_TEACHER, start_date=START
    )
    return World(
        organisation=organisation,
        unit=unit,
        group=group,
        child=child,
        other_child=other_child,
        guardian=guardian,
        other_guardian=other_guardian,
        staff=staff,
        post=_post(organisation, unit, staff, child, "Vi byggde en koja"),
        other_post=_post(organisation, unit, staff, other_child, "Bo målade"),
    )


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    """Return an uploaded file as Django hands it to a view; the content type is the client's claim."""
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def attach(world: World, django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    """Return a function that attaches a file to the world's post and runs the rendition task after commit."""

    def _attach(name: str, data: bytes, *, post: Post | None = None, alt_text: str = "") -> Media:
        with django_capture_on_commit_callbacks(execute=True):
            media = media_attach(
                actor=world.staff, post=post or world.post, upload=upload(name, data), alt_text=alt_text
            )
        media.refresh_from_db()
        return media

    return _attach


@pytest.fixture(autouse=True)
def _empty_media_root(settings, tmp_path):  # noqa: ANN001, ANN202
    """Give each media test an empty media folder, so tests can assert what was stored."""
    settings.MEDIA_ROOT = tmp_path
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
        }
