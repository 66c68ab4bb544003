"""A pupil's QR code (issue 29): created by staff connected to the child, single use, short-lived,
bound to one child, audited, revocable; the pupil's session sees only the pupil's own documentation."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role
from folja.accounts.models import PupilCode, SignInAttempt
from folja.testing.cast import build_cast
from folja.testing.sessions import sign_in


class PupilCodeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.alva = cls.cast.alva

    def create_code(self, staff_key: str = "teacher_blue") -> str:
        teacher = sign_in(Client(), self.cast.persons[staff_key], Role.STAFF)
        response = teacher.post(reverse("pupilcode:codes", args=[self.alva.uuid]))
        assert response.status_code == 200
        assert b"<svg" in response.content  # the QR code, made on the server
        return re.search(r'href="[^"]*(/login/child/code/[^/"]+/)"', response.content.decode()).group(1)

    def test_a_code_signs_the_child_in_once_and_the_session_sees_only_the_childs_own(self) -> None:
        path = self.create_code()
        device = Client()
        page = device.get(path)
        assert page.status_code == 200 and b"Hej Alva!" in page.content
        # Looking at the page does not use the code up.
        assert device.get(path).status_code == 200

        assert device.post(path).status_code == 302
        timeline = device.get(reverse("learninglog:timeline", args=[self.alva.uuid]))
        assert timeline.status_code == 200
        assert b"Bertil" not in timeline.content  # R3: no other child's name, even on group posts
        assert device.get(reverse("learninglog:timeline", args=[self.cast.bertil.uuid])).status_code == 404
        members = device.get(reverse("learninglog:group_members", args=[self.cast.blue.uuid]))
        assert b"Alva" in members.content and b"Bertil" not in members.content

        # Single use: a second device gets nothing.
        assert Client().post(path).status_code == 404
        assert SignInAttempt.objects.filter(method="pupil_code", outcome="success").count() == 1

    def test_creating_and_revoking_are_audited_and_revoking_ends_the_session(self) -> None:
        path = self.create_code()
        device = Client()
        device.post(path)
        code = PupilCode.objects.get()
        assert code.child == self.alva and code.used_at is not None
        teacher = sign_in(Client(), self.cast.teacher_blue, Role.STAFF)
        listed = teacher.get(reverse("pupilcode:codes", args=[self.alva.uuid]))
        assert str(code.uuid).encode() in listed.content

        teacher.post(reverse("pupilcode:codes", args=[self.alva.uuid]), {"revoke": str(code.uuid)})

        code.refresh_from_db()
        assert code.revoked_at is not None and code.revoked_by == self.cast.teacher_blue
        response = device.get(reverse("learninglog:timeline", args=[self.alva.uuid]))
        assert response.status_code == 302 and "/login" in response["Location"]
        actions = set(AuditRecord.objects.filter(child=self.alva).values_list("action", flat=True))
        assert {AuditAction.CREATE_PUPIL_CODE, AuditAction.REVOKE_PUPIL_CODE} <= actions

    def test_an_unused_code_dies_after_its_minutes_and_a_session_after_its_own(self) -> None:
        path = self.create_code()
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
            assert Client().post(path).status_code == 404
        path = self.create_code()
        device = Client()
        device.post(path)
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
            response = device.get(reverse("learninglog:timeline", args=[self.alva.uuid]))
            assert response.status_code == 302

    def test_only_staff_connected_to_the_child_create_codes(self) -> None:
        url = reverse("pupilcode:codes", args=[self.alva.uuid])
        for key, role in (("minder_yellow", Role.STAFF), ("teacher_larkan", Role.STAFF), ("anna", Role.GUARDIAN)):
            client = sign_in(Client(), self.cast.persons[key], role)
            assert client.post(url).status_code in (403, 404), key
        assert not PupilCode.objects.exists()

    def test_the_token_is_stored_only_as_a_hash_and_a_wrong_token_is_a_404(self) -> None:
        path = self.create_code()
        token = path.rstrip("/").rsplit("/", 1)[1]
        assert not PupilCode.objects.filter(token_hash__contains=token).exists()
        assert Client().get(reverse("accounts:pupil_code_sign_in", args=["x" + token[1:]])).status_code == 404
