"""The JSON API: the happy paths, the refusals, problem details, CSRF, the rate limit and query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from PIL import Image

from folja.access.roles import Role
from folja.learninglog.models import Post, PostChild, PostGoal, PostKind, PostStatus
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in

PROBLEM = "application/problem+json"


def photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("lek.jpg", buffer.getvalue(), content_type="image/jpeg")


class ApiTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.talks = build_talk_world(cls.cast)

    def client_as(self, key: str, role: Role, *, csrf: bool = False) -> Client:
        return sign_in(Client(enforce_csrf_checks=csrf), self.cast.persons[key], role)

    def test_the_document_is_openapi_3_1_and_describes_problems(self) -> None:
        response = Client().get("/api/v1/openapi.json")
        assert response.status_code == 200
        document = response.json()
        assert document["openapi"] == "3.1.0"
        assert "/api/v1/children/{child_uuid}/timeline" in document["paths"]
        timeline = document["paths"]["/api/v1/children/{child_uuid}/timeline"]["get"]
        assert PROBLEM in timeline["responses"]["default"]["content"]

    def test_the_reference_page_is_served_here_with_no_script_from_elsewhere(self) -> None:
        response = Client().get("/api/v1/docs")
        assert response.status_code == 200
        body = response.content.decode()
        assert "/api/v1/children/{child_uuid}/timeline" in body
        assert "<script" not in body.replace('<script src="/static/', "")
        assert "script-src 'self'" in response["Content-Security-Policy"].replace('"', "'")

    def test_anonymous_gets_401_as_a_problem(self) -> None:
        response = Client().get("/api/v1/children")
        assert response.status_code == 401
        assert response["Content-Type"] == PROBLEM
        assert response.json()["type"] == "/api/v1/problems/sign-in-required"

    def test_guardian_lists_only_her_own_children(self) -> None:
        response = self.client_as("anna", Role.GUARDIAN).get("/api/v1/children")
        assert response.status_code == 200
        assert [c["name"] for c in response.json()] == ["Alva Lind"]

    def test_guardian_reads_the_timeline_with_goals_media_and_only_her_child_named(self) -> None:
        client = self.client_as("cecilia", Role.GUARDIAN)
        bertil = self.cast.persons["bertil"]
        response = client.get(f"/api/v1/children/{bertil.uuid}/timeline")
        assert response.status_code == 200
        items = response.json()["items"]
        titles = {i["title"] for i in items}
        assert "Inlägg blue_group" in titles and "Inlägg alva_individual" not in titles
        group_post = next(i for i in items if i["title"] == "Inlägg blue_group")
        # R2/R3: a family sees only its own child named on a group post.
        assert [n["name"] for n in group_post["named_children"]] == ["Bertil Ek"]
        assert group_post["goals"][0]["text"]

    def test_guardian_of_another_child_gets_404_for_the_timeline(self) -> None:
        alva = self.cast.persons["alva"]
        response = self.client_as("cecilia", Role.GUARDIAN).get(f"/api/v1/children/{alva.uuid}/timeline")
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
        assert "Alva" not in response.content.decode()

    def test_staff_route_for_a_guardian_is_404(self) -> None:
        response = self.client_as("anna", Role.GUARDIAN).post(
            "/api/v1/posts", {"group": str(self.cast.blue.uuid)}, content_type="application/json"
        )
        assert response.status_code in (404, 422)

    def test_hidden_member_group_post_names_only_the_readers_child(self) -> None:
        post = self.cast.posts["yellow_group"]
        response = self.client_as("david", Role.GUARDIAN).get(f"/api/v1/posts/{post.uuid}")
        assert response.status_code == 200
        assert [n["name"] for n in response.json()["named_children"]] == ["Cleo Berg"]
        assert "Elin" not in response.content.decode()

    def test_timeline_pages_by_cursor_and_filters_by_goal_and_period(self) -> None:
        client = self.client_as("anna", Role.GUARDIAN)
        alva = self.cast.persons["alva"]
        url = f"/api/v1/children/{alva.uuid}/timeline"
        every = client.get(url).json()["items"]
        assert len(every) >= 3
        by_goal = client.get(url, {"goal": self.cast.goals[0].key}).json()["items"]
        assert {i["uuid"] for i in by_goal} == {i["uuid"] for i in every}
        assert client.get(url, {"goal": self.cast.goals[1].key}).json()["items"] == []
        future = (self.cast.day + dt.timedelta(days=1)).isoformat()
        assert client.get(url, {"date_from": future}).json()["items"] == []
        after = client.get(url, {"after": every[0]["uuid"]}).json()["items"]
        assert [i["uuid"] for i in after] == [i["uuid"] for i in every[1:]]

    def test_a_bad_filter_is_422_in_the_readers_language(self) -> None:
        alva = self.cast.persons["alva"]
        response = self.client_as("anna", Role.GUARDIAN).get(
            f"/api/v1/children/{alva.uuid}/timeline", {"date_from": "igår"}, HTTP_ACCEPT_LANGUAGE="sv"
        )
        assert response.status_code == 422
        assert response["Content-Type"] == PROBLEM
        assert response.json()["errors"]

    def test_comment_needs_the_csrf_token_and_then_reaches_her_family_thread(self) -> None:
        client = self.client_as("cecilia", Role.GUARDIAN, csrf=True)
        post = self.cast.posts["blue_group"]
        url = f"/api/v1/posts/{post.uuid}/comments"
        refused = client.post(url, {"body": "Hej!"}, content_type="application/json")
        assert refused.status_code == 403 and refused["Content-Type"] == PROBLEM
        client.get("/api/v1/docs")  # any page sets the csrftoken cookie
        token = client.cookies["csrftoken"].value
        response = client.post(url, {"body": "Hej!"}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 201, response.content
        assert response.json()["family"]["name"] == "Bertil Ek"
        # The other family does not see it (R2).
        anna_view = self.client_as("anna", Role.GUARDIAN).get(f"/api/v1/posts/{post.uuid}").json()
        assert all(c["body"] != "Hej!" for c in anna_view["comments"])

    def test_guardian_books_moves_and_cancels_a_talk_time(self) -> None:
        client = self.client_as("cecilia", Role.GUARDIAN)
        talk = self.talks["bertil"]
        slots = client.get(f"/api/v1/talks/{talk.uuid}/slots").json()
        assert slots
        first = client.put(
            f"/api/v1/talks/{talk.uuid}/booking", {"slot": slots[0]["uuid"]}, content_type="application/json"
        )
        assert first.status_code == 200, first.content
        assert first.json()["booking"]["uuid"] == slots[0]["uuid"]
        cancelled = client.delete(f"/api/v1/talks/{talk.uuid}/booking")
        assert cancelled.status_code == 204
        assert client.get(f"/api/v1/talks/{talk.uuid}").json()["booking"] is None

    def test_talk_lists_ask_the_database_as_often_for_one_talk_as_for_many(self) -> None:
        from folja.talks.models import Talk

        client = self.client_as("principal", Role.STAFF)
        alva = self.cast.persons["alva"]

        def count(url: str) -> tuple[int, int]:
            with CaptureQueriesContext(connection) as queries:
                answer = client.get(url)
            assert answer.status_code == 200
            return len(answer.json()), len(queries)

        before = [count("/api/v1/talks"), count(f"/api/v1/children/{alva.uuid}/talks")]
        template = self.talks["bertil"]
        # Cleo's and Elin's talks this period (the principal's list), and Alva's of three earlier periods.
        for child, days_back in (("cleo", 0), ("elin", 0), ("alva", 400), ("alva", 430), ("alva", 460)):
            Talk.objects.create(
                organisation=template.organisation,
                school_unit=template.school_unit,
                group=template.group,
                child=self.cast.persons[child],
                template_version=template.template_version,
                period_start=template.period_start - dt.timedelta(days=days_back),
                activity_date=template.activity_date,
                created_by=self.cast.persons["teacher_blue"],
            )
        after = [count("/api/v1/talks"), count(f"/api/v1/children/{alva.uuid}/talks")]
        assert all(a[0] > b[0] for a, b in zip(after, before, strict=True)), (before, after)
        assert [q for _n, q in after] == [q for _n, q in before]

    def test_another_family_cannot_book_or_see_the_talk(self) -> None:
        talk = self.talks["bertil"]
        client = self.client_as("anna", Role.GUARDIAN)
        assert client.get(f"/api/v1/talks/{talk.uuid}").status_code == 404
        slot = self.talks["slot_free"]
        response = client.put(
            f"/api/v1/talks/{talk.uuid}/booking", {"slot": str(slot.uuid)}, content_type="application/json"
        )
        assert response.status_code == 404

    def test_teacher_composes_a_group_post_with_two_photos_and_publishes_it(self) -> None:
        client = self.client_as("teacher_blue", Role.STAFF)
        uploads = [client.post("/api/v1/uploads", {"file": photo()}) for _ in range(2)]
        assert [u.status_code for u in uploads] == [201, 201], uploads[0].content
        members = client.get(f"/api/v1/groups/{self.cast.blue.uuid}/members").json()
        payload = {
            "group": str(self.cast.blue.uuid),
            "kind": "group",
            "children": [m["uuid"] for m in members],
            "title": "Skogen",
            "body": "Vi hittade svampar.",
            "activity_date": self.cast.day.isoformat(),
            "goals": [self.cast.goals[0].key],
            "uploads": [u.json()["uuid"] for u in uploads],
            "publish": True,
            "confirm_photo_consent": True,
        }
        response = client.post("/api/v1/posts", payload, content_type="application/json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == PostStatus.PUBLISHED and len(body["media"]) == 2
        # Alva's guardian finds it on the timeline.
        alva = self.cast.persons["alva"]
        titles = [
            i["title"]
            for i in self.client_as("anna", Role.GUARDIAN).get(f"/api/v1/children/{alva.uuid}/timeline").json()["items"]
        ]
        assert "Skogen" in titles

    def test_a_teacher_cannot_name_a_child_outside_the_group(self) -> None:
        client = self.client_as("teacher_blue", Role.STAFF)
        payload = {
            "group": str(self.cast.blue.uuid),
            "kind": "individual",
            "children": [str(self.cast.persons["olle"].uuid)],
            "title": "X",
            "activity_date": self.cast.day.isoformat(),
        }
        response = client.post("/api/v1/posts", payload, content_type="application/json")
        assert response.status_code == 422
        assert not Post.objects.filter(title="X").exists()

    def test_receiving_unit_cannot_edit_what_r8_shares(self) -> None:
        post = self.cast.posts["alva_individual"]
        response = self.client_as("teacher_fklass", Role.STAFF).patch(
            f"/api/v1/posts/{post.uuid}",
            {"title": "Ny", "activity_date": self.cast.day.isoformat()},
            content_type="application/json",
        )
        assert response.status_code == 404

    def test_coverage_is_data_without_names(self) -> None:
        response = self.client_as("teacher_blue", Role.STAFF).get(f"/api/v1/groups/{self.cast.blue.uuid}/coverage")
        assert response.status_code == 200
        data = response.json()
        assert data["goals"] and "Alva" not in response.content.decode()

    @override_settings(FOLJA_API_RATE_LIMIT=2)
    def test_over_the_rate_limit_is_429_with_retry_after(self) -> None:
        from django.core.cache import cache

        cache.clear()
        client = self.client_as("anna", Role.GUARDIAN)
        answers = [client.get("/api/v1/children") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[2]["Retry-After"]) >= 1
        assert answers[2]["Content-Type"] == PROBLEM
        cache.clear()


def _add_posts(cast, n: int) -> None:  # noqa: ANN001
    for i in range(n):
        post = Post.objects.create(
            organisation=cast.org_a,
            school_unit=cast.solrosen,
            group=cast.blue,
            kind=PostKind.GROUP,
            status=PostStatus.PUBLISHED,
            author=cast.teacher_blue,
            title=f"Extra {i}",
            body_html="<p>x</p>",
            activity_date=cast.day - dt.timedelta(days=i),
        )
        PostChild.objects.bulk_create(
            [PostChild(post=post, child=cast.persons[c], activity_date=post.activity_date) for c in ("alva", "bertil")]
        )
        PostGoal.objects.create(post=post, goal=cast.goals[0])


def _timeline_queries(cast, client: Client) -> int:  # noqa: ANN001
    url = f"/api/v1/children/{cast.persons['alva'].uuid}/timeline"
    client.get(url)  # warm per-process tables (goals)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("role_key,role", [("anna", Role.GUARDIAN), ("teacher_blue", Role.STAFF)])
def test_timeline_queries_do_not_grow_with_the_posts(role_key: str, role: Role) -> None:
    cast = build_cast()
    client = sign_in(Client(), cast.persons[role_key], role)
    _add_posts(cast, 2)
    few = _timeline_queries(cast, client)
    _add_posts(cast, 20)
    many = _timeline_queries(cast, client)
    assert few == many


@pytest.mark.django_db
def test_the_api_timeline_asks_the_database_as_often_as_the_page() -> None:
    cast = build_cast()
    _add_posts(cast, 20)
    client = sign_in(Client(), cast.persons["anna"], Role.GUARDIAN)
    api = _timeline_queries(cast, client)
    page_url = f"/children/{cast.persons['alva'].uuid}/"
    from django.urls import reverse

    page_url = reverse("learninglog:timeline", args=[cast.persons["alva"].uuid])
    client.get(page_url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page_url).status_code == 200
    assert api <= len(queries)


class FamilyResourceTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.talks = build_talk_world(cls.cast)

    def client_as(self, key: str, role: Role) -> Client:
        return sign_in(Client(), self.cast.persons[key], role)

    def test_guardian_prepares_the_talk_and_reads_her_answers_back(self) -> None:
        client = self.client_as("anna", Role.GUARDIAN)
        talk = self.talks["alva"]
        form = client.get(f"/api/v1/talks/{talk.uuid}/preparation").json()
        keys = [q["key"] for q in form["questions"]]
        assert "vh_berattar" in keys
        saved = client.put(
            f"/api/v1/talks/{talk.uuid}/preparation",
            {"answers": {"vh_berattar": "Om kojan"}, "together": False},
            content_type="application/json",
        )
        assert saved.status_code == 200, saved.content
        assert saved.json()["answers"]["vh_berattar"] == "Om kojan"
        # The other family cannot read or write it.
        other = self.client_as("cecilia", Role.GUARDIAN)
        assert other.get(f"/api/v1/talks/{talk.uuid}/preparation").status_code == 404

    def test_guardian_answers_consent_and_it_holds_at_once(self) -> None:
        client = self.client_as("anna", Role.GUARDIAN)
        alva = self.cast.persons["alva"]
        assert client.get(f"/api/v1/children/{alva.uuid}/consent").json()["mine"] is None
        answer = client.put(f"/api/v1/children/{alva.uuid}/consent", {"allowed": True}, content_type="application/json")
        assert answer.status_code == 200 and answer.json()["mine"] is True
        withdrawn = client.put(
            f"/api/v1/children/{alva.uuid}/consent", {"allowed": False}, content_type="application/json"
        )
        assert withdrawn.json() == {"mine": False, "effective": False}

    def test_a_session_signed_in_with_a_code_may_not_answer_consent(self) -> None:
        from folja.access import assurance

        # Alva's organisation lets guardians without e-ID sign in by SMS code.
        type(self.cast.org_a).objects.filter(pk=self.cast.org_a.pk).update(guardian_sms_sign_in=True)
        client = sign_in(Client(), self.cast.persons["anna"], Role.GUARDIAN, method=assurance.SMS, loa=assurance.LOWER)
        alva = self.cast.persons["alva"]
        response = client.put(
            f"/api/v1/children/{alva.uuid}/consent", {"allowed": True}, content_type="application/json"
        )
        assert response.status_code == 403
        assert response.json()["type"] == "/api/v1/problems/full-assurance-required"

    def test_guardian_asks_for_an_export_and_follows_it(self) -> None:
        client = self.client_as("anna", Role.GUARDIAN)
        alva = self.cast.persons["alva"]
        started = client.post(f"/api/v1/children/{alva.uuid}/exports")
        assert started.status_code == 202, started.content
        status = client.get(f"/api/v1/exports/{started.json()['uuid']}")
        assert status.status_code == 200 and status.json()["uuid"] == started.json()["uuid"]
        assert (
            self.client_as("cecilia", Role.GUARDIAN).get(f"/api/v1/exports/{started.json()['uuid']}").status_code == 404
        )

    def test_notices_list_and_mark_read(self) -> None:
        from folja.notifications.models import Notice

        post = self.cast.posts["alva_individual"]
        notice = Notice.objects.create(
            recipient=self.cast.persons["anna"],
            kind="post_published",
            context={"path": f"/posts/{post.uuid}/", "child_given_name": "Alva", "unit": "Solrosens förskola"},
            about_uuid=post.uuid,
            child=self.cast.persons["alva"],
        )
        client = self.client_as("anna", Role.GUARDIAN)
        listed = client.get("/api/v1/notices").json()
        assert [n["uuid"] for n in listed] == [str(notice.uuid)] and listed[0]["read"] is False
        assert client.post(f"/api/v1/notices/{notice.uuid}/read").status_code == 204
        assert client.get("/api/v1/notices").json()[0]["read"] is True
        # Another guardian cannot mark it.
        assert self.client_as("cecilia", Role.GUARDIAN).post(f"/api/v1/notices/{notice.uuid}/read").status_code == 404


def test_a_method_the_route_does_not_have_is_405_as_a_problem(client: Client) -> None:
    response = client.delete("/api/v1/children")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM and "GET" in response["Allow"]
