"""B5, the child's "don't show" marker: per child and per file, through every door (the media
URLs, the post page, list cards, the export's media), and the staff's decision."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.test import Client, TestCase
from django.urls import reverse
from PIL import Image

from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role, Viewer
from folja.learninglog import access as post_policy
from folja.media import access as media_policy
from folja.media.actions import marker_decide, marker_set
from folja.media.models import ConsentMarker, MarkerDecision, Media, MediaKind, MediaStatus, Rendition
from folja.pages import listing
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _photo(post, author, name: str, seq: int) -> Media:
    media = Media(
        post=post,
        kind=MediaKind.IMAGE,
        status=MediaStatus.READY,
        content_type="image/jpeg",
        uploaded_by=author,
        original_name=name,
        seq=seq,
    )
    media.file.save(f"marker/{name}", ContentFile(_jpeg()), save=False)
    media.save()
    rendition = Rendition(media=media, name="320", content_type="image/jpeg")
    rendition.file.save(f"marker/r320-{name}", ContentFile(_jpeg()), save=False)
    rendition.save()
    return media


class ConsentMarkerTests(TestCase):
    """Blåbären's group post names Alva and Bertil (and sealed Sigge); it has two photos. Alva does
    not want the first one shown."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.post = cls.cast.posts["blue_group"]
        cls.teacher = cls.cast.teacher_blue

    def setUp(self) -> None:
        # Files go to each test's own media folder (conftest), so the photos are made per test.
        self.marked = _photo(self.post, self.teacher, "sandlada.jpg", 0)
        self.other = _photo(self.post, self.teacher, "gungor.jpg", 1)

    def viewer(self, key: str, role: Role) -> Viewer:
        return Viewer(self.cast.persons[key], role)

    def client_as(self, key: str, role: Role) -> Client:
        return sign_in(Client(), self.cast.persons[key], role)

    def mark(self, by: str = "alva", role: Role = Role.CHILD) -> ConsentMarker:
        return marker_set(actor=self.viewer(by, role), media=self.marked, child=self.cast.alva)

    def shown(self, key: str, role: Role) -> set[str]:
        return set(media_policy.visible_media(self.viewer(key, role)).values_list("original_name", flat=True))

    def test_a_marked_photo_is_withheld_from_the_other_family_and_the_other_child_until_staff_decide(self) -> None:
        self.mark()

        assert self.shown("cecilia", Role.GUARDIAN) == {"gungor.jpg"}
        assert self.shown("bertil", Role.CHILD) == {"gungor.jpg"}
        # The child, the child's own guardians and the staff who see the child on the post still do.
        assert self.shown("alva", Role.CHILD) >= {"sandlada.jpg", "gungor.jpg"}
        assert self.shown("anna", Role.GUARDIAN) >= {"sandlada.jpg", "gungor.jpg"}
        assert self.shown("johan", Role.GUARDIAN) >= {"sandlada.jpg", "gungor.jpg"}
        assert self.shown("teacher_blue", Role.STAFF) >= {"sandlada.jpg", "gungor.jpg"}
        assert self.shown("principal", Role.STAFF) >= {"sandlada.jpg", "gungor.jpg"}

    def test_every_media_url_answers_404_to_the_other_family_and_200_to_the_childs_own(self) -> None:
        self.mark()
        urls = [
            reverse("media:page", args=[self.marked.uuid]),
            reverse("media:file", args=[self.marked.uuid]),
            reverse("media:download", args=[self.marked.uuid]),
            reverse("media:rendition", args=[self.marked.uuid, "320"]),
        ]
        other_family, own_family = self.client_as("cecilia", Role.GUARDIAN), self.client_as("anna", Role.GUARDIAN)
        for url in urls:
            assert other_family.get(url).status_code == 404, url
            assert own_family.get(url).status_code == 200, url
        # The post's other photo is not affected.
        assert other_family.get(reverse("media:file", args=[self.other.uuid])).status_code == 200

    def test_the_post_page_and_the_list_card_leave_the_photo_out_for_the_other_family(self) -> None:
        self.mark()
        page = self.client_as("cecilia", Role.GUARDIAN).get(reverse("learninglog:post", args=[self.post.uuid]))
        assert page.status_code == 200
        assert str(self.marked.uuid).encode() not in page.content
        assert str(self.other.uuid).encode() in page.content
        # Nor does the other family learn that someone marked it, or who.
        assert b"vill inte att bilden visas" not in page.content

        for key, role, sees in (("cecilia", Role.GUARDIAN, False), ("anna", Role.GUARDIAN, True)):
            viewer = self.viewer(key, role)
            rows = listing.post_listing(viewer, post_policy.visible_posts(viewer).filter(pk=self.post.pk), limit=1)
            uuids = {m["uuid"] for m in rows[0].media}
            assert (self.marked.uuid in uuids) is sees, key
            assert self.other.uuid in uuids

    def test_staff_see_the_marker_and_decide_and_the_decision_is_recorded(self) -> None:
        marker = self.mark()
        staff = self.client_as("teacher_blue", Role.STAFF)
        page = staff.get(reverse("learninglog:post", args=[self.post.uuid]))
        assert b"Alva Lind vill inte att bilden visas" in page.content
        assert "Väntar på beslut".encode() in page.content

        url = reverse("media:marker_decide", args=[self.marked.uuid, marker.uuid])
        assert staff.post(url, {"decision": "whatever"}).status_code == 400
        assert staff.post(url, {"decision": MarkerDecision.SHOW}).status_code == 302

        marker.refresh_from_db()
        assert marker.decision == MarkerDecision.SHOW
        assert marker.decided_by == self.teacher and marker.decided_at is not None
        assert "sandlada.jpg" in self.shown("cecilia", Role.GUARDIAN)
        actions = set(AuditRecord.objects.filter(child=self.cast.alva).values_list("action", flat=True))
        assert {AuditAction.MARK_MEDIA, AuditAction.DECIDE_MARKER} <= actions

    def test_keeping_it_hidden_keeps_it_from_the_other_families_for_good(self) -> None:
        marker = self.mark()
        marker_decide(actor=self.viewer("teacher_blue", Role.STAFF), marker=marker, decision=MarkerDecision.KEEP_HIDDEN)

        assert "sandlada.jpg" not in self.shown("cecilia", Role.GUARDIAN)
        assert "sandlada.jpg" in self.shown("anna", Role.GUARDIAN)

    def test_marking_again_after_a_decision_asks_staff_again(self) -> None:
        marker = self.mark()
        marker_decide(actor=self.viewer("teacher_blue", Role.STAFF), marker=marker, decision=MarkerDecision.SHOW)
        self.mark()

        marker.refresh_from_db()
        assert marker.decision == MarkerDecision.PENDING and marker.decided_by is None
        assert "sandlada.jpg" not in self.shown("cecilia", Role.GUARDIAN)

    def test_a_child_marks_through_the_post_page_and_only_for_themselves(self) -> None:
        alva = self.client_as("alva", Role.CHILD)
        page = alva.get(reverse("learninglog:post", args=[self.post.uuid]))
        assert "Jag vill inte att den här bilden visas".encode() in page.content

        response = alva.post(reverse("media:marker", args=[self.marked.uuid]), {"child": str(self.cast.bertil.uuid)})

        assert response.status_code == 302
        marker = ConsentMarker.objects.get()
        assert marker.child == self.cast.alva and marker.marked_by == self.cast.alva

    def test_staff_mark_on_a_childs_behalf_only_for_a_child_they_are_connected_to(self) -> None:
        url = reverse("media:marker", args=[self.marked.uuid])
        # Staff of the same unit not connected to Blåbären: they cannot even open the photo.
        outsider = self.client_as("minder_yellow", Role.STAFF)
        assert outsider.post(url, {"child": str(self.cast.alva.uuid)}).status_code == 404
        # A guardian does not mark (the child or staff do).
        assert self.client_as("anna", Role.GUARDIAN).post(url, {"child": str(self.cast.alva.uuid)}).status_code == 404
        # The other child cannot mark for Alva.
        self.client_as("bertil", Role.CHILD).post(url)
        assert not ConsentMarker.objects.filter(child=self.cast.alva).exists()

        teacher = self.client_as("teacher_blue", Role.STAFF)
        assert teacher.post(url, {"child": str(self.cast.alva.uuid)}).status_code == 302
        assert ConsentMarker.objects.get(child=self.cast.alva).marked_by == self.teacher

    def test_only_staff_connected_to_the_marked_child_decide(self) -> None:
        marker = self.mark()
        url = reverse("media:marker_decide", args=[self.marked.uuid, marker.uuid])
        for key, role in (("alva", Role.CHILD), ("anna", Role.GUARDIAN), ("minder_yellow", Role.STAFF)):
            assert self.client_as(key, role).post(url, {"decision": "shown"}).status_code in (403, 404), key
        marker.refresh_from_db()
        assert marker.decision == MarkerDecision.PENDING

    def test_a_sealed_marked_child_lets_no_one_through(self) -> None:
        # Sigge is sealed in the cast (R5): a marker for him withholds the photo from every family.
        ConsentMarker.objects.create(media=self.other, child=self.cast.persons["sigge"], marked_by=self.teacher)

        assert "gungor.jpg" not in self.shown("anna", Role.GUARDIAN)
        assert "gungor.jpg" not in self.shown("cecilia", Role.GUARDIAN)

    def test_the_post_page_costs_the_same_queries_with_one_and_with_many_markers(self) -> None:
        self.mark()
        staff = self.client_as("teacher_blue", Role.STAFF)
        url = reverse("learninglog:post", args=[self.post.uuid])
        staff.get(url)
        few = _count(staff, url)
        for seq in range(2, 8):
            photo = _photo(self.post, self.teacher, f"extra{seq}.jpg", seq)
            ConsentMarker.objects.create(media=photo, child=self.cast.alva, marked_by=self.teacher)

        assert _count(staff, url) == few


def _count(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)
