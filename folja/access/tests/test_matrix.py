"""The authorization matrix: every role × every resource × action, through the HTML pages and media URLs.

Each cell is asserted: allowed cells must answer 200 (or a redirect after a successful write),
denied cells must answer 404/403 (or the sign-in redirect for an anonymous visitor) and must
not leak the resource. A further test fails when a URL pattern has no row here.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Iterator
from types import ModuleType

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from folja.access.tests.matrix_roles import (  # noqa: F401  (row modules import them from here)
    ALL_STAFF,
    FAMILY_OF_C,
    NOT_TWINS,
    REFUSED_WITHOUT_E_ID,
    ROLES,
    SESSION_ASSURANCE,
    SESSION_ORGANISATION,
    STAFF_OF_C,
    TWINS,
    Cell,
)
from folja.accounts.models import User
from folja.media.models import Media, MediaKind, MediaStatus, Rendition
from folja.testing.cast import Cast, build_cast
from folja.testing.sessions import sign_in

# Other capabilities add their rows in these modules: `cells() -> list[Cell]` and optionally
# `build(cast) -> dict[str, str]`, which creates their resources and returns tokens → URL values.
ROW_MODULES = [
    "folja.curriculum.tests.matrix_rows",
    "folja.talks.tests.matrix_rows",
    "folja.talks.tests.matrix_rows_pupil",
    "folja.transitions.tests.matrix_rows",
    "folja.access.tests.matrix_rows_mixed_transition",
    "folja.access.tests.matrix_rows_organisations",
    "folja.export.tests.matrix_rows",
    "folja.retention.tests.matrix_rows",
    "folja.notifications.tests.matrix_rows",
    "folja.ops.tests.matrix_rows",
    "folja.accounts.tests.matrix_rows",
    "folja.access.tests.matrix_rows_contacts",
    "folja.api.tests.matrix_rows",
    "folja.oauth.tests.matrix_rows",
    "folja.translation.tests.matrix_rows",
    "folja.media.tests.matrix_rows",
    "folja.learninglog.tests.matrix_rows_voice",
]


def row_modules() -> Iterator[ModuleType]:
    for name in ROW_MODULES:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, name.rsplit(".", 1)[0], name.rsplit(".", 2)[0]):
                raise


def cells() -> list[Cell]:
    return learning_log_cells() + [cell for module in row_modules() for cell in module.cells()]


def learning_log_cells() -> list[Cell]:
    family_and_staff = frozenset(FAMILY_OF_C | STAFF_OF_C)
    c = Cell
    return [
        # Timeline of C.
        c("timeline/read", "learninglog:timeline", "GET", family_and_staff, ("child:alva",)),
        # Its next page and its filter box.
        c(
            "timeline/next page",
            "learninglog:timeline",
            "GET",
            family_and_staff,
            ("child:alva",),
            query="after=post:blue_group",
        ),
        c("timeline/by goal", "learninglog:timeline", "GET", family_and_staff, ("child:alva",), query="goal=goal:0"),
        # Individual post about C.
        c("individual post/read", "learninglog:post", "GET", family_and_staff, ("post:alva_individual",)),
        c(
            "individual post/edit form",
            "learninglog:post_edit",
            "GET",
            frozenset(STAFF_OF_C),
            ("post:alva_individual",),
        ),
        c(
            "individual post/edit",
            "learninglog:post_edit",
            "POST",
            frozenset(STAFF_OF_C),
            ("post:alva_individual",),
            (("title", "Ny rubrik"), ("body", "Ny text"), ("activity_date", "2026-01-10"), ("children", "child:alva")),
        ),
        c(
            "individual post/delete",
            "learninglog:post_delete",
            "POST",
            frozenset(STAFF_OF_C),
            ("post:alva_individual",),
        ),
        c(
            "individual post/history",
            "learninglog:post_history",
            "GET",
            frozenset(STAFF_OF_C),
            ("post:alva_individual",),
        ),
        # A draft is only its author's.
        c("draft/read", "learninglog:post", "GET", frozenset({"connected_staff"}), ("post:alva_draft",)),
        # Group post naming C and B.
        c(
            "group post/read",
            "learninglog:post",
            "GET",
            frozenset(FAMILY_OF_C | STAFF_OF_C | {"guardian_other_child_same_group", "other_child"}),
            ("post:blue_group",),
        ),
        # Group post where B was unticked: B's family must not see it.
        c(
            "group post without B/read",
            "learninglog:post",
            "GET",
            family_and_staff,
            ("post:blue_group_without_bertil",),
        ),
        # Group post in the hidden-member group.
        c(
            "hidden group post/read",
            "learninglog:post",
            "GET",
            frozenset({"guardian_hidden_member_group", "same_unit_not_connected", "principal"}),
            ("post:yellow_group",),
        ),
        # Documentation at C's former unit / receiving unit (Maja moved Granen → Ekbacken).
        c("former unit post/read", "learninglog:post", "GET", frozenset(), ("post:maja_preschool",)),
        c(
            "receiving unit post/read",
            "learninglog:post",
            "GET",
            frozenset({"receiving_school_without_consent"}),
            ("post:maja_school",),
        ),
        # Comments.
        c(
            "comment/create",
            "learninglog:comment_create",
            "POST",
            frozenset(FAMILY_OF_C | STAFF_OF_C | {"guardian_other_child_same_group", "other_child"}),
            ("post:blue_group",),
            (("body", "Hej!"),),
        ),
        c("comment/hide", "learninglog:comment_hide", "POST", frozenset(STAFF_OF_C), ("comment:cecilia_on_group",)),
        # Media of C's individual post.
        c("media page/read", "media:page", "GET", family_and_staff, ("media:alva_photo",)),
        c("media file/read", "media:file", "GET", family_and_staff, ("media:alva_photo",)),
        c("media download/read", "media:download", "GET", family_and_staff, ("media:alva_photo",)),
        c("rendition/read", "media:rendition", "GET", family_and_staff, ("media:alva_photo", "320")),
        # Contact details of C and C's guardians (R4).
        c("contact details/read", "learninglog:child_contact", "GET", family_and_staff, ("child:alva",)),
        # Member lists and group logs.
        c(
            "member list/read",
            "learninglog:group_members",
            "GET",
            frozenset(FAMILY_OF_C | STAFF_OF_C | {"guardian_other_child_same_group", "other_child"}),
            ("group:blue",),
            # Issue 29: a pupil's session sees no other child's name, as in a hidden-member group.
            hides=(("child_c", "Bertil"), ("other_child", "Alva")),
            shows=(("child_c", "Alva"), ("other_child", "Bertil")),
        ),
        c(
            "hidden member list/read",
            "learninglog:group_members",
            "GET",
            frozenset({"guardian_hidden_member_group", "same_unit_not_connected", "principal"}),
            ("group:yellow",),
        ),
        c(
            "group log/read",
            "learninglog:group_log",
            "GET",
            frozenset(FAMILY_OF_C | STAFF_OF_C | {"guardian_other_child_same_group", "other_child"}),
            ("group:blue",),
        ),
        c(
            "group log/next page",
            "learninglog:group_log",
            "GET",
            frozenset(FAMILY_OF_C | STAFF_OF_C | {"guardian_other_child_same_group", "other_child"}),
            ("group:blue",),
            query="after=post:blue_group",
        ),
        # Guardian settings of C (photo consent, who has read).
        c("child settings/read", "learninglog:child_settings", "GET", frozenset({"guardian_of_c"}), ("child:alva",)),
        c(
            "child settings/edit",
            "learninglog:child_settings",
            "POST",
            frozenset({"guardian_of_c"}),
            ("child:alva",),
            (("allowed", "yes"),),
        ),
        # Lists and creation for staff.
        c(
            "feed/list",
            "learninglog:feed",
            "GET",
            ALL_STAFF,
        ),
        c("compose/create form", "learninglog:compose", "GET", frozenset(STAFF_OF_C), query="group=group:blue"),
        c(
            "compose/create",
            "learninglog:compose",
            "POST",
            frozenset(STAFF_OF_C),
            data=(
                ("group", "group:blue"),
                ("kind", "individual"),
                ("children", "child:alva"),
                ("title", "Sandlådan"),
                ("body", "Alva byggde ett torn."),
                ("activity_date", "2026-01-12"),
            ),
        ),
        # Starting from a child's timeline: only staff who may document the child.
        c(
            "compose from child/create form",
            "learninglog:compose",
            "GET",
            frozenset(STAFF_OF_C),
            query="child=child:alva",
        ),
        # What a writer is writing, saved while she writes: only for forms she may write.
        c(
            "compose autosave/new post",
            "learninglog:autosave",
            "POST",
            frozenset(STAFF_OF_C),
            data=(("title", "Sandlådan"), ("body", "Alva byggde"), ("children", "child:alva")),
            query="group=group:blue",
        ),
        c(
            "compose autosave/edit",
            "learninglog:autosave",
            "POST",
            frozenset(STAFF_OF_C),
            data=(("title", "Ny rubrik"), ("body", "Ny text")),
            query="post=post:alva_individual",
        ),
        # A file uploaded before its post is saved: any staff member, kept for her alone.
        c(
            "upload/create",
            "media:upload",
            "POST",
            ALL_STAFF,
            data=(("file", "file:photo"),),
        ),
    ]


# What the page of an allowed cell shows and a denied cell must never show.
SECRETS = {
    "post:alva_individual": "Inlägg alva_individual",
    "post:blue_group": "Inlägg blue_group",
    "post:yellow_group": "Inlägg yellow_group",
    "child:alva": "Alva Lind",
}

# URL names that show no child data or are tested elsewhere (sign-in flow, the persona picker, admin);
# the API's OpenAPI document, its reference page and its empty root describe routes, not data.
PUBLIC_URL_NAMES = {
    "core:home",
    "set_language",
    "core:accessibility",
    "api:openapi-json",
    "api:api-root",
    "api_reference",
}
# An API cell "api: X" is answered as the page cell "X" for the twins (folja/api/tests/matrix_rows.py).
API_CELL = "api: "
# An app's token and revocation endpoints read no cookie and answer clients (folja/oauth/tests/test_flow.py).
PUBLIC_URL_NAMES |= {"oauth:token", "oauth:revoke"}
EXEMPT_NAMESPACES = {"admin", "accounts", "demo"}


def _photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


class _Matrix:
    """The world of the matrix and how a cell is requested and judged."""

    @classmethod
    def build_world(cls) -> None:
        cls.cast: Cast = build_cast()
        post = cls.cast.posts["alva_individual"]
        media = Media(
            post=post,
            kind=MediaKind.IMAGE,
            status=MediaStatus.READY,
            content_type="image/jpeg",
            uploaded_by=cls.cast.teacher_blue,
            original_name="sandlada.jpg",
        )
        media.file.save("matrix/original.jpg", ContentFile(_photo_bytes()), save=False)
        media.save()
        rendition = Rendition(media=media, name="320", content_type="image/jpeg")
        rendition.file.save("matrix/r320.jpg", ContentFile(_photo_bytes()), save=False)
        rendition.save()
        cls.media = media
        User.objects.create_superuser(username="admin", password="x" * 20, person=cls.cast.org_admin)
        cls.tokens: dict[str, str] = {}
        for module in row_modules():
            if hasattr(module, "build"):
                cls.tokens.update(module.build(cls.cast))

    def resolve(self, token: str) -> str:
        if token in self.tokens:
            return self.tokens[token]
        kind, _, key = token.partition(":")
        if kind == "child":
            return str(self.cast.persons[key].uuid)
        if kind == "post":
            return str(self.cast.posts[key].uuid)
        if kind == "comment":
            return str(self.cast.comments[key].uuid)
        if kind == "group":
            return str(getattr(self.cast, key).uuid)
        if kind == "media":
            return str(self.media.uuid)
        if kind == "person":
            return str(self.cast.persons[key].uuid)
        if kind == "unit":
            return str(getattr(self.cast, key).uuid)
        if kind == "goal":
            return self.cast.goals[int(key)].key
        return token

    def client_for(self, role_key: str) -> Client:
        client = Client()
        person_key, role = ROLES[role_key]
        if person_key is None:
            return client
        person = self.cast.persons[person_key]
        if role is None:  # an org admin's account, signed in to Django without a Följa role
            client.force_login(User.objects.get(person=person))
            return client
        organisation = getattr(self.cast, SESSION_ORGANISATION[role_key]) if role_key in SESSION_ORGANISATION else None
        return sign_in(client, person, role, organisation, **SESSION_ASSURANCE.get(role_key, {}))

    @staticmethod
    def allowed(cell: Cell, role_key: str) -> bool:
        """Whether the cell allows the role: as listed, or as its twin is."""
        name = cell.name.removeprefix(API_CELL)
        if role_key in cell.allowed or role_key not in TWINS or (name, role_key) in NOT_TWINS:
            return role_key in cell.allowed
        return TWINS[role_key] in cell.allowed

    def request(self, client: Client, cell: Cell):
        url = reverse(cell.url_name, args=[self.resolve(a) for a in cell.args])
        if cell.query:
            key, _, value = cell.query.partition("=")
            url += f"?{key}={self.resolve(value)}"
        if cell.url_name.startswith("api:"):
            return self.request_api(client, cell, url)
        if cell.method == "GET":
            return client.get(url)
        return client.post(url, {k: self.resolve_data(v) for k, v in cell.data})

    def request_api(self, client: Client, cell: Cell, url: str):
        """Ask the JSON API: a JSON body ("key[]": a list), multipart when a file is sent, or the
        data's values as they are with the cell's own Content-Type (a part of an upload)."""
        headers = {key: self.resolve(value) for key, value in cell.headers}
        content_type = headers.pop("Content-Type", None)
        extra = {"HTTP_" + key.upper().replace("-", "_"): value for key, value in headers.items()}
        if content_type is not None:
            raw = "".join(value for _k, value in cell.data).encode()
            return client.generic(cell.method, url, raw, content_type=content_type, **extra)
        if any(v.startswith("file:") for _k, v in cell.data):
            return client.post(url, {k: self.resolve_data(v) for k, v in cell.data}, **extra)
        body: dict[str, object] = {}
        for key, value in cell.data:
            if key.endswith("[]"):
                body.setdefault(key[:-2], []).append(self.resolve(value))  # type: ignore[union-attr]
            else:
                body[key] = {"true": True, "false": False}.get(value, self.resolve(value))
        if cell.method in ("GET", "HEAD"):
            return client.generic(cell.method, url, **extra)
        return client.generic(cell.method, url, json.dumps(body), content_type="application/json", **extra)

    def resolve_data(self, token: str) -> object:
        if token == "file:photo":
            return SimpleUploadedFile("sandlada.jpg", _photo_bytes(), content_type="image/jpeg")
        return self.resolve(token)

    def assert_cell(self, cell: Cell, role_key: str) -> None:
        response = self.request(self.client_for(role_key), cell)
        label = f"{cell.name} as {role_key}"
        body = b"".join(response) if hasattr(response, "streaming_content") else response.content
        for who, text in cell.hides:
            if who in ("*", role_key):
                assert text.encode() not in body, f"{label}: shows {text!r}"
        allowed = self.allowed(cell, role_key)
        if allowed and response.status_code == 200:
            for who, text in cell.shows:
                if who in ("*", role_key):
                    assert text.encode() in body, f"{label}: does not show {text!r}"
        if allowed:
            assert response.status_code in (200, 201, 202, 204, 302), (
                f"{label}: expected allowed, got {response.status_code}"
            )
            if response.status_code == 302:
                assert "/login" not in response["Location"], f"{label}: sent to sign-in"
        else:
            if role_key in ("anonymous", "org_admin") and cell.url_name.startswith("api:"):
                # The API answers a request without a Följa session with 401, a problem.
                assert response.status_code == 401, f"{label}: expected 401, got {response.status_code}"
            elif role_key in ("anonymous", "org_admin"):
                # No Följa role in the session: sent to sign-in, nothing shown.
                assert response.status_code == 302 and "/login" in response["Location"], label
            else:
                assert response.status_code in (403, 404), f"{label}: expected denied, got {response.status_code}"
            for token in cell.args:
                secret = SECRETS.get(token)
                if secret:
                    assert secret.encode() not in body, f"{label}: leaked {secret}"


class AuthorizationMatrixTests(_Matrix, TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        # A row module may need settings of its own while its cells are asked (`SETTINGS`).
        for module in row_modules():
            if getattr(module, "SETTINGS", None):
                cls.enterClassContext(override_settings(**module.SETTINGS))
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.build_world()

    def test_every_cell(self) -> None:
        for cell in cells():
            for role_key in ROLES:
                with self.subTest(cell=cell.name, role=role_key):
                    # Each cell runs on the cast as built: writes are rolled back.
                    from django.db import transaction

                    try:
                        with transaction.atomic():
                            self.assert_cell(cell, role_key)
                            raise _Rollback
                    except _Rollback:
                        pass

    def test_every_url_pattern_has_a_row_in_the_matrix(self) -> None:
        covered = {cell.url_name for cell in cells()} | PUBLIC_URL_NAMES
        missing = sorted(name for name in _url_names(get_resolver()) if name not in covered)
        assert missing == [], f"URL patterns without rows in the authorization matrix: {missing}"


class _Rollback(Exception):
    pass


def _url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns in EXEMPT_NAMESPACES:
                continue
            names |= _url_names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


@pytest.mark.django_db
def test_matrix_covers_every_role_of_access_rules() -> None:
    # The roles access-rules.md lists, each present in the matrix.
    required = {
        "guardian_of_c",
        "guardian_other_child_same_group",
        "guardian_hidden_member_group",
        "child_c",
        "other_child",
        "connected_staff",
        "same_unit_not_connected",
        "other_unit_staff",
        "former_unit_staff",
        "receiving_school_without_consent",
        "org_admin",
        "anonymous",
    }
    assert required <= set(ROLES)
