"""The notices on the page: the header's unread count, "Nytt" marks, opening marks read, settings, query counts."""

from __future__ import annotations

import json

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from folja.access.roles import Role
from folja.learninglog import notices as post_notices
from folja.learninglog.models import Post, PostChild, PostKind, PostStatus
from folja.notifications.models import Notice, Preference, PushSubscription, Rhythm
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in


def _count(client, url: str) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


class NoticePageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        post_notices.post_published(cls.cast.posts["blue_group"])
        post_notices.post_published(cls.cast.posts["alva_individual"])

    def test_the_header_counts_unread_notices_and_the_start_page_marks_the_child_new(self) -> None:
        client = signed_in(self.cast.anna, Role.GUARDIAN)
        page = client.get(reverse("core:home")).content.decode()
        assert 'class="count" aria-label="2 olästa">2<' in page
        assert "Nytt: 2" in page
        cecilia = signed_in(self.cast.cecilia, Role.GUARDIAN).get(reverse("core:home")).content.decode()
        assert 'aria-label="1 oläst">1<' in cecilia and "Alva" not in cecilia

    def test_the_notice_list_shows_the_headers_count_too(self) -> None:
        page = signed_in(self.cast.anna, Role.GUARDIAN).get(reverse("notices:list")).content.decode()
        assert 'aria-label="2 olästa">2<' in page and page.count("badge--new") == 2

    def test_an_unnamed_family_sees_no_count_and_no_new_mark(self) -> None:
        page = signed_in(self.cast.david, Role.GUARDIAN).get(reverse("core:home")).content.decode()
        assert 'class="count"' not in page and "Nytt" not in page

    def test_the_timeline_marks_unread_posts_and_opening_a_post_reads_its_notices(self) -> None:
        client = signed_in(self.cast.anna, Role.GUARDIAN)
        timeline = reverse("learninglog:timeline", args=[self.cast.alva.uuid])
        assert client.get(timeline).content.decode().count("badge--new") == 2
        client.get(reverse("learninglog:post", args=[self.cast.posts["alva_individual"].uuid]))
        assert client.get(timeline).content.decode().count("badge--new") == 1
        # Johan's notices of the same post are his own: still unread.
        assert Notice.objects.filter(recipient=self.cast.johan, read_at__isnull=True).count() == 2

    def test_opening_a_notice_marks_it_read_and_leads_to_its_post(self) -> None:
        client = signed_in(self.cast.cecilia, Role.GUARDIAN)
        [notice] = Notice.objects.filter(recipient=self.cast.cecilia)
        response = client.get(reverse("notices:open", args=[notice.uuid]))
        assert response["Location"] == f"/posts/{self.cast.posts['blue_group'].uuid}/"
        notice.refresh_from_db()
        assert notice.read_at is not None
        page = client.get(reverse("notices:list")).content.decode()
        assert "Nytt inlägg om Bertil" in page and "badge--new" not in page

    def test_mark_all_read(self) -> None:
        client = signed_in(self.cast.anna, Role.GUARDIAN)
        client.post(reverse("notices:read_all"))
        assert not Notice.objects.filter(recipient=self.cast.anna, read_at__isnull=True).exists()
        assert Notice.objects.filter(recipient=self.cast.johan, read_at__isnull=True).exists()

    def test_the_notice_list_takes_as_many_queries_for_twenty_notices_as_for_two(self) -> None:
        client = signed_in(self.cast.cecilia, Role.GUARDIAN)
        url = reverse("notices:list")
        few = _count(client, url)
        cast = self.cast
        for n in range(18):
            post = Post.objects.create(
                organisation=cast.org_a,
                school_unit=cast.solrosen,
                group=cast.blue,
                kind=PostKind.GROUP,
                status=PostStatus.PUBLISHED,
                author=cast.teacher_blue,
                title=f"Post {n}",
                body_html="<p>x</p>",
                activity_date=cast.day,
            )
            PostChild.objects.create(post=post, child=cast.bertil, activity_date=cast.day)
            post_notices.post_published(post)
        assert Notice.objects.filter(recipient=cast.cecilia).count() == 19
        many = _count(client, url)
        assert many == few
        assert many <= 12

    def test_settings_save_rhythm_quiet_hours_and_names_in_push(self) -> None:
        client = signed_in(self.cast.cecilia, Role.GUARDIAN)
        response = client.post(
            reverse("notices:settings"),
            {
                "rhythm": "weekly",
                "email_enabled": "on",
                "push_names": "on",
                "quiet_from": "21:30",
                "quiet_until": "06:45",
                "language": "en",
            },
        )
        assert response.status_code == 302
        preference = Preference.objects.get(person=self.cast.cecilia)
        assert preference.rhythm == Rhythm.WEEKLY and preference.push_names and not preference.push_enabled
        assert preference.quiet_from.strftime("%H:%M") == "21:30" and preference.language == "en"

    def test_devices_are_listed_and_removed_on_the_settings_page(self) -> None:
        client = signed_in(self.cast.cecilia, Role.GUARDIAN)
        body = {
            "endpoint": "https://push.example.net/abc",
            "keys": {"p256dh": "k" * 87, "auth": "a" * 22},
            "label": "Firefox / Android",
        }
        assert (
            client.post(reverse("notices:device_add"), json.dumps(body), content_type="application/json").status_code
            == 200
        )
        bad = {**body, "endpoint": "http://127.0.0.1:9/x"}
        assert (
            client.post(reverse("notices:device_add"), json.dumps(bad), content_type="application/json").status_code
            == 400
        )
        page = client.get(reverse("notices:settings")).content.decode()
        assert "Firefox / Android" in page
        device = PushSubscription.objects.get(person=self.cast.cecilia)
        # Another person cannot remove it.
        anna = signed_in(self.cast.anna, Role.GUARDIAN)
        assert anna.post(reverse("notices:device_delete", args=[device.uuid])).status_code == 404
        client.post(reverse("notices:device_delete", args=[device.uuid]))
        assert not PushSubscription.objects.exists()

    def test_the_manifest_and_service_worker_make_an_installable_app_that_caches_no_page(self) -> None:
        manifest = json.loads(self.client.get(reverse("notices:manifest")).content)
        assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
        assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
        worker = self.client.get(reverse("notices:service_worker"))
        assert worker["Content-Type"].startswith("text/javascript") and worker["Service-Worker-Allowed"] == "/"
        source = worker.content.decode()
        assert "cache.addAll(SHELL)" in source and "/static/folja/app.css" in source
        assert "cache.put" not in source  # nothing fetched later is stored
